//! The timer port: bots' timers, so a restart re-arms them at the wall-clock
//! time they were due.

use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use super::StorageError;
use crate::ids::TeamId;

/// A timer as it is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTimer {
    pub name: String,
    /// `None` = fires once.
    pub every: Option<Duration>,
    /// Wall-clock next due time.
    pub due: SystemTime,
}

/// Where the host keeps each team's timers.
#[async_trait]
pub trait TimerStore: Send + Sync + 'static {
    /// Adds the timer or replaces it (by team and name).
    async fn save(&self, team: &TeamId, timer: &StoredTimer) -> Result<(), StorageError>;
    async fn delete(&self, team: &TeamId, name: &str) -> Result<(), StorageError>;
    /// The team's timers, sorted by name.
    async fn load(&self, team: &TeamId) -> Result<Vec<StoredTimer>, StorageError>;
}

/// Keeps nothing: timers live only as long as the process (tests,
/// `bothost local`).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoTimerStore;

#[async_trait]
impl TimerStore for NoTimerStore {
    async fn save(&self, _: &TeamId, _: &StoredTimer) -> Result<(), StorageError> {
        Ok(())
    }
    async fn delete(&self, _: &TeamId, _: &str) -> Result<(), StorageError> {
        Ok(())
    }
    async fn load(&self, _: &TeamId) -> Result<Vec<StoredTimer>, StorageError> {
        Ok(Vec::new())
    }
}
