//! The key-value port: bots' state, namespaced by team, and the quota every
//! backend applies the same way.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::time::SystemTime;

use async_trait::async_trait;

use super::StorageError;
use crate::ids::TeamId;
use crate::limits::BotLimits;

/// What one entry costs beyond its key and value bytes, in the quota: the
/// host's own bookkeeping for it (the map node, the two allocations).
/// Without it a bot filling its quota with one-byte keys and empty values
/// would cost the host many times the quota.
pub const ENTRY_OVERHEAD: u64 = 64;

/// Most keys one `list-keys` or `list-keys-page` call returns: `list-keys`
/// (no cursor) gives the first this many, in order;
/// [`KvStore::list_keys_page`] pages through the rest.
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
    /// Most keys per team: bounds the rows (and cache entries) a team
    /// costs whatever the overhead is set to.
    pub max_keys: u64,
    /// Largest value, in bytes: one write never holds up the writer (and
    /// every other team's writes) for long.
    pub max_value_bytes: usize,
}

impl Default for StorageQuota {
    fn default() -> Self {
        Self {
            max_bytes: 1024 * 1024,
            max_key_bytes: 256,
            entry_overhead: ENTRY_OVERHEAD,
            max_keys: 10_000,
            max_value_bytes: 256 * 1024,
        }
    }
}

impl From<&BotLimits> for StorageQuota {
    fn from(limits: &BotLimits) -> Self {
        Self {
            max_bytes: limits.storage_bytes,
            max_key_bytes: limits.storage_key_bytes,
            entry_overhead: ENTRY_OVERHEAD,
            max_keys: limits.storage_keys,
            max_value_bytes: limits.storage_value_bytes,
        }
    }
}

/// What a team has stored: its number of keys and their key and value
/// bytes, without the per-entry overhead (so changing the overhead in the
/// config never leaves stored figures wrong).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub keys: u64,
    pub bytes: u64,
}

impl Usage {
    /// The usage once the entry at `key`, of `old_len` value bytes, is gone.
    pub fn without(self, key: &str, old_len: usize) -> Self {
        Self {
            keys: self.keys.saturating_sub(1),
            bytes: self
                .bytes
                .saturating_sub((key.len() as u64).saturating_add(old_len as u64)),
        }
    }

    /// The usage with a new entry at `key` of `len` value bytes.
    fn with(self, key: &str, len: usize) -> Self {
        Self {
            keys: self.keys.saturating_add(1),
            bytes: self
                .bytes
                .saturating_add(key.len() as u64)
                .saturating_add(len as u64),
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

    /// What a team's `usage` counts in the quota.
    pub fn cost_of(&self, usage: Usage) -> u64 {
        usage
            .bytes
            .saturating_add(usage.keys.saturating_mul(self.entry_overhead))
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

    /// What can be refused without looking at the team's state: the key's
    /// rules, a value over the size limit or one entry over the whole quota.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`], [`StorageError::ValueTooLarge`] or
    /// [`StorageError::QuotaExceeded`].
    pub fn check_entry(&self, key: &str, value_len: usize) -> Result<(), StorageError> {
        self.check_key(key)?;
        if value_len > self.max_value_bytes {
            return Err(StorageError::ValueTooLarge {
                limit: self.max_value_bytes,
            });
        }
        if self.cost(key, value_len) > self.max_bytes {
            return Err(StorageError::QuotaExceeded {
                limit: self.max_bytes,
            });
        }
        Ok(())
    }

    /// The team's usage once `key` holds `value_len` bytes, given its
    /// current `usage` and the key's current value length (`None`: absent).
    ///
    /// # Errors
    /// The write would break a limit ([`check_entry`](Self::check_entry),
    /// [`StorageError::QuotaExceeded`], [`StorageError::TooManyKeys`]).
    pub fn after_set(
        &self,
        usage: Usage,
        key: &str,
        old_len: Option<usize>,
        value_len: usize,
    ) -> Result<Usage, StorageError> {
        self.check_entry(key, value_len)?;
        let base = match old_len {
            Some(old) => usage.without(key, old),
            None => usage,
        };
        let next = base.with(key, value_len);
        if old_len.is_none() && next.keys > self.max_keys {
            return Err(StorageError::TooManyKeys {
                limit: self.max_keys,
            });
        }
        if self.cost_of(next) > self.max_bytes {
            return Err(StorageError::QuotaExceeded {
                limit: self.max_bytes,
            });
        }
        Ok(next)
    }
}

/// Reads a stored counter: ASCII decimal (an optional sign, then digits);
/// an absent value counts as 0.
///
/// # Errors
/// [`StorageError::NotANumber`] for anything else.
pub fn parse_counter(value: Option<&[u8]>) -> Result<i64, StorageError> {
    let Some(value) = value else {
        return Ok(0);
    };
    std::str::from_utf8(value)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or(StorageError::NotANumber)
}

/// `value + delta` as it is stored.
///
/// # Errors
/// [`StorageError::NotANumber`] when the sum does not fit an `i64`.
pub fn add_counter(value: i64, delta: i64) -> Result<(i64, Vec<u8>), StorageError> {
    let sum = value.checked_add(delta).ok_or(StorageError::NotANumber)?;
    Ok((sum, sum.to_string().into_bytes()))
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

impl KeyPage {
    /// The page of `entries` that [`KvStore::list_keys_page`] describes,
    /// for backends that hold a team's entries in a sorted map.
    pub fn of<V>(
        entries: &BTreeMap<String, V>,
        quota: &StorageQuota,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Self {
        // No key is longer than the quota allows, so neither is a prefix
        // that can match one.
        if prefix.len() > quota.max_key_bytes {
            return Self::default();
        }
        let limit = limit.clamp(1, MAX_LIST_KEYS);
        let start = match after {
            Some(after) if after >= prefix => Bound::Excluded(after),
            _ => Bound::Included(prefix),
        };
        let mut matching = entries
            .range::<str, _>((start, Bound::Unbounded))
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(prefix));
        let keys: Vec<String> = matching.by_ref().take(limit).cloned().collect();
        let more = matching.next().is_some();
        Self {
            next: if more { keys.last().cloned() } else { None },
            keys,
        }
    }
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
    /// with the cursor of the next page: what the contract's
    /// `list-keys-page` returns.
    async fn list_keys_page(
        &self,
        team: &TeamId,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<KeyPage, StorageError>;
    /// Drops everything the team stored (on purge after removal).
    async fn purge_team(&self, team: &TeamId) -> Result<(), StorageError>;
    /// Adds `delta` to the integer stored at `key` (ASCII decimal, e.g.
    /// `b"42"`; absent counts as 0), stores and returns the sum. Atomic:
    /// two bots' increments never lose one.
    ///
    /// # Errors
    /// [`StorageError::NotANumber`] when the value is not a decimal integer
    /// or the sum would overflow; the quota errors of [`set`](Self::set).
    async fn increment(&self, team: &TeamId, key: &str, delta: i64) -> Result<i64, StorageError>;
    /// Sets `key` to `new` (`None` deletes it) only if its current value is
    /// `expected` (`None` = absent). Returns whether it did.
    async fn compare_and_swap(
        &self,
        team: &TeamId,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<Vec<u8>>,
    ) -> Result<bool, StorageError>;
    /// The team was removed: keep its state (kv and timers) until `until`,
    /// then [`purge_expired`](Self::purge_expired) drops it. Retiring
    /// again moves the date.
    async fn retire(&self, team: &TeamId, until: SystemTime) -> Result<(), StorageError>;
    /// The team is served again: its state is no longer due for purging.
    async fn revive(&self, team: &TeamId) -> Result<(), StorageError>;
    /// Purges every team retired with `until <= now` (kv and timers);
    /// returns how many teams.
    async fn purge_expired(&self, now: SystemTime) -> Result<usize, StorageError>;
    /// Finishes what is queued and closes the store (for the embedded
    /// database: every port over it, which share one writer); calls after
    /// it answer [`StorageError::Unavailable`]. Nothing to do in memory.
    async fn close(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_are_strict_decimal() {
        assert_eq!(parse_counter(None), Ok(0));
        assert_eq!(parse_counter(Some(b"42")), Ok(42));
        assert_eq!(parse_counter(Some(b"-7")), Ok(-7));
        for bad in [&b""[..], b"4 2", b"x", b"1.5", b" 1", &[0xff]] {
            assert_eq!(parse_counter(Some(bad)), Err(StorageError::NotANumber));
        }
        assert_eq!(add_counter(i64::MAX, 1), Err(StorageError::NotANumber));
        assert_eq!(add_counter(40, 2), Ok((42, b"42".to_vec())));
    }

    #[test]
    fn after_set_counts_keys_bytes_and_overwrites() {
        let quota = StorageQuota {
            max_bytes: 100,
            max_key_bytes: 8,
            entry_overhead: 10,
            max_keys: 2,
            max_value_bytes: 80,
        };
        let one = quota
            .after_set(Usage::default(), "a", None, 9)
            .expect("fits");
        assert_eq!(one, Usage { keys: 1, bytes: 10 });
        // Overwriting replaces the old bytes and adds no key.
        assert_eq!(
            quota.after_set(one, "a", Some(9), 4),
            Ok(Usage { keys: 1, bytes: 5 })
        );
        let two = quota.after_set(one, "b", None, 0).expect("fits");
        assert_eq!(
            quota.after_set(two, "c", None, 0),
            Err(StorageError::TooManyKeys { limit: 2 })
        );
        assert_eq!(
            quota.after_set(two, "b", Some(0), 81),
            Err(StorageError::ValueTooLarge { limit: 80 })
        );
        // 10 + 71 bytes and 2 × 10 of overhead: 101.
        assert_eq!(
            quota.after_set(two, "b", Some(0), 70),
            Err(StorageError::QuotaExceeded { limit: 100 })
        );
    }
}
