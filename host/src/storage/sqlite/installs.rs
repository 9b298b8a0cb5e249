//! [`InstallStore`] over the database: one row per team, the bot token and
//! the refresh token sealed (see [`seal`](super::seal)) with the row and
//! the token's role as associated data.

use std::time::SystemTime;

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::clock::{from_unix_ms, to_unix_ms};
use super::seal::Sealer;
use super::writer::answer;
use super::{Shared, db_error};
use crate::ids::TeamId;
use crate::secret::Secret;
use crate::storage::{InstallStore, Installation, Refresh, StorageError};

/// The installation port of a [`SqliteStore`](super::SqliteStore).
pub(super) struct SqliteInstalls(pub(super) std::sync::Arc<Shared>);

/// What a token is sealed with besides the key: its row and role, so a
/// refresh token copied into the bot token's column does not open there.
fn aad(team: &str, role: &str) -> Vec<u8> {
    format!("install/{team}/{role}").into_bytes()
}

const COLUMNS: &str = "team, app, team_name, enterprise, bot_user, scopes, installer, \
                       installed_at, bot_token, refresh_token, expires_at";

#[async_trait]
impl InstallStore for SqliteInstalls {
    async fn save(&self, install: &Installation) -> Result<(), StorageError> {
        let (install, sealer) = (install.clone(), self.0.sealer.clone());
        self.0
            .writer
            .run(move |conn| {
                let team = install.team.as_str();
                let bot = sealer.seal(&aad(team, "bot"), install.bot_token.expose().as_bytes())?;
                let refresh = match &install.refresh {
                    Some(r) => {
                        Some(sealer.seal(&aad(team, "refresh"), r.token.expose().as_bytes())?)
                    }
                    None => None,
                };
                let expires = install.refresh.as_ref().map(|r| to_unix_ms(r.expires_at));
                conn.prepare_cached(
                    "INSERT INTO installs (team, app, team_name, enterprise, bot_user, scopes,
                         installer, installed_at, bot_token, refresh_token, expires_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                     ON CONFLICT (team) DO UPDATE SET
                         app = excluded.app, team_name = excluded.team_name,
                         enterprise = excluded.enterprise, bot_user = excluded.bot_user,
                         scopes = excluded.scopes, installer = excluded.installer,
                         installed_at = excluded.installed_at, bot_token = excluded.bot_token,
                         refresh_token = excluded.refresh_token, expires_at = excluded.expires_at,
                         updated_at = excluded.updated_at",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        team,
                        install.app,
                        install.team_name,
                        install.enterprise,
                        install.bot_user,
                        install.scopes,
                        install.installer,
                        to_unix_ms(install.installed_at),
                        bot,
                        refresh,
                        expires,
                        to_unix_ms(SystemTime::now()),
                    ])
                })
                .map_err(db_error)?;
                Ok(answer(()))
            })
            .await
    }

    async fn forget(&self, team: &TeamId) -> Result<(), StorageError> {
        let team = team.as_str().to_owned();
        self.0
            .writer
            .run(move |conn| {
                conn.prepare_cached("DELETE FROM installs WHERE team = ?1")
                    .and_then(|mut s| s.execute([team]))
                    .map_err(db_error)?;
                Ok(answer(()))
            })
            .await
    }

    async fn get(&self, team: &TeamId) -> Result<Option<Installation>, StorageError> {
        let (team, sealer) = (team.as_str().to_owned(), self.0.sealer.clone());
        self.0
            .writer
            .run(move |conn| {
                let row = conn
                    .prepare_cached(&format!("SELECT {COLUMNS} FROM installs WHERE team = ?1"))
                    .and_then(|mut s| s.query_row([team], InstallRow::read).optional())
                    .map_err(db_error)?;
                Ok(answer(row.map(|r| r.decode(&sealer)).transpose()?))
            })
            .await
    }

    async fn load(&self) -> Result<Vec<Installation>, StorageError> {
        let sealer = self.0.sealer.clone();
        self.0
            .writer
            .run(move |conn| Ok(answer(load(conn, &sealer)?)))
            .await
    }
}

fn load(conn: &Connection, sealer: &Sealer) -> Result<Vec<Installation>, StorageError> {
    let rows: Vec<InstallRow> = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM installs ORDER BY team"))
        .and_then(|mut s| s.query_map([], InstallRow::read)?.collect())
        .map_err(db_error)?;
    rows.into_iter().map(|row| row.decode(sealer)).collect()
}

/// A row as stored, before its tokens are opened.
struct InstallRow {
    team: String,
    app: String,
    team_name: Option<String>,
    enterprise: Option<String>,
    bot_user: Option<String>,
    scopes: String,
    installer: Option<String>,
    installed_at: i64,
    bot_token: Vec<u8>,
    refresh_token: Option<Vec<u8>>,
    expires_at: Option<i64>,
}

impl InstallRow {
    fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            team: row.get(0)?,
            app: row.get(1)?,
            team_name: row.get(2)?,
            enterprise: row.get(3)?,
            bot_user: row.get(4)?,
            scopes: row.get(5)?,
            installer: row.get(6)?,
            installed_at: row.get(7)?,
            bot_token: row.get(8)?,
            refresh_token: row.get(9)?,
            expires_at: row.get(10)?,
        })
    }

    fn decode(self, sealer: &Sealer) -> Result<Installation, StorageError> {
        let corrupt =
            |what: &str| StorageError::Corrupt(format!("{what} of installation {}", self.team));
        let open = |role: &str, sealed: &[u8]| {
            sealer
                .open(&aad(&self.team, role), sealed)
                .and_then(|plain| std::str::from_utf8(&plain).ok().map(Secret::new))
        };
        let bot_token = open("bot", &self.bot_token).ok_or_else(|| corrupt("the bot token"))?;
        let refresh = match (&self.refresh_token, self.expires_at) {
            (Some(sealed), Some(expires)) => Some(Refresh {
                token: open("refresh", sealed).ok_or_else(|| corrupt("the refresh token"))?,
                expires_at: from_unix_ms(expires)?,
            }),
            _ => None,
        };
        Ok(Installation {
            team: TeamId::from(self.team),
            app: self.app,
            team_name: self.team_name,
            enterprise: self.enterprise,
            bot_user: self.bot_user,
            scopes: self.scopes,
            installer: self.installer,
            installed_at: from_unix_ms(self.installed_at)?,
            bot_token,
            refresh,
        })
    }
}
