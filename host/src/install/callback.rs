//! Slack's redirect back: check the state and the browser, exchange the
//! code, start the app's bot for the workspace, store the installation.
//! Any refusal leaves nothing stored and nothing started.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use super::{Installer, Refusal};
use crate::bot_config::BotConfig;
use crate::ids::TeamId;
use crate::secret::Secret;
use crate::slack::api::{OAuthAccess, OAuthGrant};
use crate::spec::{OAuthAppSpec, TeamSource, TeamSpec};
use crate::storage::{Installation, Refresh};

/// What the install page tells the person.
#[derive(Debug)]
pub(super) struct Installed {
    pub(super) team: TeamId,
    pub(super) team_name: Option<String>,
    /// Said when the bot is registered but not running yet.
    pub(super) note: Option<String>,
}

/// The installation an `oauth.v2.access` answer describes.
pub(super) fn installation(
    app: &OAuthAppSpec,
    access: &OAuthAccess,
    now: SystemTime,
) -> Result<Installation, Refusal> {
    if access.token_type != "bot" {
        return Err(Refusal::Unusable("no bot token"));
    }
    let team = access
        .team_id
        .as_deref()
        .ok_or(Refusal::Unusable("no workspace"))
        .and_then(|t| TeamId::parse(t).map_err(|_| Refusal::Unusable("bad workspace id")))?;
    let refresh = match (&access.refresh_token, access.expires_in) {
        (Some(token), Some(expires_in)) => Some(Refresh {
            token: token.clone(),
            expires_at: now + Duration::from_secs(expires_in),
        }),
        _ if app.token_rotation => return Err(Refusal::Unusable("no refresh token")),
        _ => None,
    };
    Ok(Installation {
        team,
        app: app.id.clone(),
        team_name: access.team_name.clone(),
        enterprise: access.enterprise_id.clone(),
        bot_user: access.bot_user_id.clone(),
        scopes: access.scope.clone(),
        installer: access.installer.clone(),
        installed_at: now,
        bot_token: access.access_token.clone(),
        refresh,
    })
}

impl Installer {
    /// Completes an install of `app` from the callback's query `params`
    /// and the browser's state cookie.
    ///
    /// # Errors
    /// Why nothing was installed.
    pub(super) async fn complete(
        &self,
        app: &str,
        params: &HashMap<String, String>,
        cookie: Option<&str>,
    ) -> Result<Installed, Refusal> {
        let spec = self.apps.get(app).ok_or(Refusal::UnknownApp)?;
        if let Some(error) = params.get("error") {
            // Slack's word for it (`access_denied`), as a short code: it
            // is shown on the page and logged, so nothing else gets in.
            let error: String = error
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(64)
                .collect();
            return Err(Refusal::Denied(error));
        }
        let state = params.get("state").map_or("", String::as_str);
        self.signer.redeem(app, state, cookie, self.clock.now())?;
        let code = params
            .get("code")
            .filter(|c| !c.is_empty())
            .map(|c| Secret::new(c.clone()))
            .ok_or(Refusal::NoCode)?;
        let redirect_uri = self.redirect_uri(app);
        let access = self
            .web
            .oauth_v2_access(
                &spec.client_id,
                &spec.client_secret,
                OAuthGrant::Code {
                    code: &code,
                    redirect_uri: &redirect_uri,
                },
            )
            .await
            .map_err(|e| Refusal::Slack(e.to_string()))?;
        let install = installation(spec, &access, SystemTime::now())?;
        let reinstall = self.host.contains(&install.team);
        let note = self.start(spec, &install).await?;
        if let Err(e) = self.host.storage().installs.save(&install).await {
            tracing::error!(team = %install.team, app, error = %e, "installation not stored; install undone");
            if !reinstall {
                self.host.remove(&install.team).await;
            }
            return Err(Refusal::Storage);
        }
        if let Some(refresh) = &install.refresh {
            self.rotation.schedule(&install.team, refresh.expires_at);
        }
        self.host.metrics().installs.inc();
        tracing::info!(
            team = %install.team, app, installer = install.installer.as_deref().unwrap_or("?"),
            scopes = %install.scopes, "installed"
        );
        Ok(Installed {
            team: install.team,
            team_name: install.team_name,
            note,
        })
    }

    /// Starts (or, for a reinstall, updates in place) the app's bot in
    /// the installed workspace. A workspace another source serves is left
    /// alone.
    async fn start(
        &self,
        app: &OAuthAppSpec,
        install: &Installation,
    ) -> Result<Option<String>, Refusal> {
        let source = TeamSource::OAuth {
            app: app.id.clone(),
        };
        let team = &install.team;
        let served = self.host.handle(team).map(|h| h.spec());
        let spec = TeamSpec {
            id: team.clone(),
            bot: app.bot.clone(),
            token: install.bot_token.clone(),
            app: app.carries_events.then(|| app.id.clone()),
            // A reinstall keeps the team's config.
            config: served
                .as_ref()
                .map_or_else(BotConfig::new, |s| s.config.clone()),
            source: source.clone(),
        };
        match served {
            Some(old) if old.source != source => Err(Refusal::Conflict {
                team: team.to_string(),
                owner: old.source.to_string(),
            }),
            // Reinstalled with the same token: nothing to change.
            Some(old) if old == spec => Ok(None),
            Some(_) => match self.host.update(spec).await {
                Ok(()) => Ok(None),
                Err(e) => Err(Refusal::Start(e.to_string())),
            },
            None => match self.host.try_add(spec).await {
                Ok(()) => Ok(None),
                // Kept and retrying (Slack unreachable for a moment).
                Err(e) if self.host.contains(team) => Ok(Some(format!(
                    "It is not connected yet ({e}); the host keeps trying."
                ))),
                Err(e) => Err(Refusal::Start(e.to_string())),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn app(rotation: bool) -> OAuthAppSpec {
        OAuthAppSpec {
            id: "A1".into(),
            client_id: "1.2".into(),
            client_secret: Secret::new("s"),
            bot: PathBuf::from("echo.wasm"),
            scopes: vec!["chat:write".into()],
            token_rotation: rotation,
            carries_events: true,
        }
    }

    fn access() -> OAuthAccess {
        OAuthAccess {
            access_token: Secret::new("xoxb-1"),
            token_type: "bot".into(),
            scope: "chat:write".into(),
            bot_user_id: Some("UBOT".into()),
            app_id: Some("A1".into()),
            team_id: Some("T1".into()),
            team_name: Some("Team".into()),
            enterprise_id: None,
            installer: Some("U1".into()),
            refresh_token: None,
            expires_in: None,
        }
    }

    #[test]
    fn only_a_bot_install_in_a_workspace_is_kept() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let install = installation(&app(false), &access(), now).expect("kept");
        assert_eq!((install.team.as_str(), install.refresh), ("T1", None));
        let user_token = OAuthAccess {
            token_type: "user".into(),
            ..access()
        };
        let no_team = OAuthAccess {
            team_id: None,
            ..access()
        };
        let bad_team = OAuthAccess {
            team_id: Some("not a team".into()),
            ..access()
        };
        for answer in [user_token, no_team, bad_team] {
            assert!(matches!(
                installation(&app(false), &answer, now),
                Err(Refusal::Unusable(_))
            ));
        }
        assert!(
            matches!(
                installation(&app(true), &access(), now),
                Err(Refusal::Unusable("no refresh token"))
            ),
            "a rotating app's answer must carry a refresh token"
        );
        let rotating = OAuthAccess {
            refresh_token: Some(Secret::new("xoxe-1")),
            expires_in: Some(43_200),
            ..access()
        };
        let install = installation(&app(true), &rotating, now).expect("kept");
        assert_eq!(
            install.refresh.map(|r| r.expires_at),
            Some(now + Duration::from_secs(43_200))
        );
    }
}
