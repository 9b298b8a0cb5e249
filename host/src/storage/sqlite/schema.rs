//! The database's tables, versioned with `PRAGMA user_version`: each entry
//! of [`MIGRATIONS`] takes the schema one version up, so a database written
//! by an older host is brought up to date on open, and one written by a
//! newer host is refused rather than misread.

use rusqlite::Connection;

/// Version `n` is reached by running `MIGRATIONS[n - 1]`. Append, never
/// edit: databases in the field are at every version already released.
const MIGRATIONS: &[&str] = &[
    // 1: kv with per-team usage, retired teams, the team registry and
    // apps (tokens sealed), timers, and the key check in `meta`.
    "CREATE TABLE meta (
         name  TEXT PRIMARY KEY,
         value BLOB NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE kv (
         team  TEXT NOT NULL,
         key   TEXT NOT NULL,
         value BLOB NOT NULL,
         PRIMARY KEY (team, key)
     ) WITHOUT ROWID;
     CREATE TABLE usage (
         team  TEXT PRIMARY KEY,
         keys  INTEGER NOT NULL,
         bytes INTEGER NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE retired (
         team          TEXT PRIMARY KEY,
         until_unix_ms INTEGER NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE teams (
         id         TEXT PRIMARY KEY,
         source     TEXT NOT NULL,
         bot        BLOB NOT NULL,
         app        TEXT,
         config     TEXT NOT NULL,
         token      BLOB NOT NULL,
         status     TEXT,
         updated_at INTEGER NOT NULL
     );
     CREATE TABLE apps (
         id         TEXT PRIMARY KEY,
         token      BLOB NOT NULL,
         updated_at INTEGER NOT NULL
     );
     CREATE TABLE timers (
         team        TEXT NOT NULL,
         name        TEXT NOT NULL,
         every_ms    INTEGER,
         due_unix_ms INTEGER NOT NULL,
         PRIMARY KEY (team, name)
     ) WITHOUT ROWID;",
    // 2: OAuth installations, one per team (tokens sealed, like the
    // registry's).
    "CREATE TABLE installs (
         team          TEXT PRIMARY KEY,
         app           TEXT NOT NULL,
         team_name     TEXT,
         enterprise    TEXT,
         bot_user      TEXT,
         scopes        TEXT NOT NULL,
         installer     TEXT,
         installed_at  INTEGER NOT NULL,
         bot_token     BLOB NOT NULL,
         refresh_token BLOB,
         expires_at    INTEGER,
         updated_at    INTEGER NOT NULL
     );",
];

/// The version this build writes.
pub(super) const VERSION: i64 = MIGRATIONS.len() as i64;

/// Why the schema could not be brought up to date.
#[derive(Debug)]
pub(super) enum MigrateError {
    /// Written by a newer host, at this version.
    Newer(i64),
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sql(e)
    }
}

/// The schema version of the database (0: new).
pub(super) fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Brings the schema to [`VERSION`], each step in a transaction of its own
/// (a crash between steps leaves a database at the last whole version).
/// Runs every time the database opens; a no-op when it is up to date.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), MigrateError> {
    let found = version(conn)?;
    if found > VERSION {
        return Err(MigrateError::Newer(found));
    }
    for (version, sql) in (1..)
        .zip(MIGRATIONS)
        .skip(usize::try_from(found).unwrap_or(0))
    {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_is_a_no_op_and_newer_schemas_are_refused() {
        let mut conn = Connection::open_in_memory().expect("open");
        migrate(&mut conn).expect("create");
        migrate(&mut conn).expect("again");
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .expect("version");
        assert_eq!(version, VERSION);
        conn.pragma_update(None, "user_version", VERSION + 1)
            .expect("bump");
        assert!(matches!(
            migrate(&mut conn),
            Err(MigrateError::Newer(v)) if v == VERSION + 1
        ));
    }
}
