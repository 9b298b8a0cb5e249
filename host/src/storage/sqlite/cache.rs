//! The key-value read cache: each team's entries in memory from its first
//! access on, so `get` and `list_keys` are map lookups that never wait for
//! the writer. Only the writer thread changes it, after the transaction
//! that wrote the change committed, in the order the jobs ran; readers see
//! a write no earlier than its caller is told it is done.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};

use crate::ids::TeamId;

pub(super) type Entries = BTreeMap<String, Vec<u8>>;

/// One team's cached entries, behind the team's own lock: a long listing of
/// one team never holds up another team's reads.
#[derive(Debug, Default)]
pub(super) struct TeamEntries(RwLock<Entries>);

impl TeamEntries {
    pub(super) fn read(&self) -> RwLockReadGuard<'_, Entries> {
        // A poisoned lock only means a thread panicked while holding it;
        // every edit leaves the map consistent.
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn edit(&self, f: impl FnOnce(&mut Entries)) {
        f(&mut self.0.write().unwrap_or_else(PoisonError::into_inner));
    }
}

#[derive(Debug, Default)]
pub(super) struct KvCache {
    teams: RwLock<HashMap<TeamId, Arc<TeamEntries>>>,
}

impl KvCache {
    /// The team's entries, if they are cached.
    pub(super) fn team(&self, team: &TeamId) -> Option<Arc<TeamEntries>> {
        self.teams
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(team)
            .cloned()
    }

    /// Caches `entries` as the team's (read in a transaction that has just
    /// committed), unless the team was cached meanwhile: the cached
    /// entries have every later write applied already.
    pub(super) fn fill(&self, team: &TeamId, entries: Entries) -> Arc<TeamEntries> {
        self.teams
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(team.clone())
            .or_insert_with(|| Arc::new(TeamEntries(RwLock::new(entries))))
            .clone()
    }

    /// A committed write of `key`; a team not cached will read it from the
    /// database when first accessed.
    pub(super) fn set(&self, team: &TeamId, key: String, value: Vec<u8>) {
        if let Some(entries) = self.team(team) {
            entries.edit(|map| {
                map.insert(key, value);
            });
        }
    }

    /// A committed delete of `key`.
    pub(super) fn remove(&self, team: &TeamId, key: &str) {
        if let Some(entries) = self.team(team) {
            entries.edit(|map| {
                map.remove(key);
            });
        }
    }

    /// Forgets the team's entries (purged, or retired and not worth the
    /// memory until it is served again).
    pub(super) fn drop_team(&self, team: &TeamId) {
        self.teams
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(team);
    }
}
