//! [`TimerStore`] over the database: one row per team and timer name, the
//! due time in wall-clock milliseconds so it means the same after a
//! restart.

use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::params;

use super::clock::{duration_ms, from_duration_ms, from_unix_ms, to_unix_ms};
use super::writer::answer;
use super::{Shared, db_error};
use crate::ids::TeamId;
use crate::storage::{StorageError, StoredTimer, TimerStore};

/// The timer port of a [`SqliteStore`](super::SqliteStore).
pub(super) struct SqliteTimers(pub(super) Arc<Shared>);

#[async_trait]
impl TimerStore for SqliteTimers {
    async fn save(&self, team: &TeamId, timer: &StoredTimer) -> Result<(), StorageError> {
        let team = team.clone();
        let name = timer.name.clone();
        let every = timer.every.map(duration_ms);
        let due = to_unix_ms(timer.due);
        self.0
            .writer
            .run(move |conn| {
                conn.prepare_cached(
                    "INSERT INTO timers (team, name, every_ms, due_unix_ms) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (team, name) DO UPDATE SET
                         every_ms = excluded.every_ms, due_unix_ms = excluded.due_unix_ms",
                )
                .and_then(|mut s| s.execute(params![team.as_str(), name, every, due]))
                .map_err(db_error)?;
                Ok(answer(()))
            })
            .await
    }

    async fn delete(&self, team: &TeamId, name: &str) -> Result<(), StorageError> {
        let (team, name) = (team.clone(), name.to_owned());
        self.0
            .writer
            .run(move |conn| {
                conn.prepare_cached("DELETE FROM timers WHERE team = ?1 AND name = ?2")
                    .and_then(|mut s| s.execute(params![team.as_str(), name]))
                    .map_err(db_error)?;
                Ok(answer(()))
            })
            .await
    }

    async fn load(&self, team: &TeamId) -> Result<Vec<StoredTimer>, StorageError> {
        let team = team.clone();
        self.0
            .writer
            .run(move |conn| {
                let rows: Vec<(String, Option<i64>, i64)> = conn
                    .prepare_cached(
                        "SELECT name, every_ms, due_unix_ms FROM timers
                         WHERE team = ?1 ORDER BY name",
                    )
                    .and_then(|mut s| {
                        s.query_map(params![team.as_str()], |row| {
                            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                        })?
                        .collect()
                    })
                    .map_err(db_error)?;
                let timers = rows
                    .into_iter()
                    .map(|(name, every, due)| {
                        Ok(StoredTimer {
                            name,
                            every: every.map(from_duration_ms).transpose()?,
                            due: from_unix_ms(due)?,
                        })
                    })
                    .collect::<Result<_, StorageError>>()?;
                Ok(answer(timers))
            })
            .await
    }
}
