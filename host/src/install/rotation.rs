//! Token rotation: a rotating bot token is renewed with its refresh token
//! (`oauth.v2.access grant_type=refresh_token`) before it expires, the new
//! pair stored, and the new token handed to the running team.
//!
//! The team gets it through [`Host::update`](crate::host::Host::update):
//! a new token relinks the team (its Slack link is closed and opened again
//! with the new token; with Socket Mode that is an `auth.test` and a
//! registration with the app's socket) while the bot instance keeps
//! running with its state, and is only `reconfigure`d with its unchanged
//! config. Swapping the token inside the live link would avoid the relink,
//! but the link's token is read without a lock by every Web API call; the
//! relink happens once per token lifetime (12 h at Slack).
//!
//! One loop per installer, owned by the host's task tree, sleeping on
//! tokio's clock until the earliest renewal is due.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::Installer;
use crate::ids::TeamId;
use crate::metrics::KindLabel;
use crate::slack::api::{ApiError, OAuthGrant};
use crate::spec::TeamSource;
use crate::storage::{Installation, Refresh, StorageError};

/// Renew this long before expiry at most…
const MAX_LEAD: Duration = Duration::from_secs(600);
/// …and with at least this share of the remaining lifetime left (a
/// 12 h token is renewed 10 min before it expires; a 1 min one at 80 %).
const LEAD_SHARE: u32 = 5;
/// After a failed renewal, try again after this long, doubling with each
/// failure in a row up to [`MAX_RETRY`].
const RETRY: Duration = Duration::from_secs(60);
const MAX_RETRY: Duration = Duration::from_secs(3600);

/// Why a renewal did not happen.
#[derive(Debug)]
enum Failure {
    /// Slack refused the refresh token or the client credentials: trying
    /// again cannot help; the app must be installed again.
    Refused(String),
    /// Slack unreachable, busy or rate limiting, or the store failing.
    Transient(String),
}

impl From<String> for Failure {
    fn from(why: String) -> Self {
        Failure::Transient(why)
    }
}

impl From<&str> for Failure {
    fn from(why: &str) -> Self {
        Failure::Refused(why.to_owned())
    }
}

/// When each rotating team is due.
#[derive(Debug)]
pub(super) struct Rotation {
    due: Mutex<HashMap<TeamId, Instant>>,
    /// Failed renewals in a row, per team.
    failures: Mutex<HashMap<TeamId, u32>>,
    wake: Notify,
    refreshed: watch::Sender<u64>,
}

impl Default for Rotation {
    fn default() -> Self {
        Self {
            due: Mutex::default(),
            failures: Mutex::default(),
            wake: Notify::new(),
            refreshed: watch::Sender::new(0),
        }
    }
}

/// When to renew a token that expires at `expires_at`, on tokio's clock.
fn due_at(expires_at: SystemTime, now: SystemTime) -> Instant {
    let left = expires_at.duration_since(now).unwrap_or_default();
    let lead = (left / LEAD_SHARE).min(MAX_LEAD);
    Instant::now() + (left - lead)
}

impl Rotation {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TeamId, Instant>> {
        self.due.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Renews `team`'s token before `expires_at` (replacing any earlier
    /// schedule).
    pub(super) fn schedule(&self, team: &TeamId, expires_at: SystemTime) {
        self.at(team, due_at(expires_at, SystemTime::now()));
    }

    fn at(&self, team: &TeamId, when: Instant) {
        self.lock().insert(team.clone(), when);
        self.wake.notify_one();
    }

    /// Counts a failure; when to try again.
    fn failed(&self, team: &TeamId) -> Instant {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        let n = failures.entry(team.clone()).or_insert(0);
        let wait = RETRY.saturating_mul(1 << (*n).min(6)).min(MAX_RETRY);
        *n += 1;
        Instant::now() + wait
    }

    fn succeeded(&self, team: &TeamId) {
        self.failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(team);
    }

    pub(super) fn refreshed(&self) -> watch::Receiver<u64> {
        self.refreshed.subscribe()
    }

    /// Takes every team due by now; else says when the next one is.
    fn take_due(&self) -> (Vec<TeamId>, Option<Instant>) {
        let now = Instant::now();
        let mut due = self.lock();
        let ready: Vec<TeamId> = due
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(team, _)| team.clone())
            .collect();
        for team in &ready {
            due.remove(team);
        }
        (ready, due.values().min().copied())
    }
}

impl Installer {
    /// Schedules the renewal of every stored rotating installation and
    /// starts the loop that renews them, in the host's task tree. Call it
    /// after [`Host::resume`](crate::host::Host::resume): a renewal skips
    /// (and forgets) a team the host does not serve.
    ///
    /// # Errors
    /// The installations cannot be read.
    pub async fn start_rotation(self: &Arc<Self>) -> Result<(), StorageError> {
        for install in self.host.storage().installs.load().await? {
            let rotating = self
                .apps
                .get(&install.app)
                .is_some_and(|a| a.token_rotation);
            if let (true, Some(refresh)) = (rotating, &install.refresh) {
                self.rotation.schedule(&install.team, refresh.expires_at);
            }
        }
        let cancel = self.host.tasks().token().clone();
        self.host.tasks().spawn(self.clone().rotate(cancel));
        Ok(())
    }

    async fn rotate(self: Arc<Self>, cancel: CancellationToken) {
        loop {
            let (ready, next) = self.rotation.take_due();
            for team in ready {
                if cancel.is_cancelled() {
                    return;
                }
                self.renew(&team).await;
            }
            let sleep = async {
                match next {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = cancel.cancelled() => return,
                () = self.rotation.wake.notified() => {}
                () = sleep => {}
            }
        }
    }

    /// Renews one team's token; a failure is counted, logged and retried.
    async fn renew(&self, team: &TeamId) {
        let install = match self.host.storage().installs.get(team).await {
            Ok(Some(install)) => install,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(%team, error = %e, "installation unreadable; renewal retried");
                let at = self.rotation.failed(team);
                self.rotation.at(team, at);
                return;
            }
        };
        let source = TeamSource::OAuth {
            app: install.app.clone(),
        };
        if self.host.owner(team).as_ref() != Some(&source) {
            tracing::debug!(%team, "no longer served by its install; token not renewed");
            return;
        }
        match self.renewed(&install).await {
            Ok(renewed) => {
                self.count("ok");
                self.rotation.succeeded(team);
                if let Some(refresh) = &renewed.refresh {
                    self.rotation.schedule(team, refresh.expires_at);
                }
                self.rotation.refreshed.send_modify(|n| *n += 1);
                tracing::info!(%team, "rotating bot token renewed");
            }
            Err(Failure::Transient(why)) => {
                self.count("failed");
                let at = self.rotation.failed(team);
                let retry_in = at.saturating_duration_since(Instant::now());
                tracing::warn!(%team, error = %why, ?retry_in, "bot token not renewed; retrying");
                self.rotation.at(team, at);
            }
            Err(Failure::Refused(why)) => {
                self.count("refused");
                self.rotation.succeeded(team);
                tracing::error!(%team, error = %why, "Slack refused to renew the bot token; the app must be installed again in this workspace");
            }
        }
    }

    /// Exchanges the refresh token, stores the new pair, hands the new
    /// token to the team.
    async fn renewed(&self, install: &Installation) -> Result<Installation, Failure> {
        let app = self
            .apps
            .get(&install.app)
            .ok_or_else(|| format!("app {} is no longer configured", install.app))?;
        let refresh = install.refresh.as_ref().ok_or("no refresh token")?;
        let access = self
            .web
            .oauth_v2_access(
                &app.client_id,
                &app.client_secret,
                OAuthGrant::Refresh {
                    refresh_token: &refresh.token,
                },
            )
            .await
            .map_err(|e| {
                let why = format!("oauth.v2.access: {}", e.code());
                if e.is_retryable() || !matches!(e, ApiError::Slack { .. }) {
                    Failure::Transient(why)
                } else {
                    Failure::Refused(why)
                }
            })?;
        let expires_in = access.expires_in.ok_or("the answer has no expires_in")?;
        let renewed = Installation {
            bot_token: access.access_token,
            refresh: Some(Refresh {
                token: access
                    .refresh_token
                    .unwrap_or_else(|| refresh.token.clone()),
                expires_at: SystemTime::now() + Duration::from_secs(expires_in),
            }),
            ..install.clone()
        };
        self.host
            .storage()
            .installs
            .save(&renewed)
            .await
            .map_err(|e| e.to_string())?;
        let Some(mut spec) = self.host.handle(&install.team).map(|h| h.spec()) else {
            return Ok(renewed);
        };
        spec.token = renewed.bot_token.clone();
        self.host.update(spec).await.map_err(|e| e.to_string())?;
        Ok(renewed)
    }

    fn count(&self, outcome: &'static str) {
        self.host
            .metrics()
            .token_refreshes
            .get_or_create(&KindLabel { kind: outcome })
            .inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn renewal_is_due_ten_minutes_early_or_at_80_percent() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let start = Instant::now();
        let twelve_hours = due_at(now + Duration::from_secs(12 * 3600), now);
        assert_eq!(twelve_hours - start, Duration::from_secs(12 * 3600 - 600));
        let one_minute = due_at(now + Duration::from_secs(60), now);
        assert_eq!(one_minute - start, Duration::from_secs(48));
        assert_eq!(due_at(now, now), start, "expired: at once");
    }

    #[tokio::test(start_paused = true)]
    async fn failed_renewals_back_off_up_to_an_hour_and_reset_on_success() {
        let rotation = Rotation::default();
        let team = TeamId::from("TA");
        let waits: Vec<u64> = (0..9)
            .map(|_| (rotation.failed(&team) - Instant::now()).as_secs())
            .collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        rotation.succeeded(&team);
        assert_eq!((rotation.failed(&team) - Instant::now()).as_secs(), 60);
    }

    #[tokio::test(start_paused = true)]
    async fn only_due_teams_are_taken() {
        let rotation = Rotation::default();
        let (a, b) = (TeamId::from("TA"), TeamId::from("TB"));
        rotation.at(&a, Instant::now());
        rotation.at(&b, Instant::now() + Duration::from_secs(5));
        let (ready, next) = rotation.take_due();
        assert_eq!(ready, [a]);
        assert_eq!(next, Some(Instant::now() + Duration::from_secs(5)));
        tokio::time::advance(Duration::from_secs(5)).await;
        assert_eq!(rotation.take_due(), (vec![b], None));
    }
}
