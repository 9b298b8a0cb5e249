//! [`TeamStore`] over the database: one row per team and per Socket Mode
//! app, tokens sealed (see [`seal`](super::seal)) with the row's id as
//! associated data.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use rusqlite::{Connection, Row, params};

use super::clock::to_unix_ms;
use super::seal::Sealer;
use super::writer::answer;
use super::{Shared, db_error};
use crate::bot_config::BotConfig;
use crate::ids::TeamId;
use crate::secret::Secret;
use crate::spec::{AppSpec, TeamSource, TeamSpec};
use crate::storage::{StorageError, StoredTeam, TeamStore};

/// The team registry port of a [`SqliteStore`](super::SqliteStore).
pub(super) struct SqliteTeams(pub(super) Arc<Shared>);

/// What a team's token is sealed with besides the key: its row.
fn team_aad(id: &str) -> Vec<u8> {
    [b"team/", id.as_bytes()].concat()
}

/// What an app's token is sealed with besides the key: its row.
fn app_aad(id: &str) -> Vec<u8> {
    [b"app/", id.as_bytes()].concat()
}

fn corrupt(what: &str, id: &str) -> StorageError {
    StorageError::Corrupt(format!("{what} of {id} cannot be read"))
}

impl SqliteTeams {
    /// Runs a statement with no answer on the writer.
    async fn write(
        &self,
        sql: &'static str,
        params: impl rusqlite::Params + Send + 'static,
    ) -> Result<(), StorageError> {
        self.0
            .writer
            .run(move |conn| {
                conn.prepare_cached(sql)
                    .and_then(|mut s| s.execute(params))
                    .map_err(db_error)?;
                Ok(answer(()))
            })
            .await
    }
}

#[async_trait]
impl TeamStore for SqliteTeams {
    async fn save(&self, spec: &TeamSpec) -> Result<(), StorageError> {
        let source = serde_json::to_string(&spec.source)
            .map_err(|e| StorageError::Unavailable(format!("team source: {e}")))?;
        let config = serde_json::to_string(&spec.config)
            .map_err(|e| StorageError::Unavailable(format!("team config: {e}")))?;
        let (spec, sealer) = (spec.clone(), self.0.sealer.clone());
        self.0
            .writer
            .run(move |conn| {
                let id = spec.id.as_str();
                let token = sealer.seal(&team_aad(id), spec.token.expose().as_bytes())?;
                conn.prepare_cached(
                    "INSERT INTO teams (id, source, bot, app, config, token, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (id) DO UPDATE SET
                         source = excluded.source, bot = excluded.bot, app = excluded.app,
                         config = excluded.config, token = excluded.token,
                         updated_at = excluded.updated_at",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        id,
                        source,
                        spec.bot.as_os_str().as_bytes(),
                        spec.app,
                        config,
                        token,
                        to_unix_ms(SystemTime::now()),
                    ])
                })
                .map_err(db_error)?;
                Ok(answer(()))
            })
            .await
    }

    async fn set_status(&self, team: &TeamId, status: &str) -> Result<(), StorageError> {
        self.write(
            "UPDATE teams SET status = ?2, updated_at = ?3 WHERE id = ?1",
            (
                team.as_str().to_owned(),
                status.to_owned(),
                to_unix_ms(SystemTime::now()),
            ),
        )
        .await
    }

    async fn forget(&self, team: &TeamId) -> Result<(), StorageError> {
        self.write(
            "DELETE FROM teams WHERE id = ?1",
            (team.as_str().to_owned(),),
        )
        .await
    }

    async fn load(&self) -> Result<Vec<StoredTeam>, StorageError> {
        let sealer = self.0.sealer.clone();
        self.0
            .writer
            .run(move |conn| Ok(answer(load_teams(conn, &sealer)?)))
            .await
    }

    async fn save_app(&self, app: &AppSpec) -> Result<(), StorageError> {
        let (app, sealer) = (app.clone(), self.0.sealer.clone());
        self.0
            .writer
            .run(move |conn| {
                let token = sealer.seal(&app_aad(&app.id), app.token.expose().as_bytes())?;
                conn.prepare_cached(
                    "INSERT INTO apps (id, token, updated_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (id) DO UPDATE SET
                         token = excluded.token, updated_at = excluded.updated_at",
                )
                .and_then(|mut s| s.execute(params![app.id, token, to_unix_ms(SystemTime::now())]))
                .map_err(db_error)?;
                Ok(answer(()))
            })
            .await
    }

    async fn forget_app(&self, id: &str) -> Result<(), StorageError> {
        self.write("DELETE FROM apps WHERE id = ?1", (id.to_owned(),))
            .await
    }

    async fn load_apps(&self) -> Result<Vec<AppSpec>, StorageError> {
        let sealer = self.0.sealer.clone();
        self.0
            .writer
            .run(move |conn| {
                let rows: Vec<(String, Vec<u8>)> = conn
                    .prepare_cached("SELECT id, token FROM apps ORDER BY id")
                    .and_then(|mut s| {
                        s.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                            .collect()
                    })
                    .map_err(db_error)?;
                let apps = rows
                    .into_iter()
                    .map(|(id, sealed)| {
                        let token = open_token(&sealer, &app_aad(&id), &sealed)
                            .ok_or_else(|| corrupt("the token", &format!("app {id}")))?;
                        Ok(AppSpec { id, token })
                    })
                    .collect::<Result<_, StorageError>>()?;
                Ok(answer(apps))
            })
            .await
    }
}

/// A team row as stored, before its columns are decoded.
struct TeamRow {
    id: String,
    source: String,
    bot: Vec<u8>,
    app: Option<String>,
    config: String,
    token: Vec<u8>,
    status: Option<String>,
}

impl TeamRow {
    fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            source: row.get(1)?,
            bot: row.get(2)?,
            app: row.get(3)?,
            config: row.get(4)?,
            token: row.get(5)?,
            status: row.get(6)?,
        })
    }

    fn decode(self, sealer: &Sealer) -> Result<StoredTeam, StorageError> {
        let what = format!("team {}", self.id);
        let source: TeamSource =
            serde_json::from_str(&self.source).map_err(|_| corrupt("the source", &what))?;
        let config: BotConfig =
            serde_json::from_str(&self.config).map_err(|_| corrupt("the config", &what))?;
        let token = open_token(sealer, &team_aad(&self.id), &self.token)
            .ok_or_else(|| corrupt("the token", &what))?;
        Ok(StoredTeam {
            spec: TeamSpec {
                id: TeamId::from(self.id),
                bot: PathBuf::from(OsStr::from_bytes(&self.bot)),
                token,
                app: self.app,
                config,
                source,
            },
            status: self.status,
        })
    }
}

fn load_teams(conn: &Connection, sealer: &Sealer) -> Result<Vec<StoredTeam>, StorageError> {
    let rows: Vec<TeamRow> = conn
        .prepare_cached("SELECT id, source, bot, app, config, token, status FROM teams ORDER BY id")
        .and_then(|mut s| s.query_map([], TeamRow::read)?.collect())
        .map_err(db_error)?;
    rows.into_iter().map(|row| row.decode(sealer)).collect()
}

/// A sealed token back as a secret, if it opens and is text.
fn open_token(sealer: &Sealer, aad: &[u8], sealed: &[u8]) -> Option<Secret> {
    let plain = sealer.open(aad, sealed)?;
    std::str::from_utf8(&plain).ok().map(Secret::new)
}
