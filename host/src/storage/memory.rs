//! In-memory [`KvStore`]: the default until the embedded database lands, and
//! the store for local runs and tests.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use async_trait::async_trait;

use super::{KeyPage, KvStore, MAX_LIST_KEYS, StorageError, StorageQuota};
use crate::ids::TeamId;

#[derive(Debug, Default)]
struct TeamSpace {
    entries: BTreeMap<String, Vec<u8>>,
    /// What the entries cost in the quota (see [`StorageQuota::cost`]).
    bytes: u64,
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
}

impl MemoryStore {
    /// A store applying `quota` to every team.
    pub fn new(quota: StorageQuota) -> Self {
        Self {
            quota,
            teams: RwLock::default(),
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
}

#[async_trait]
impl KvStore for MemoryStore {
    async fn get(&self, team: &TeamId, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        self.quota.check_key(key)?;
        Ok(self.read(team, |space| space.entries.get(key).cloned()))
    }

    async fn set(&self, team: &TeamId, key: &str, value: Vec<u8>) -> Result<(), StorageError> {
        self.quota.check_key(key)?;
        let limit = self.quota.max_bytes;
        let new = self.quota.cost(key, value.len());
        // Refused before touching the map: a value over the whole quota
        // creates no shard.
        if new > limit {
            return Err(StorageError::QuotaExceeded { limit });
        }
        let shard = self.shard_or_new(team);
        let mut space = shard.lock().unwrap_or_else(PoisonError::into_inner);
        let old = space
            .entries
            .get(key)
            .map_or(0, |v| self.quota.cost(key, v.len()));
        let total = space.bytes - old + new;
        if total > limit {
            return Err(StorageError::QuotaExceeded { limit });
        }
        space.bytes = total;
        space.entries.insert(key.to_owned(), value);
        Ok(())
    }

    async fn delete(&self, team: &TeamId, key: &str) -> Result<bool, StorageError> {
        self.quota.check_key(key)?;
        let Some(shard) = self.shard(team) else {
            return Ok(false);
        };
        let mut space = shard.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(match space.entries.remove(key) {
            Some(v) => {
                space.bytes -= self.quota.cost(key, v.len());
                true
            }
            None => false,
        })
    }

    async fn list_keys_page(
        &self,
        team: &TeamId,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<KeyPage, StorageError> {
        // No key is longer than the quota allows, so neither is a prefix
        // that can match one.
        if prefix.len() > self.quota.max_key_bytes {
            return Ok(KeyPage::default());
        }
        let limit = limit.clamp(1, MAX_LIST_KEYS);
        Ok(self.read(team, |space| {
            let start = match after {
                Some(after) if after >= prefix => Bound::Excluded(after),
                _ => Bound::Included(prefix),
            };
            let mut matching = space
                .entries
                .range::<str, _>((start, Bound::Unbounded))
                .map(|(k, _)| k)
                .take_while(|k| k.starts_with(prefix));
            let keys: Vec<String> = matching.by_ref().take(limit).cloned().collect();
            let more = matching.next().is_some();
            KeyPage {
                next: if more { keys.last().cloned() } else { None },
                keys,
            }
        }))
    }

    async fn purge_team(&self, team: &TeamId) -> Result<(), StorageError> {
        self.teams
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(team);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::ENTRY_OVERHEAD;

    fn quota(max_bytes: u64, entry_overhead: u64) -> StorageQuota {
        StorageQuota {
            max_bytes,
            max_key_bytes: 4,
            entry_overhead,
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
            store.set(&team, "k", vec![0; 1 << 20]).await,
            Err(StorageError::QuotaExceeded { limit: 100 })
        );
        assert!(store.shard(&team).is_none(), "no shard for a refused set");
    }

    #[tokio::test]
    async fn teams_are_isolated_and_prefix_listing_is_sorted() {
        let store = MemoryStore::default();
        let (a, b) = (TeamId::from("TA"), TeamId::from("TB"));
        for k in ["n/2", "n/1", "m/1"] {
            store.set(&a, k, b"x".to_vec()).await.expect("set");
        }
        assert_eq!(
            store.list_keys(&a, "n/").await.expect("list"),
            ["n/1", "n/2"]
        );
        assert_eq!(store.get(&b, "n/1").await.expect("get"), None);
        assert!(store.list_keys(&b, "").await.expect("list").is_empty());
        store.purge_team(&a).await.expect("purge");
        assert!(store.list_keys(&a, "").await.expect("list").is_empty());
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
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = store
                .list_keys_page(&team, "p/", after.as_deref(), 10)
                .await
                .expect("page");
            pages += 1;
            assert!(page.keys.len() <= 10);
            seen.extend(page.keys);
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
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
}
