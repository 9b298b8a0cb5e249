//! The host's state: bots' key-value data, the team registry and bots'
//! timers, behind three ports ([`KvStore`], [`TeamStore`], [`TimerStore`])
//! that a host is built with as one [`Storage`], plus the OAuth
//! installations ([`InstallStore`]).
//!
//! The ports are async because the durable implementation (SQLite, in
//! [`sqlite`]) does its I/O on a thread of its own, never on the async
//! threads. Quotas are enforced here, not in the guest-facing capability,
//! so every backend applies the same rules.

#[cfg(test)]
mod conformance;
mod error;
pub(crate) mod installs;
mod key;
mod kv;
mod memory;
pub mod sqlite;
mod teams;
mod timers;

use std::path::Path;
use std::sync::Arc;

pub use error::{StorageError, StorageOpenError};
pub use installs::{InstallStore, Installation, MemoryInstalls, Refresh};
pub use key::StorageKey;
pub use kv::{ENTRY_OVERHEAD, KeyPage, KvStore, MAX_LIST_KEYS, StorageQuota, Usage};
pub use memory::MemoryStore;
pub use sqlite::{SqliteStore, WriterStats};
pub use teams::{NoTeamStore, StoredTeam, TeamStore};
pub use timers::{NoTimerStore, StoredTimer, TimerStore};

/// The three ports together: what a host is built with.
#[derive(Clone)]
pub struct Storage {
    pub kv: Arc<dyn KvStore>,
    pub teams: Arc<dyn TeamStore>,
    pub timers: Arc<dyn TimerStore>,
    pub installs: Arc<dyn InstallStore>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage").finish_non_exhaustive()
    }
}

impl Storage {
    /// Nothing survives the process: a [`MemoryStore`] for kv, and team
    /// and timer stores that keep nothing (their `load` returns nothing),
    /// installations in memory.
    /// For tests and `bothost local`.
    pub fn memory(quota: StorageQuota) -> Self {
        Self {
            kv: Arc::new(MemoryStore::new(quota)),
            teams: Arc::new(NoTeamStore),
            timers: Arc::new(NoTimerStore),
            installs: Arc::new(MemoryInstalls::default()),
        }
    }

    /// Finishes queued writes and closes the database, without a blocking
    /// join later when the last handle drops (see [`KvStore::close`]).
    pub async fn close(&self) {
        self.kv.close().await;
    }

    /// Opens (creating if needed, parent directories too) the SQLite
    /// database at `path`, or an in-memory one for `":memory:"`. Blocks
    /// while it opens: call it before serving.
    ///
    /// # Errors
    /// See [`StorageOpenError`]; notably [`StorageOpenError::WrongKey`]
    /// when `key` is not the key the database was created with.
    pub fn open(
        path: &Path,
        key: StorageKey,
        quota: StorageQuota,
    ) -> Result<Self, StorageOpenError> {
        Ok(SqliteStore::open(path, key, quota)?.storage())
    }
}
