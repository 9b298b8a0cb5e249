//! Per-bot limits: what a single team's bot may consume. They keep a hostile
//! or buggy bot from hurting the host or any other team.

use std::time::Duration;

use serde::Deserialize;

use crate::storage::StorageQuota;

/// Limits applied to every bot instance. Deserialised from the `[limits]`
/// section of the config file; every field has a safe default.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BotLimits {
    /// Linear memory per instance, in bytes (all memories of a component).
    pub memory_bytes: u64,
    /// Guest CPU time per call (event, timer, init…), in milliseconds,
    /// measured in epoch ticks while guest code runs.
    pub cpu_ms_per_call: u64,
    /// Wall-clock time per call, host calls included, in milliseconds.
    pub wall_ms_per_call: u64,
    /// Time `shutdown` gets before the instance is dropped anyway.
    pub shutdown_ms: u64,
    /// Table elements per table.
    pub table_elements: usize,
    /// Timers a bot may hold at once.
    pub max_timers: usize,
    /// Posts (messages, replies, updates) per minute; bursts up to
    /// `post_burst` are allowed.
    pub posts_per_minute: u32,
    pub post_burst: u32,
    /// Key-value storage, keys and values together, in bytes.
    pub storage_bytes: u64,
    /// Longest key-value key, in bytes.
    pub storage_key_bytes: usize,
    /// Largest component file accepted, in bytes. Compilation of hostile
    /// input is not covered by wasmtime's security promise, so bound it.
    pub component_bytes: u64,
    /// Events queued for one team before new ones are refused.
    pub mailbox: usize,
}

impl Default for BotLimits {
    fn default() -> Self {
        Self {
            memory_bytes: 64 * 1024 * 1024,
            cpu_ms_per_call: 500,
            wall_ms_per_call: 10_000,
            shutdown_ms: 2_000,
            table_elements: 20_000,
            max_timers: 32,
            posts_per_minute: 60,
            post_burst: 10,
            storage_bytes: 1024 * 1024,
            storage_key_bytes: 256,
            component_bytes: 64 * 1024 * 1024,
            mailbox: 256,
        }
    }
}

impl BotLimits {
    /// Wall-clock budget of one call.
    pub fn wall_per_call(&self) -> Duration {
        Duration::from_millis(self.wall_ms_per_call)
    }

    /// Grace period of `shutdown`.
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_millis(self.shutdown_ms)
    }

    /// The storage quota these limits imply.
    pub fn storage_quota(&self) -> StorageQuota {
        StorageQuota {
            max_bytes: self.storage_bytes,
            max_key_bytes: self.storage_key_bytes,
        }
    }
}
