//! Key-value state of bots, namespaced by team.
//!
//! The trait is async because durable implementations (the embedded
//! database to come) do their I/O off the async threads. Quotas are enforced
//! here, not in the guest-facing capability, so every backend applies the
//! same rules.

mod memory;

use async_trait::async_trait;
use thiserror::Error;

pub use memory::MemoryStore;

use crate::ids::TeamId;

/// Why a storage call failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StorageError {
    #[error("storage quota of {limit} bytes exceeded")]
    QuotaExceeded { limit: u64 },
    #[error("invalid key: {0}")]
    InvalidKey(&'static str),
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

/// Per-team storage limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageQuota {
    /// Keys plus values, in bytes, per team.
    pub max_bytes: u64,
    /// Longest key, in bytes.
    pub max_key_bytes: usize,
}

impl Default for StorageQuota {
    fn default() -> Self {
        Self {
            max_bytes: 1024 * 1024,
            max_key_bytes: 256,
        }
    }
}

impl StorageQuota {
    /// Checks a key against the quota's rules.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an empty or over-long key.
    pub fn check_key(&self, key: &str) -> Result<(), StorageError> {
        if key.is_empty() {
            return Err(StorageError::InvalidKey("empty"));
        }
        if key.len() > self.max_key_bytes {
            return Err(StorageError::InvalidKey("too long"));
        }
        Ok(())
    }
}

/// A team-namespaced key-value store.
#[async_trait]
pub trait KvStore: Send + Sync + 'static {
    async fn get(&self, team: &TeamId, key: &str) -> Result<Option<Vec<u8>>, StorageError>;
    async fn set(&self, team: &TeamId, key: &str, value: Vec<u8>) -> Result<(), StorageError>;
    /// Returns whether the key existed.
    async fn delete(&self, team: &TeamId, key: &str) -> Result<bool, StorageError>;
    /// Keys with `prefix`, sorted.
    async fn list_keys(&self, team: &TeamId, prefix: &str) -> Result<Vec<String>, StorageError>;
    /// Drops everything the team stored (on purge after removal).
    async fn purge_team(&self, team: &TeamId) -> Result<(), StorageError>;
}
