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
use crate::limits::BotLimits;

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

/// What one entry costs beyond its key and value bytes, in the quota: the
/// host's own bookkeeping for it (the map node, the two allocations).
/// Without it a bot filling its quota with one-byte keys and empty values
/// would cost the host many times the quota.
pub const ENTRY_OVERHEAD: u64 = 64;

/// Most keys one `list-keys` call returns (the bot contract's call has no
/// cursor yet: a bot with more keys under a prefix sees the first this
/// many, in order). [`KvStore::list_keys_page`] pages through the rest.
pub const MAX_LIST_KEYS: usize = 1_000;

/// Per-team storage limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageQuota {
    /// Keys plus values plus [`entry_overhead`](Self::entry_overhead) per
    /// entry, in bytes, per team.
    pub max_bytes: u64,
    /// Longest key, in bytes.
    pub max_key_bytes: usize,
    /// What each entry costs besides its key and value bytes.
    pub entry_overhead: u64,
}

impl Default for StorageQuota {
    fn default() -> Self {
        Self {
            max_bytes: 1024 * 1024,
            max_key_bytes: 256,
            entry_overhead: ENTRY_OVERHEAD,
        }
    }
}

impl From<&BotLimits> for StorageQuota {
    fn from(limits: &BotLimits) -> Self {
        Self {
            max_bytes: limits.storage_bytes,
            max_key_bytes: limits.storage_key_bytes,
            entry_overhead: ENTRY_OVERHEAD,
        }
    }
}

impl StorageQuota {
    /// What an entry of `key` and `value_len` bytes counts in the quota.
    pub fn cost(&self, key: &str, value_len: usize) -> u64 {
        (key.len() as u64)
            .saturating_add(value_len as u64)
            .saturating_add(self.entry_overhead)
    }

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

/// One page of keys (see [`KvStore::list_keys_page`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPage {
    /// Keys in lexicographic order.
    pub keys: Vec<String>,
    /// Where the next page starts (pass it as `after`); `None` on the
    /// last page.
    pub next: Option<String>,
}

/// A team-namespaced key-value store.
#[async_trait]
pub trait KvStore: Send + Sync + 'static {
    async fn get(&self, team: &TeamId, key: &str) -> Result<Option<Vec<u8>>, StorageError>;
    async fn set(&self, team: &TeamId, key: &str, value: Vec<u8>) -> Result<(), StorageError>;
    /// Returns whether the key existed.
    async fn delete(&self, team: &TeamId, key: &str) -> Result<bool, StorageError>;
    /// Keys with `prefix`, sorted: the first [`MAX_LIST_KEYS`] of them
    /// (what the bot contract's `list-keys` returns).
    async fn list_keys(&self, team: &TeamId, prefix: &str) -> Result<Vec<String>, StorageError> {
        Ok(self
            .list_keys_page(team, prefix, None, MAX_LIST_KEYS)
            .await?
            .keys)
    }
    /// Keys with `prefix` that sort after `after` (from the first when
    /// `None`), at most `limit` of them (clamped to 1..=[`MAX_LIST_KEYS`]),
    /// with the cursor of the next page. For the paged `list-keys` of a
    /// future contract version.
    async fn list_keys_page(
        &self,
        team: &TeamId,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<KeyPage, StorageError>;
    /// Drops everything the team stored (on purge after removal).
    async fn purge_team(&self, team: &TeamId) -> Result<(), StorageError>;
}
