//! [`KvStore`] over the database: reads from the cache, writes (and the
//! quota checks that guard them) in the writer's transaction, with each
//! team's usage kept in a row updated by the same transaction as its data.

use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::cache::{Entries, TeamEntries};
use super::clock::to_unix_ms;
use super::writer::answer;
use super::{Shared, db_error};
use crate::ids::TeamId;
use crate::storage::kv::{add_counter, parse_counter};
use crate::storage::{KeyPage, KvStore, StorageError, StorageQuota, Usage};

/// The key-value port of a [`SqliteStore`](super::SqliteStore).
pub(super) struct SqliteKv(pub(super) Arc<Shared>);

impl SqliteKv {
    /// The team's cached entries, read from the database (by the writer,
    /// in order with the writes) on the team's first access.
    async fn entries(&self, team: &TeamId) -> Result<Arc<TeamEntries>, StorageError> {
        if let Some(entries) = self.0.cache.team(team) {
            return Ok(entries);
        }
        let (team, cache) = (team.clone(), self.0.cache.clone());
        self.0
            .writer
            .run(move |conn| {
                let entries = load(conn, &team)?;
                Ok(Box::new(move || cache.fill(&team, entries)))
            })
            .await
    }
}

#[async_trait]
impl KvStore for SqliteKv {
    async fn get(&self, team: &TeamId, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        self.0.quota.check_key(key)?;
        Ok(self.entries(team).await?.read().get(key).cloned())
    }

    async fn set(&self, team: &TeamId, key: &str, value: Vec<u8>) -> Result<(), StorageError> {
        let quota = self.0.quota;
        quota.check_entry(key, value.len())?;
        let (team, key, cache) = (team.clone(), key.to_owned(), self.0.cache.clone());
        self.0
            .writer
            .run(move |conn| {
                store(conn, &quota, &team, &key, &value)?;
                Ok(Box::new(move || cache.set(&team, key, value)))
            })
            .await
    }

    async fn delete(&self, team: &TeamId, key: &str) -> Result<bool, StorageError> {
        self.0.quota.check_key(key)?;
        let (team, key, cache) = (team.clone(), key.to_owned(), self.0.cache.clone());
        self.0
            .writer
            .run(move |conn| {
                let existed = erase(conn, &team, &key)?;
                Ok(Box::new(move || {
                    cache.remove(&team, &key);
                    existed
                }))
            })
            .await
    }

    async fn list_keys_page(
        &self,
        team: &TeamId,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<KeyPage, StorageError> {
        let quota = self.0.quota;
        if prefix.len() > quota.max_key_bytes {
            // Matches nothing; not worth loading the team for.
            return Ok(KeyPage::default());
        }
        let entries = self.entries(team).await?;
        let entries = entries.read();
        Ok(KeyPage::of(&entries, &quota, prefix, after, limit))
    }

    async fn purge_team(&self, team: &TeamId) -> Result<(), StorageError> {
        let (team, cache) = (team.clone(), self.0.cache.clone());
        self.0
            .writer
            .run(move |conn| {
                purge(conn, &team)?;
                Ok(Box::new(move || cache.drop_team(&team)))
            })
            .await
    }

    async fn increment(&self, team: &TeamId, key: &str, delta: i64) -> Result<i64, StorageError> {
        let quota = self.0.quota;
        quota.check_key(key)?;
        let (team, key, cache) = (team.clone(), key.to_owned(), self.0.cache.clone());
        self.0
            .writer
            .run(move |conn| {
                let current = parse_counter(value(conn, &team, &key)?.as_deref())?;
                let (sum, text) = add_counter(current, delta)?;
                store(conn, &quota, &team, &key, &text)?;
                Ok(Box::new(move || {
                    cache.set(&team, key, text);
                    sum
                }))
            })
            .await
    }

    async fn compare_and_swap(
        &self,
        team: &TeamId,
        key: &str,
        expected: Option<&[u8]>,
        new: Option<Vec<u8>>,
    ) -> Result<bool, StorageError> {
        let quota = self.0.quota;
        match &new {
            Some(value) => quota.check_entry(key, value.len())?,
            None => quota.check_key(key)?,
        }
        let (team, key, cache) = (team.clone(), key.to_owned(), self.0.cache.clone());
        let expected = expected.map(<[u8]>::to_vec);
        self.0
            .writer
            .run(move |conn| {
                if value(conn, &team, &key)? != expected {
                    return Ok(answer(false));
                }
                match new {
                    Some(value) => {
                        store(conn, &quota, &team, &key, &value)?;
                        Ok(Box::new(move || {
                            cache.set(&team, key, value);
                            true
                        }))
                    }
                    None => {
                        erase(conn, &team, &key)?;
                        Ok(Box::new(move || {
                            cache.remove(&team, &key);
                            true
                        }))
                    }
                }
            })
            .await
    }

    async fn retire(&self, team: &TeamId, until: SystemTime) -> Result<(), StorageError> {
        let (team, cache) = (team.clone(), self.0.cache.clone());
        let until = to_unix_ms(until);
        self.0
            .writer
            .run(move |conn| {
                conn.prepare_cached(
                    "INSERT INTO retired (team, until_unix_ms) VALUES (?1, ?2)
                     ON CONFLICT (team) DO UPDATE SET until_unix_ms = excluded.until_unix_ms",
                )
                .and_then(|mut s| s.execute(params![team.as_str(), until]))
                .map_err(db_error)?;
                // A removed team's entries are not worth the memory; they
                // are read again if it comes back.
                Ok(Box::new(move || cache.drop_team(&team)))
            })
            .await
    }

    async fn revive(&self, team: &TeamId) -> Result<(), StorageError> {
        let team = team.clone();
        self.0
            .writer
            .run(move |conn| {
                conn.prepare_cached("DELETE FROM retired WHERE team = ?1")
                    .and_then(|mut s| s.execute(params![team.as_str()]))
                    .map_err(db_error)?;
                Ok(answer(()))
            })
            .await
    }

    async fn close(&self) {
        self.0.writer.close().await;
    }

    async fn purge_expired(&self, now: SystemTime) -> Result<usize, StorageError> {
        let cache = self.0.cache.clone();
        let now = to_unix_ms(now);
        self.0
            .writer
            .run(move |conn| {
                let due: Vec<TeamId> = conn
                    .prepare_cached("SELECT team FROM retired WHERE until_unix_ms <= ?1")
                    .and_then(|mut s| {
                        s.query_map(params![now], |row| {
                            row.get::<_, String>(0).map(TeamId::from)
                        })?
                        .collect()
                    })
                    .map_err(db_error)?;
                for team in &due {
                    purge(conn, team)?;
                }
                Ok(Box::new(move || {
                    for team in &due {
                        cache.drop_team(team);
                    }
                    due.len()
                }))
            })
            .await
    }
}

/// Every entry of the team.
fn load(conn: &Connection, team: &TeamId) -> Result<Entries, StorageError> {
    conn.prepare_cached("SELECT key, value FROM kv WHERE team = ?1")
        .and_then(|mut s| {
            s.query_map(params![team.as_str()], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect()
        })
        .map_err(db_error)
}

/// The value at `key`.
fn value(conn: &Connection, team: &TeamId, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
    conn.prepare_cached("SELECT value FROM kv WHERE team = ?1 AND key = ?2")
        .and_then(|mut s| {
            s.query_row(params![team.as_str(), key], |row| row.get(0))
                .optional()
        })
        .map_err(db_error)
}

/// The length of the value at `key`, without reading it.
fn value_len(conn: &Connection, team: &TeamId, key: &str) -> Result<Option<usize>, StorageError> {
    let len: Option<i64> = conn
        .prepare_cached("SELECT length(value) FROM kv WHERE team = ?1 AND key = ?2")
        .and_then(|mut s| {
            s.query_row(params![team.as_str(), key], |row| row.get(0))
                .optional()
        })
        .map_err(db_error)?;
    len.map(|len| {
        usize::try_from(len).map_err(|_| StorageError::Corrupt(format!("value length {len}")))
    })
    .transpose()
}

fn usage(conn: &Connection, team: &TeamId) -> Result<Usage, StorageError> {
    let row: Option<(i64, i64)> = conn
        .prepare_cached("SELECT keys, bytes FROM usage WHERE team = ?1")
        .and_then(|mut s| {
            s.query_row(params![team.as_str()], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()
        })
        .map_err(db_error)?;
    let Some((keys, bytes)) = row else {
        return Ok(Usage::default());
    };
    match (u64::try_from(keys), u64::try_from(bytes)) {
        (Ok(keys), Ok(bytes)) => Ok(Usage { keys, bytes }),
        _ => Err(StorageError::Corrupt(format!(
            "team {team} uses {keys} keys and {bytes} bytes"
        ))),
    }
}

fn set_usage(conn: &Connection, team: &TeamId, usage: Usage) -> Result<(), StorageError> {
    let as_sql = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let result = if usage.keys == 0 {
        conn.prepare_cached("DELETE FROM usage WHERE team = ?1")
            .and_then(|mut s| s.execute(params![team.as_str()]))
    } else {
        conn.prepare_cached(
            "INSERT INTO usage (team, keys, bytes) VALUES (?1, ?2, ?3)
             ON CONFLICT (team) DO UPDATE SET keys = excluded.keys, bytes = excluded.bytes",
        )
        .and_then(|mut s| {
            s.execute(params![
                team.as_str(),
                as_sql(usage.keys),
                as_sql(usage.bytes)
            ])
        })
    };
    result.map(drop).map_err(db_error)
}

/// Stores `value` at `key` if the quota allows it; refused, it writes
/// nothing.
fn store(
    conn: &Connection,
    quota: &StorageQuota,
    team: &TeamId,
    key: &str,
    value: &[u8],
) -> Result<(), StorageError> {
    let old = value_len(conn, team, key)?;
    let next = quota.after_set(usage(conn, team)?, key, old, value.len())?;
    conn.prepare_cached(
        "INSERT INTO kv (team, key, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (team, key) DO UPDATE SET value = excluded.value",
    )
    .and_then(|mut s| s.execute(params![team.as_str(), key, value]))
    .map_err(db_error)?;
    set_usage(conn, team, next)
}

/// Removes `key`; returns whether it was there.
fn erase(conn: &Connection, team: &TeamId, key: &str) -> Result<bool, StorageError> {
    let Some(old) = value_len(conn, team, key)? else {
        return Ok(false);
    };
    conn.prepare_cached("DELETE FROM kv WHERE team = ?1 AND key = ?2")
        .and_then(|mut s| s.execute(params![team.as_str(), key]))
        .map_err(db_error)?;
    set_usage(conn, team, usage(conn, team)?.without(key, old))?;
    Ok(true)
}

/// Drops the team's kv, usage and timers, and its retirement.
fn purge(conn: &Connection, team: &TeamId) -> Result<(), StorageError> {
    for sql in [
        "DELETE FROM kv WHERE team = ?1",
        "DELETE FROM usage WHERE team = ?1",
        "DELETE FROM timers WHERE team = ?1",
        "DELETE FROM retired WHERE team = ?1",
    ] {
        conn.prepare_cached(sql)
            .and_then(|mut s| s.execute(params![team.as_str()]))
            .map_err(db_error)?;
    }
    Ok(())
}
