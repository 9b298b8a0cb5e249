//! In-memory [`KvStore`]: the default until the embedded database lands, and
//! the store for local runs and tests.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;

use super::{KvStore, StorageError, StorageQuota};
use crate::ids::TeamId;

#[derive(Debug, Default)]
struct TeamSpace {
    entries: BTreeMap<String, Vec<u8>>,
    bytes: u64,
}

/// Keeps every team's entries in a map behind a mutex. The lock is held only
/// for map operations, never across an await.
#[derive(Debug, Default)]
pub struct MemoryStore {
    quota: StorageQuota,
    teams: Mutex<HashMap<TeamId, TeamSpace>>,
}

impl MemoryStore {
    /// A store applying `quota` to every team.
    pub fn new(quota: StorageQuota) -> Self {
        Self {
            quota,
            teams: Mutex::default(),
        }
    }

    fn with_teams<R>(&self, f: impl FnOnce(&mut HashMap<TeamId, TeamSpace>) -> R) -> R {
        // A poisoned lock only means another thread panicked mid-operation;
        // the map itself is still consistent for our simple operations.
        let mut guard = self
            .teams
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }
}

#[async_trait]
impl KvStore for MemoryStore {
    async fn get(&self, team: &TeamId, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        self.quota.check_key(key)?;
        Ok(self.with_teams(|t| t.get(team).and_then(|s| s.entries.get(key).cloned())))
    }

    async fn set(&self, team: &TeamId, key: &str, value: Vec<u8>) -> Result<(), StorageError> {
        self.quota.check_key(key)?;
        let limit = self.quota.max_bytes;
        self.with_teams(|t| {
            let space = t.entry(team.clone()).or_default();
            let old = space
                .entries
                .get(key)
                .map_or(0, |v| (key.len() + v.len()) as u64);
            let new = (key.len() + value.len()) as u64;
            let total = space.bytes - old + new;
            if total > limit {
                return Err(StorageError::QuotaExceeded { limit });
            }
            space.bytes = total;
            space.entries.insert(key.to_owned(), value);
            Ok(())
        })
    }

    async fn delete(&self, team: &TeamId, key: &str) -> Result<bool, StorageError> {
        self.quota.check_key(key)?;
        Ok(self.with_teams(|t| {
            let Some(space) = t.get_mut(team) else {
                return false;
            };
            match space.entries.remove(key) {
                Some(v) => {
                    space.bytes -= (key.len() + v.len()) as u64;
                    true
                }
                None => false,
            }
        }))
    }

    async fn list_keys(&self, team: &TeamId, prefix: &str) -> Result<Vec<String>, StorageError> {
        Ok(self.with_teams(|t| {
            t.get(team).map_or_else(Vec::new, |s| {
                s.entries
                    .range(prefix.to_owned()..)
                    .take_while(|(k, _)| k.starts_with(prefix))
                    .map(|(k, _)| k.clone())
                    .collect()
            })
        }))
    }

    async fn purge_team(&self, team: &TeamId) -> Result<(), StorageError> {
        self.with_teams(|t| t.remove(team));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn quota_counts_keys_and_values_and_frees_on_delete() {
        let store = MemoryStore::new(StorageQuota {
            max_bytes: 10,
            max_key_bytes: 4,
        });
        let team = TeamId::from("T1");
        store.set(&team, "a", vec![0; 9]).await.expect("fits");
        assert_eq!(
            store.set(&team, "b", vec![0; 1]).await,
            Err(StorageError::QuotaExceeded { limit: 10 })
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
        store.purge_team(&a).await.expect("purge");
        assert!(store.list_keys(&a, "").await.expect("list").is_empty());
    }
}
