//! The team registry port: which teams (and Socket Mode apps) the host
//! serves, so a restart serves them again without being told.

use async_trait::async_trait;

use super::StorageError;
use crate::ids::TeamId;
use crate::spec::{AppSpec, TeamSpec};

/// A team as the registry keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTeam {
    pub spec: TeamSpec,
    /// Last status text the host recorded.
    pub status: Option<String>,
}

/// Where the host keeps the teams it serves. Tokens are stored encrypted
/// by durable implementations.
#[async_trait]
pub trait TeamStore: Send + Sync + 'static {
    /// Adds the team or replaces it (by `spec.id`); its status is kept.
    async fn save(&self, spec: &TeamSpec) -> Result<(), StorageError>;
    /// Records the team's status; nothing happens for an unknown team.
    async fn set_status(&self, team: &TeamId, status: &str) -> Result<(), StorageError>;
    async fn forget(&self, team: &TeamId) -> Result<(), StorageError>;
    /// Every team, sorted by id.
    async fn load(&self) -> Result<Vec<StoredTeam>, StorageError>;
    /// Adds the Socket Mode app or replaces it (by `app.id`).
    async fn save_app(&self, app: &AppSpec) -> Result<(), StorageError>;
    async fn forget_app(&self, id: &str) -> Result<(), StorageError>;
    /// Every app, sorted by id.
    async fn load_apps(&self) -> Result<Vec<AppSpec>, StorageError>;
}

/// Keeps nothing: for hosts whose teams come from elsewhere on every start
/// (tests, `bothost local`).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoTeamStore;

#[async_trait]
impl TeamStore for NoTeamStore {
    async fn save(&self, _: &TeamSpec) -> Result<(), StorageError> {
        Ok(())
    }
    async fn set_status(&self, _: &TeamId, _: &str) -> Result<(), StorageError> {
        Ok(())
    }
    async fn forget(&self, _: &TeamId) -> Result<(), StorageError> {
        Ok(())
    }
    async fn load(&self) -> Result<Vec<StoredTeam>, StorageError> {
        Ok(Vec::new())
    }
    async fn save_app(&self, _: &AppSpec) -> Result<(), StorageError> {
        Ok(())
    }
    async fn forget_app(&self, _: &str) -> Result<(), StorageError> {
        Ok(())
    }
    async fn load_apps(&self) -> Result<Vec<AppSpec>, StorageError> {
        Ok(Vec::new())
    }
}
