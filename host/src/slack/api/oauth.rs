//! `oauth.v2.access`: exchanges an install's code for the bot token, or a
//! refresh token for a new one (token rotation). The app authenticates
//! with its client id and secret as HTTP Basic; the answer's tokens are
//! [`Secret`]s from the moment they are read.

use serde::Deserialize;

use super::client::WebClient;
use super::error::ApiError;
use crate::secret::Secret;

/// What is exchanged.
#[derive(Debug, Clone, Copy)]
pub enum OAuthGrant<'a> {
    /// The `code` Slack's redirect carried, with the same `redirect_uri`
    /// the authorize link named.
    Code {
        code: &'a Secret,
        redirect_uri: &'a str,
    },
    /// A rotating token's refresh token.
    Refresh { refresh_token: &'a Secret },
}

/// The answer, as far as the host uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthAccess {
    /// The bot token (`xoxb-…`, or `xoxe.xoxb-…` with rotation).
    pub access_token: Secret,
    /// `bot` for a bot token.
    pub token_type: String,
    /// Granted scopes, comma-separated.
    pub scope: String,
    pub bot_user_id: Option<String>,
    pub app_id: Option<String>,
    /// The workspace (absent on an org-wide enterprise install).
    pub team_id: Option<String>,
    pub team_name: Option<String>,
    pub enterprise_id: Option<String>,
    /// Who installed.
    pub installer: Option<String>,
    /// With rotation: the next refresh token and the bot token's lifetime
    /// in seconds.
    pub refresh_token: Option<Secret>,
    pub expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct Named {
    id: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct AuthedUser {
    #[serde(default)]
    id: Option<String>,
}

#[derive(Deserialize)]
struct Wire {
    access_token: Secret,
    #[serde(default)]
    token_type: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    bot_user_id: Option<String>,
    #[serde(default)]
    app_id: Option<String>,
    #[serde(default)]
    team: Option<Named>,
    #[serde(default)]
    enterprise: Option<Named>,
    #[serde(default)]
    authed_user: Option<AuthedUser>,
    #[serde(default)]
    refresh_token: Option<Secret>,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl From<Wire> for OAuthAccess {
    fn from(w: Wire) -> Self {
        let (team_id, team_name) = match w.team {
            Some(t) => (Some(t.id), t.name),
            None => (None, None),
        };
        Self {
            access_token: w.access_token,
            token_type: w.token_type,
            scope: w.scope,
            bot_user_id: w.bot_user_id,
            app_id: w.app_id,
            team_id,
            team_name,
            enterprise_id: w.enterprise.map(|e| e.id),
            installer: w.authed_user.and_then(|u| u.id),
            refresh_token: w.refresh_token,
            expires_in: w.expires_in,
        }
    }
}

impl WebClient {
    /// `oauth.v2.access` for the app `client_id`.
    ///
    /// # Errors
    /// [`ApiError::Slack`] with Slack's code (`invalid_code`,
    /// `invalid_refresh_token`, `bad_redirect_uri`, `invalid_client_id`, …);
    /// otherwise as for every method. No error holds a secret.
    pub async fn oauth_v2_access(
        &self,
        client_id: &str,
        client_secret: &Secret,
        grant: OAuthGrant<'_>,
    ) -> Result<OAuthAccess, ApiError> {
        let form: Vec<(&str, &str)> = match grant {
            OAuthGrant::Code { code, redirect_uri } => {
                vec![("code", code.expose()), ("redirect_uri", redirect_uri)]
            }
            OAuthGrant::Refresh { refresh_token } => vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.expose()),
            ],
        };
        let wire: Wire = self
            .call_basic_form("oauth.v2.access", client_id, client_secret, &form)
            .await?;
        Ok(wire.into())
    }
}
