//! In-memory [`KvStore`]: the store for local runs and tests, where nothing
//! needs to outlive the process.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::SystemTime;

use async_trait::async_trait;

use super::kv::{add_counter, parse_counter};
use super::{KeyPage, KvStore, StorageError, StorageQuota, Usage};
use crate::ids::TeamId;

#[derive(Debug, Default)]
struct TeamSpace {
    entries: BTreeMap<String, Vec<u8>>,
    usage: Usage,
}

impl TeamSpace {
    /// Stores `value` at `key` if the quota allows it.
    fn set(&mut self, quota: &StorageQuota, key: &str, value: Vec<u8>) -> Result<(), StorageError> {
        let old = self.entries.get(key).map(Vec::len);
        self.usage = quota.after_set(self.usage, key, old, value.len())?;
        self.entries.insert(key.to_owned(), value);
        Ok(())
    }

    /// Removes `key`; returns whether it was there.
    fn delete(&mut self, key: &str) -> bool {
        match self.entries.remove(key) {
            Some(old) => {
                self.usage = self.usage.without(key, old.len());
                true
            }
            None => false,
        }
    }
}

/// One team's entries behind the team's own lock.
type Shard = Arc<Mutex<TeamSpace>>;

/// Keeps each team's entries in a map of its own (a shard) behind the
/// team's own mutex; the map of shards is behind a read-write lock taken
/// only to find or create a shard. One team's scan therefore never holds
/// up another team. No lock is held across an await.
#[derive(Debug, Default)]
pub struct MemoryStore {
    quota: StorageQuota,
    teams: RwLock<HashMap<TeamId, Shard>>,
    /// Removed teams and when their state is due for purging.
    retired: Mutex<HashMap<TeamId, SystemTime>>,
}

impl MemoryStore {
    /// A store applying `quota` to every team.
    pub fn new(quota: StorageQuota) -> Self {
        Self {
            quota,
            ..Self::default()
        }
    }

    /// The team's shard, if it has stored anything.
    fn shard(&self, team: &TeamId) -> Option<Shard> {
        self.teams
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(team)
            .cloned()
    }

    /// The team's shard, created on first use.
    fn shard_or_new(&self, team: &TeamId) -> Shard {
        if let Some(shard) = self.shard(team) {
            return shard;
        }
        self.teams
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(team.clone())
            .or_default()
            .clone()
    }

    /// Runs `f` on the team's entries (empty when it stored nothing).
    fn read<R>(&self, team: &TeamId, f: impl FnOnce(&TeamSpace) -> R) -> R {
        match self.shard(team) {
            // A poisoned lock only means another thread panicked
            // mid-operation; every operation leaves the space consistent.
            Some(shard) => f(&shard.lock().unwrap_or_else(PoisonError::into_inner)),
            None => f(&TeamSpace::default()),
        }
    }

    /// Runs `f` on the team's entries, creating its shard.
    fn write<R>(&self, team: &TeamId, f: impl FnOnce(&mut TeamSpace) -> R) -> R {
        let shard = self.shard_or_new(team);
        let mut space = shard.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut space)
    }

    fn retired(&self) -> std::sync::MutexGuard<'_, HashMap<TeamId, SystemTime>> {
        self.retired.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl KvStore for MemoryStore {
    async fn get(&self, team: &TeamId, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        self.quota.check_key(key)?;
        Ok(self.read(team, |space| space.entries.get(key).cloned()))
    }

    async fn set(&self, team: &TeamId, key: &str, value: Vec<u8>) -> Result<(), StorageError> {
        // Refused before touching the map: a value over the whole quota
        // creates no shard.
        self.quota.check_entry(key, value.len())?;
        self.write(team, |space| space.set(&self.quota, key, value))
    }

    async fn delete(&self, team: &TeamId, key: &str) -> Result<bool, StorageError> {
        self.quota.check_key(key)?;
        let Some(shard) = self.shard(team) else {
            return Ok(false);
        };
        let mut space = shard.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(space.delete(key))
    }

    async fn list_keys_page(
        &self,
        team: &TeamId,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<KeyPage, StorageError> {
        Ok(self.read(team, |space| {
            KeyPage::of(&space.entries, &self.quota, prefix, after, limit)
        }))
    }

    async fn purge_team(&self, team: &TeamId) -> Result<(), StorageError> {
        self.teams
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(team);
        self.retired().remove(team);
        Ok(())
    }

    async fn increment(&self, team: &TeamId, key: &str, delta: i64) -> Result<i64, StorageError> {
        self.quota.check_key(key)?;
        self.write(team, |space| {
            let current = parse_counter(space.entries.get(key).map(Vec::as_slice))?;
            let (sum, text) = add_counter(current, delta)?;
            space.set(&self.quota, key, text)?;
            Ok(sum)
        })
    }

    async fn compare_and_swap(
        &self,
        team: &TeamId,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<Vec<u8>>,
    ) -> Result<bool, StorageError> {
        match &new {
            Some(value) => self.quota.check_entry(key, value.len())?,
            None => self.quota.check_key(key)?,
        }
        self.write(team, |space| {
            if space.entries.get(key).map(Vec::as_slice) != expected {
                return Ok(false);
            }
            match new {
                Some(value) => space.set(&self.quota, key, value)?,
                None => {
                    space.delete(key);
                }
            }
            Ok(true)
        })
    }

    async fn retire(&self, team: &TeamId, until: SystemTime) -> Result<(), StorageError> {
        self.retired().insert(team.clone(), until);
        Ok(())
    }

    async fn revive(&self, team: &TeamId) -> Result<(), StorageError> {
        self.retired().remove(team);
        Ok(())
    }

    async fn purge_expired(&self, now: SystemTime) -> Result<usize, StorageError> {
        let due: Vec<TeamId> = {
            let mut retired = self.retired();
            let due: Vec<TeamId> = retired
                .iter()
                .filter(|(_, until)| **until <= now)
                .map(|(team, _)| team.clone())
                .collect();
            for team in &due {
                retired.remove(team);
            }
            due
        };
        let mut teams = self.teams.write().unwrap_or_else(PoisonError::into_inner);
        for team in &due {
            teams.remove(team);
        }
        Ok(due.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{ENTRY_OVERHEAD, MAX_LIST_KEYS, conformance};

    fn quota(max_bytes: u64, entry_overhead: u64) -> StorageQuota {
        StorageQuota {
            max_bytes,
            max_key_bytes: 4,
            entry_overhead,
            ..StorageQuota::default()
        }
    }

    #[tokio::test]
    async fn quota_counts_keys_values_and_overhead_and_frees_on_delete() {
        let store = MemoryStore::new(quota(20, 10));
        let team = TeamId::from("T1");
        // 1 + 9 + 10 = 20: exactly the quota.
        store.set(&team, "a", vec![0; 9]).await.expect("fits");
        assert_eq!(
            store.set(&team, "b", vec![]).await,
            Err(StorageError::QuotaExceeded { limit: 20 }),
            "even an empty value costs its overhead"
        );
        // Overwriting the same key reuses its bytes.
        store
            .set(&team, "a", vec![1; 9])
            .await
            .expect("overwrite fits");
        assert!(store.delete(&team, "a").await.expect("delete"));
        store
            .set(&team, "b", vec![0; 9])
            .await
            .expect("fits after delete");
        assert_eq!(
            store.set(&team, "toolong", vec![]).await,
            Err(StorageError::InvalidKey("too long"))
        );
    }

    #[tokio::test]
    async fn tiny_keys_cannot_fill_the_host_past_the_quota() {
        let store = MemoryStore::new(StorageQuota {
            max_bytes: 64 * 1024,
            max_key_bytes: 256,
            entry_overhead: ENTRY_OVERHEAD,
            ..StorageQuota::default()
        });
        let team = TeamId::from("T1");
        let mut stored = 0_u64;
        for n in 0_u32.. {
            if store.set(&team, &format!("{n:x}"), vec![]).await.is_err() {
                break;
            }
            stored += 1;
        }
        // Each entry costs at least the overhead: at most quota / 64
        // entries (about 1,000 for 64 KiB, not 64,000).
        assert!(stored <= 64 * 1024 / ENTRY_OVERHEAD, "{stored} entries");
        assert!(stored > 500, "{stored} entries");
    }

    #[tokio::test]
    async fn a_value_over_the_quota_is_refused_without_a_trace() {
        let store = MemoryStore::new(quota(100, 64));
        let team = TeamId::from("T1");
        assert_eq!(
            store.set(&team, "k", vec![0; 1 << 10]).await,
            Err(StorageError::QuotaExceeded { limit: 100 })
        );
        assert_eq!(
            store.set(&team, "k", vec![0; 1 << 20]).await,
            Err(StorageError::ValueTooLarge { limit: 256 * 1024 })
        );
        assert!(store.shard(&team).is_none(), "no shard for a refused set");
    }

    #[tokio::test]
    async fn teams_are_isolated_and_prefix_listing_is_sorted() {
        conformance::teams_are_isolated(&MemoryStore::default()).await;
    }

    #[tokio::test]
    async fn list_keys_returns_at_most_the_documented_number() {
        let store = MemoryStore::default();
        let team = TeamId::from("T1");
        for n in 0..(MAX_LIST_KEYS + 500) {
            store
                .set(&team, &format!("k{n:05}"), vec![])
                .await
                .expect("set");
        }
        let keys = store.list_keys(&team, "k").await.expect("list");
        assert_eq!(keys.len(), MAX_LIST_KEYS);
        assert_eq!(keys[0], "k00000");
        assert_eq!(
            keys[MAX_LIST_KEYS - 1],
            format!("k{:05}", MAX_LIST_KEYS - 1)
        );
    }

    #[tokio::test]
    async fn pages_cover_every_key_once_in_order() {
        let store = MemoryStore::default();
        let team = TeamId::from("T1");
        for n in 0..25 {
            store
                .set(&team, &format!("p/{n:02}"), vec![])
                .await
                .expect("set");
        }
        store.set(&team, "o", vec![]).await.expect("set");
        store.set(&team, "q", vec![]).await.expect("set");
        let (seen, pages) = conformance::all_pages(&store, &team, "p/", 10).await;
        let want: Vec<String> = (0..25).map(|n| format!("p/{n:02}")).collect();
        assert_eq!(seen, want);
        assert_eq!(pages, 3);
        // A limit of 0 still makes progress; a cursor before the prefix
        // starts at the prefix.
        let page = store
            .list_keys_page(&team, "p/", Some("a"), 0)
            .await
            .expect("page");
        assert_eq!(page.keys, ["p/00"]);
        assert_eq!(page.next.as_deref(), Some("p/00"));
        // A prefix longer than any key can be matches nothing.
        let long = "p".repeat(1000);
        assert_eq!(
            store.list_keys_page(&team, &long, None, 10).await,
            Ok(KeyPage::default())
        );
    }

    #[tokio::test]
    async fn one_teams_lock_does_not_block_another_team() {
        let store = Arc::new(MemoryStore::default());
        let (a, b) = (TeamId::from("TA"), TeamId::from("TB"));
        store.set(&a, "k", vec![1]).await.expect("set");
        store.set(&b, "k", vec![2]).await.expect("set");
        // Hold team A's own lock, as a long scan would.
        let shard = store.shard(&a).expect("shard");
        let held = shard.lock().expect("lock");
        let other = store.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("runtime");
            let got = rt.block_on(async {
                other.set(&b, "k2", vec![3]).await.expect("set");
                other.get(&b, "k").await.expect("get")
            });
            let _ = tx.send(got);
        });
        let got = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("team B served while team A's lock is held");
        assert_eq!(got, Some(vec![2]));
        drop(held);
    }

    #[tokio::test]
    async fn increment_counts_in_decimal() {
        conformance::increment_counts_in_decimal(&MemoryStore::default()).await;
    }

    #[tokio::test]
    async fn compare_and_swap_sets_only_over_the_expected_value() {
        conformance::compare_and_swap_sets_only_over_the_expected_value(&MemoryStore::default())
            .await;
    }

    #[tokio::test]
    async fn retired_teams_are_purged_when_due() {
        conformance::retired_teams_are_purged_when_due(&MemoryStore::default()).await;
    }
}
