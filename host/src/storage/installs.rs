//! The installation port: what an OAuth install ("Add to Slack") left
//! behind for a team, so the host can renew its token and show who
//! installed what. Tokens are sealed at rest by durable implementations,
//! like the registry's.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use async_trait::async_trait;

use super::StorageError;
use crate::ids::TeamId;
use crate::secret::Secret;

/// One workspace's installation of one app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installation {
    pub team: TeamId,
    /// The configured app (`[[apps]] id`) it was installed through.
    pub app: String,
    pub team_name: Option<String>,
    /// Enterprise Grid organisation, when there is one.
    pub enterprise: Option<String>,
    pub bot_user: Option<String>,
    /// Granted bot scopes, comma-separated as Slack sends them.
    pub scopes: String,
    /// Who clicked "Allow".
    pub installer: Option<String>,
    pub installed_at: SystemTime,
    pub bot_token: Secret,
    /// With token rotation: the refresh token and when the bot token
    /// expires.
    pub refresh: Option<Refresh>,
}

/// A rotating token's renewal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refresh {
    pub token: Secret,
    pub expires_at: SystemTime,
}

/// Where installations are kept.
#[async_trait]
pub trait InstallStore: Send + Sync + 'static {
    /// Adds the installation or replaces it (by team).
    async fn save(&self, install: &Installation) -> Result<(), StorageError>;
    async fn forget(&self, team: &TeamId) -> Result<(), StorageError>;
    async fn get(&self, team: &TeamId) -> Result<Option<Installation>, StorageError>;
    /// Every installation, sorted by team.
    async fn load(&self) -> Result<Vec<Installation>, StorageError>;
}

/// Installations in memory, for hosts that keep nothing across restarts.
#[derive(Debug, Default)]
pub struct MemoryInstalls(Mutex<BTreeMap<TeamId, Installation>>);

impl MemoryInstalls {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<TeamId, Installation>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl InstallStore for MemoryInstalls {
    async fn save(&self, install: &Installation) -> Result<(), StorageError> {
        self.lock().insert(install.team.clone(), install.clone());
        Ok(())
    }
    async fn forget(&self, team: &TeamId) -> Result<(), StorageError> {
        self.lock().remove(team);
        Ok(())
    }
    async fn get(&self, team: &TeamId) -> Result<Option<Installation>, StorageError> {
        Ok(self.lock().get(team).cloned())
    }
    async fn load(&self) -> Result<Vec<Installation>, StorageError> {
        Ok(self.lock().values().cloned().collect())
    }
}

/// What every [`InstallStore`] must do (run against each backend).
#[cfg(test)]
pub(super) mod conformance {
    use std::time::{Duration, SystemTime};

    use super::{InstallStore, Installation, Refresh};
    use crate::ids::TeamId;
    use crate::secret::Secret;

    /// Millisecond precision: what the database keeps.
    pub(crate) fn at(ms: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
    }

    pub(crate) fn sample(team: &str, rotating: bool) -> Installation {
        Installation {
            team: TeamId::from(team),
            app: "A1".into(),
            team_name: Some(format!("Team {team}")),
            enterprise: rotating.then(|| "E1".to_owned()),
            bot_user: Some(format!("U{team}BOT")),
            scopes: "chat:write,app_mentions:read".into(),
            installer: Some("U1".into()),
            installed_at: at(1_700_000_000_123),
            bot_token: Secret::new(format!("xoxb-{team}")),
            refresh: rotating.then(|| Refresh {
                token: Secret::new(format!("xoxe-1-{team}")),
                expires_at: at(1_700_043_200_456),
            }),
        }
    }

    /// Saved installations read back whole, sorted; a save replaces; a
    /// forget removes only its team.
    pub(crate) async fn saves_replaces_and_forgets(store: &dyn InstallStore) {
        let (one, two) = (sample("T2", false), sample("T1", true));
        store.save(&one).await.expect("save");
        store.save(&two).await.expect("save");
        assert_eq!(
            store.load().await.expect("load"),
            [two.clone(), one.clone()]
        );
        let mut renewed = two.clone();
        renewed.bot_token = Secret::new("xoxe.xoxb-renewed");
        renewed.refresh = Some(Refresh {
            token: Secret::new("xoxe-2"),
            expires_at: at(1_700_050_000_000),
        });
        store.save(&renewed).await.expect("replace");
        assert_eq!(
            store.get(&TeamId::from("T1")).await.expect("get"),
            Some(renewed)
        );
        store.forget(&TeamId::from("T1")).await.expect("forget");
        assert_eq!(store.load().await.expect("load"), [one]);
        assert_eq!(store.get(&TeamId::from("T1")).await.expect("get"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_installs_pass_the_conformance_test() {
        conformance::saves_replaces_and_forgets(&MemoryInstalls::default()).await;
    }
}
