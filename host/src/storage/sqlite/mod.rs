//! The durable backend: one SQLite database (compiled in) holding the team
//! registry, bots' key-value state and timers, written by one thread with
//! group commit (see [`writer`]), tokens sealed with the storage key.
//!
//! The connection is opened with:
//! - `journal_mode=WAL`: a commit appends to the log instead of rewriting
//!   pages, and readers never wait for the writer;
//! - `synchronous=FULL`: in WAL mode `NORMAL` does not flush the log on
//!   commit, so a power cut can lose transactions that were answered
//!   "done" (the database stays consistent, but a bot's `set` or a team's
//!   registration would be gone). `FULL` flushes on every commit; group
//!   commit keeps that to one flush for all the writes waiting at once;
//! - `locking_mode=EXCLUSIVE`: the key-value cache assumes this process is
//!   the only writer, so a second host on the same file fails to open it
//!   instead of both serving stale state;
//! - a `busy_timeout`, and foreign keys on (for tables that will use them);
//! - a page cache of up to 32 MiB and a checkpoint every 32 MiB of log
//!   (instead of SQLite's 2 MiB and 4 MiB): a thousand teams writing at
//!   once touch a page each per transaction, and a checkpoint copies each
//!   page once however often it was rewritten since the last one, so rarer
//!   checkpoints write far less (at the price of a larger log file).

mod cache;
mod clock;
mod installs;
mod kv;
mod schema;
mod seal;
mod teams;
#[cfg(test)]
mod tests;
mod timers;
mod writer;

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

pub use writer::WriterStats;

use self::cache::KvCache;
use self::seal::Sealer;
use self::writer::Writer;
use super::key::IN_MEMORY;
use super::{Storage, StorageError, StorageKey, StorageOpenError, StorageQuota};

/// How long a statement waits for a lock held elsewhere before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// What the key check seals: a database opened with another key fails to
/// open this, before anything is read or written.
const KEY_CHECK: &[u8] = b"bothost storage key check";
const KEY_CHECK_AAD: &[u8] = b"meta/key_check";

/// What the three ports share: the writer, the key-value read cache, the
/// sealer and the quota.
struct Shared {
    /// Declared first so it is dropped (joining the thread) before the
    /// rest.
    writer: Writer,
    cache: Arc<KvCache>,
    sealer: Arc<Sealer>,
    quota: StorageQuota,
}

/// An open database. Cheap to clone; the writer thread stops (after
/// finishing what is queued) when the last clone, and the last port made
/// by [`storage`](Self::storage), is dropped, or on [`close`](Self::close).
#[derive(Clone)]
pub struct SqliteStore {
    shared: Arc<Shared>,
    database: PathBuf,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("database", &self.database)
            .field("writer", &self.shared.writer)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed, parent directories too) the database at
    /// `path`, or an in-memory one for `":memory:"`, brings its schema up
    /// to date and checks `key` against it. A new database file is
    /// readable by its owner only. Blocks while it opens.
    ///
    /// # Errors
    /// See [`StorageOpenError`]; notably [`StorageOpenError::WrongKey`]
    /// when `key` is not the key the database was created with (nothing
    /// is changed then).
    pub fn open(
        path: &Path,
        key: StorageKey,
        quota: StorageQuota,
    ) -> Result<Self, StorageOpenError> {
        let database = path.to_path_buf();
        let sql = |e: rusqlite::Error| open_error(&database, &e);
        let mut conn = if path == Path::new(IN_MEMORY) {
            Connection::open_in_memory().map_err(sql)?
        } else {
            create_file(path)?;
            Connection::open(path).map_err(sql)?
        };
        // No waiting while opening: the only lock to wait for is another
        // host's, held for as long as that host runs.
        conn.busy_timeout(Duration::ZERO).map_err(sql)?;
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
            .map_err(sql)?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(sql)?;
        // An in-memory database has no log to write ahead to.
        if !mode.eq_ignore_ascii_case("wal") && path != Path::new(IN_MEMORY) {
            return Err(StorageOpenError::Database {
                database,
                message: format!("cannot use write-ahead logging (journal mode is {mode})"),
            });
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(sql)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(sql)?;
        // In KiB when negative; in pages (4 KiB) for the checkpoint.
        conn.pragma_update(None, "cache_size", -32_768)
            .map_err(sql)?;
        conn.pragma_update(None, "wal_autocheckpoint", 8_192)
            .map_err(sql)?;
        let sealer = Sealer::new(&key);
        drop(key);
        // The key is checked before any migration: another key must leave
        // the file exactly as it was.
        if schema::version(&conn).map_err(sql)? > 0 {
            verify_key(&conn, &sealer, &database)?;
        }
        schema::migrate(&mut conn).map_err(|e| match e {
            schema::MigrateError::Newer(found) => StorageOpenError::NewerSchema {
                database: database.clone(),
                found,
                supported: schema::VERSION,
            },
            schema::MigrateError::Sql(e) => open_error(&database, &e),
        })?;
        check_key(&mut conn, &sealer, &database)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sql)?;
        let writer = Writer::start(conn).map_err(StorageOpenError::Writer)?;
        Ok(Self {
            shared: Arc::new(Shared {
                writer,
                cache: Arc::default(),
                sealer: Arc::new(sealer),
                quota,
            }),
            database,
        })
    }

    /// The ports over this database.
    pub fn storage(&self) -> Storage {
        Storage {
            kv: Arc::new(kv::SqliteKv(self.shared.clone())),
            teams: Arc::new(teams::SqliteTeams(self.shared.clone())),
            timers: Arc::new(timers::SqliteTimers(self.shared.clone())),
            installs: Arc::new(installs::SqliteInstalls(self.shared.clone())),
        }
    }

    /// Jobs sent, transactions committed and the jobs they held, so far.
    pub fn stats(&self) -> WriterStats {
        self.shared.writer.stats()
    }

    /// See [`Writer::pause`].
    #[cfg(test)]
    fn pause(&self) -> std::sync::mpsc::Sender<()> {
        self.shared.writer.pause()
    }

    /// Finishes what is queued, closes the database and stops the writer
    /// thread; every port over it answers [`StorageError::Unavailable`]
    /// from then on. Dropping every handle does the same.
    pub async fn close(&self) {
        self.shared.writer.close().await;
    }
}

/// Creates the database file (and its directory) owner-only if it does not
/// exist: bots' state is nobody else's business. SQLite gives its log the
/// same permissions.
fn create_file(path: &Path) -> Result<(), StorageOpenError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| StorageOpenError::Directory {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map(drop)
        .map_err(|e| StorageOpenError::Database {
            database: path.to_path_buf(),
            message: e.to_string(),
        })
}

/// Whether `sealer`'s key is the one the database was created with (a
/// database without a key check has none yet).
fn verify_key(
    conn: &Connection,
    sealer: &Sealer,
    database: &Path,
) -> Result<bool, StorageOpenError> {
    let stored: Option<Vec<u8>> = conn
        .query_row(
            "SELECT value FROM meta WHERE name = 'key_check'",
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(|e| open_error(database, &e))?;
    let Some(sealed) = stored else {
        return Ok(false);
    };
    if sealer
        .open(KEY_CHECK_AAD, &sealed)
        .as_deref()
        .map(Vec::as_slice)
        != Some(KEY_CHECK)
    {
        return Err(StorageOpenError::WrongKey {
            database: database.to_path_buf(),
        });
    }
    Ok(true)
}

/// Checks `sealer`'s key against the one the database was created with,
/// writing the check on a new database, then records the time of opening:
/// that write takes the exclusive lock, so a second host fails to open the
/// database from here on.
fn check_key(
    conn: &mut Connection,
    sealer: &Sealer,
    database: &Path,
) -> Result<(), StorageOpenError> {
    let sql = |e: rusqlite::Error| open_error(database, &e);
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sql)?;
    if !verify_key(&tx, sealer, database)? {
        let sealed =
            sealer
                .seal(KEY_CHECK_AAD, KEY_CHECK)
                .map_err(|e| StorageOpenError::Database {
                    database: database.to_path_buf(),
                    message: e.to_string(),
                })?;
        tx.execute(
            "INSERT INTO meta (name, value) VALUES ('key_check', ?1)",
            params![sealed],
        )
        .map_err(sql)?;
    }
    tx.execute(
        "INSERT OR REPLACE INTO meta (name, value) VALUES ('opened_at', ?1)",
        params![clock::to_unix_ms(std::time::SystemTime::now())],
    )
    .map_err(sql)?;
    tx.commit().map_err(sql)
}

fn open_error(database: &Path, e: &rusqlite::Error) -> StorageOpenError {
    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) {
        return StorageOpenError::InUse {
            database: database.to_path_buf(),
        };
    }
    StorageOpenError::Database {
        database: database.to_path_buf(),
        message: e.to_string(),
    }
}

/// A failed statement as callers see it: a row that cannot be read back is
/// damage; anything else means the database cannot serve right now.
pub(super) fn db_error(e: rusqlite::Error) -> StorageError {
    match e {
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::IntegralValueOutOfRange(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::Utf8Error(..) => StorageError::Corrupt(e.to_string()),
        e => StorageError::Unavailable(e.to_string()),
    }
}
