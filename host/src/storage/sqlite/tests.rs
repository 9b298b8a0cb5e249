//! The SQLite backend end to end: what survives a reopen, what never lands
//! on disk in the clear, quotas, atomic updates, retirement and group
//! commit.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::SqliteStore;
use crate::bot_config::BotConfig;
use crate::ids::{ResourceId, TeamId};
use crate::secret::Secret;
use crate::spec::{AppSpec, TeamSource, TeamSpec};
use crate::storage::{
    Storage, StorageError, StorageKey, StorageOpenError, StorageQuota, StoredTimer, conformance,
};

const TOKEN: &str = "xoxb-1234-5678-SECRETSECRETSECRET";
const APP_TOKEN: &str = "xapp-1-A1-9999-APPSECRETAPPSECRET";

fn key() -> StorageKey {
    StorageKey::from_bytes([42; 32])
}

fn memory_db(quota: StorageQuota) -> SqliteStore {
    SqliteStore::open(Path::new(":memory:"), key(), quota).expect("open in memory")
}

fn team_spec(id: &str) -> TeamSpec {
    let mut config = BotConfig::new();
    config.insert("label".into(), "total".into());
    TeamSpec {
        id: TeamId::from(id),
        bot: PathBuf::from("/srv/bots/counter.wasm"),
        token: Secret::new(TOKEN),
        app: Some("A1".into()),
        config,
        source: TeamSource::Resourcer {
            resource: ResourceId::from("0123-abcd"),
        },
    }
}

/// A database path in a directory removed when the guard drops.
fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bothost.db");
    (dir, path)
}

/// A time the database keeps exactly (whole milliseconds).
fn at(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

#[tokio::test]
async fn teams_apps_kv_and_timers_survive_a_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state/bothost.db");
    let team = TeamId::from("T1");
    let timer = StoredTimer {
        name: "tick".into(),
        every: Some(Duration::from_secs(60)),
        due: at(1_700_000_000_123),
    };
    {
        let storage = Storage::open(&path, key(), StorageQuota::default()).expect("create");
        storage.teams.save(&team_spec("T1")).await.expect("save");
        storage.teams.save(&team_spec("T0")).await.expect("save");
        storage
            .teams
            .set_status(&team, "running")
            .await
            .expect("status");
        // Saving again keeps the status.
        storage.teams.save(&team_spec("T1")).await.expect("resave");
        storage.teams.save(&team_spec("T9")).await.expect("save");
        storage
            .teams
            .forget(&TeamId::from("T9"))
            .await
            .expect("forget");
        let app = AppSpec {
            id: "A1".into(),
            token: Secret::new(APP_TOKEN),
        };
        storage.teams.save_app(&app).await.expect("app");
        storage
            .kv
            .set(&team, "k", b"v".to_vec())
            .await
            .expect("set");
        storage.kv.increment(&team, "n", 41).await.expect("incr");
        storage.timers.save(&team, &timer).await.expect("timer");
        let once = StoredTimer {
            name: "once".into(),
            every: None,
            due: at(5),
        };
        storage.timers.save(&team, &once).await.expect("timer");
        storage.timers.delete(&team, "once").await.expect("delete");
    }
    let storage = Storage::open(&path, key(), StorageQuota::default()).expect("reopen");
    let teams = storage.teams.load().await.expect("load");
    let ids: Vec<&str> = teams.iter().map(|t| t.spec.id.as_str()).collect();
    assert_eq!(ids, ["T0", "T1"], "sorted, forgotten team gone");
    assert_eq!(teams[1].spec, team_spec("T1"));
    assert_eq!(teams[1].spec.token.expose(), TOKEN);
    assert_eq!(teams[1].status.as_deref(), Some("running"));
    assert_eq!(teams[0].status, None);
    let apps = storage.teams.load_apps().await.expect("apps");
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].token.expose(), APP_TOKEN);
    assert_eq!(storage.kv.get(&team, "k").await, Ok(Some(b"v".to_vec())));
    assert_eq!(storage.kv.increment(&team, "n", 1).await, Ok(42));
    assert_eq!(storage.timers.load(&team).await, Ok(vec![timer]));
    storage.teams.forget_app("A1").await.expect("forget app");
    assert_eq!(storage.teams.load_apps().await, Ok(vec![]));
}

/// Every byte SQLite wrote for the database, log included.
fn database_bytes(path: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).expect("database file");
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if let Ok(log) = std::fs::read(PathBuf::from(wal)) {
        bytes.extend(log);
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn tokens_never_reach_the_disk_in_the_clear() {
    let (_dir, path) = temp_db();
    let store = SqliteStore::open(&path, key(), StorageQuota::default()).expect("open");
    let storage = store.storage();
    storage.teams.save(&team_spec("T1")).await.expect("save");
    let app = AppSpec {
        id: "A1".into(),
        token: Secret::new(APP_TOKEN),
    };
    storage.teams.save_app(&app).await.expect("app");
    // While open (the rows are in the log) and once closed (checkpointed
    // into the database file).
    let open = database_bytes(&path);
    assert!(contains(&open, "counter.wasm"), "the test reads the rows");
    store.close().await;
    drop(storage);
    let closed = database_bytes(&path);
    for bytes in [open, closed] {
        assert!(!contains(&bytes, TOKEN));
        assert!(!contains(&bytes, APP_TOKEN));
        assert!(!contains(&bytes, "SECRETSECRET"));
    }
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&path).expect("database").permissions(),
    );
    assert_eq!(mode & 0o077, 0, "owner only: {mode:o}");
}

#[tokio::test]
async fn another_key_is_refused_and_changes_nothing() {
    let (_dir, path) = temp_db();
    {
        let storage = Storage::open(&path, key(), StorageQuota::default()).expect("create");
        storage.teams.save(&team_spec("T1")).await.expect("save");
    }
    let before = std::fs::read(&path).expect("read");
    let err = Storage::open(
        &path,
        StorageKey::from_bytes([7; 32]),
        StorageQuota::default(),
    )
    .expect_err("wrong key");
    assert!(
        matches!(&err, StorageOpenError::WrongKey { database } if database == &path),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with(&format!("the storage key does not open {}", path.display())),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).expect("read"), before);
    let storage = Storage::open(&path, key(), StorageQuota::default()).expect("right key");
    assert_eq!(storage.teams.load().await.expect("load").len(), 1);
}

#[tokio::test]
async fn the_key_file_is_created_owner_only_and_opens_the_database_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("new/dir/bothost.db");
    let no_env = |_: &str| None;
    {
        let key = StorageKey::load(None, &no_env, &path).expect("new key");
        let storage = Storage::open(&path, key, StorageQuota::default()).expect("create");
        storage.teams.save(&team_spec("T1")).await.expect("save");
    }
    let key_file = dir.path().join("new/dir/bothost.db.key");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&key_file)
            .expect("key file")
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    let key = StorageKey::load(None, &no_env, &path).expect("same key");
    let storage = Storage::open(&path, key, StorageQuota::default()).expect("reopen");
    assert_eq!(storage.teams.load().await.expect("load").len(), 1);
}

#[tokio::test]
async fn a_second_host_cannot_open_a_database_in_use() {
    let (_dir, path) = temp_db();
    let _first = SqliteStore::open(&path, key(), StorageQuota::default()).expect("open");
    let err = SqliteStore::open(&path, key(), StorageQuota::default()).expect_err("in use");
    assert!(matches!(err, StorageOpenError::InUse { .. }), "{err:?}");
}

#[tokio::test]
async fn refused_writes_write_nothing_and_the_rest_of_the_group_commits() {
    let quota = StorageQuota {
        max_bytes: 900,
        max_key_bytes: 16,
        entry_overhead: 10,
        max_keys: 3,
        max_value_bytes: 500,
    };
    let store = memory_db(quota);
    let kv = store.storage().kv;
    let team = TeamId::from("T1");
    kv.set(&team, "a", vec![1; 400]).await.expect("fits");
    kv.set(&team, "b", vec![2; 400]).await.expect("fits");
    // Bytes: 2 × 411 + 1 + 300 + 10 > 900.
    assert_eq!(
        kv.set(&team, "c", vec![3; 300]).await,
        Err(StorageError::QuotaExceeded { limit: 900 })
    );
    assert_eq!(
        kv.set(&team, "c", vec![3; 501]).await,
        Err(StorageError::ValueTooLarge { limit: 500 })
    );
    assert_eq!(
        kv.set(&team, "a", vec![1; 500]).await,
        Err(StorageError::QuotaExceeded { limit: 900 }),
        "an overwrite counts its new size: 822 - 401 + 501 > 900"
    );
    kv.set(&team, "c", vec![]).await.expect("third key");
    assert_eq!(
        kv.set(&team, "d", vec![]).await,
        Err(StorageError::TooManyKeys { limit: 3 })
    );
    assert_eq!(
        kv.compare_and_swap(&team, "d", None, Some(vec![])).await,
        Err(StorageError::TooManyKeys { limit: 3 })
    );
    assert_eq!(
        kv.set(&team, "", vec![]).await,
        Err(StorageError::InvalidKey("empty"))
    );
    // A refused write and an accepted one in one group: one commits.
    let pause = store.pause();
    let before = store.stats();
    let (refused, accepted, ()) = tokio::join!(
        kv.set(&team, "e", vec![]),
        kv.set(&team, "c", b"fine".to_vec()),
        async move { drop(pause) }
    );
    assert_eq!(refused, Err(StorageError::TooManyKeys { limit: 3 }));
    accepted.expect("the other write of the group");
    // The pause's own transaction, then one for both writes.
    assert_eq!(store.stats().groups - before.groups, 2);
    assert_eq!(
        kv.list_keys(&team, "").await.expect("list"),
        ["a", "b", "c"]
    );
    assert_eq!(kv.get(&team, "a").await, Ok(Some(vec![1; 400])));
    assert_eq!(kv.get(&team, "c").await, Ok(Some(b"fine".to_vec())));
    // Deleting frees room; the usage row follows every write.
    assert_eq!(kv.delete(&team, "b").await, Ok(true));
    assert_eq!(kv.delete(&team, "b").await, Ok(false));
    kv.set(&team, "d", vec![4; 400]).await.expect("fits again");
}

#[tokio::test]
async fn usage_is_read_back_from_the_database_after_a_reopen() {
    let (_dir, path) = temp_db();
    let quota = StorageQuota {
        max_keys: 2,
        ..StorageQuota::default()
    };
    let team = TeamId::from("T1");
    {
        let storage = Storage::open(&path, key(), quota).expect("create");
        storage.kv.set(&team, "a", vec![]).await.expect("set");
        storage.kv.set(&team, "b", vec![]).await.expect("set");
    }
    let storage = Storage::open(&path, key(), quota).expect("reopen");
    assert_eq!(
        storage.kv.set(&team, "c", vec![]).await,
        Err(StorageError::TooManyKeys { limit: 2 })
    );
}

#[tokio::test]
async fn increment_counts_in_decimal_and_is_atomic() {
    let store = memory_db(StorageQuota::default());
    let kv = store.storage().kv;
    conformance::increment_counts_in_decimal(kv.as_ref()).await;
    let team = TeamId::from("T2");
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let kv = kv.clone();
            let team = team.clone();
            tokio::spawn(async move { kv.increment(&team, "n", 1).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("increment");
    }
    assert_eq!(kv.increment(&team, "n", 0).await, Ok(100));
}

#[tokio::test]
async fn compare_and_swap_sets_only_over_the_expected_value() {
    let store = memory_db(StorageQuota::default());
    conformance::compare_and_swap_sets_only_over_the_expected_value(store.storage().kv.as_ref())
        .await;
}

#[tokio::test]
async fn retired_teams_are_purged_when_due_timers_included() {
    let store = memory_db(StorageQuota::default());
    let storage = store.storage();
    conformance::retired_teams_are_purged_when_due(storage.kv.as_ref()).await;
    let (gone, kept) = (TeamId::from("TX"), TeamId::from("TY"));
    let timer = StoredTimer {
        name: "t".into(),
        every: None,
        due: at(10),
    };
    for team in [&gone, &kept] {
        storage.timers.save(team, &timer).await.expect("timer");
    }
    storage.kv.retire(&gone, at(1)).await.expect("retire");
    assert_eq!(storage.kv.purge_expired(at(1)).await, Ok(1));
    assert_eq!(storage.timers.load(&gone).await, Ok(vec![]));
    assert_eq!(storage.timers.load(&kept).await, Ok(vec![timer]));
    // Purging at once drops timers too.
    storage.kv.purge_team(&kept).await.expect("purge");
    assert_eq!(storage.timers.load(&kept).await, Ok(vec![]));
}

#[tokio::test]
async fn one_team_never_sees_another_teams_keys() {
    let store = memory_db(StorageQuota::default());
    conformance::teams_are_isolated(store.storage().kv.as_ref()).await;
}

#[tokio::test]
async fn pages_come_in_key_order_from_the_database() {
    let (_dir, path) = temp_db();
    let team = TeamId::from("T1");
    {
        let storage = Storage::open(&path, key(), StorageQuota::default()).expect("create");
        for n in (0..25).rev() {
            storage
                .kv
                .set(&team, &format!("p/{n:02}"), vec![])
                .await
                .expect("set");
        }
        storage.kv.set(&team, "q", vec![]).await.expect("set");
    }
    let storage = Storage::open(&path, key(), StorageQuota::default()).expect("reopen");
    let (seen, _) = conformance::all_pages(storage.kv.as_ref(), &team, "p/", 10).await;
    let want: Vec<String> = (0..25).map(|n| format!("p/{n:02}")).collect();
    assert_eq!(seen, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_all_commit_in_fewer_transactions() {
    let store = memory_db(StorageQuota::default());
    let kv = store.storage().kv;
    // Hold the writer until every task has queued its write, so the test
    // does not depend on scheduling.
    let pause = store.pause();
    let before = store.stats();
    let tasks: Vec<_> = (0..200)
        .map(|n| {
            let kv = kv.clone();
            tokio::spawn(async move {
                let team = TeamId::from(format!("T{}", n % 20));
                kv.set(&team, &format!("k{n}"), vec![1; 8]).await
            })
        })
        .collect();
    while store.stats().submitted < before.submitted + 200 {
        tokio::task::yield_now().await;
    }
    drop(pause);
    for task in tasks {
        task.await.expect("task").expect("set");
    }
    let stats = store.stats();
    // The pause's own job and the 200 writes.
    let commands = stats.commands - before.commands;
    let groups = stats.groups - before.groups;
    assert_eq!(commands, 201, "every write committed");
    assert_eq!(
        groups, 2,
        "the pause's transaction, then one for all writes"
    );
    for n in 0..200 {
        let team = TeamId::from(format!("T{}", n % 20));
        assert_eq!(kv.get(&team, &format!("k{n}")).await, Ok(Some(vec![1; 8])));
    }
}

#[tokio::test]
async fn a_closed_store_answers_unavailable() {
    let store = memory_db(StorageQuota::default());
    let storage = store.storage();
    store.close().await;
    let err = storage.teams.load().await.expect_err("closed");
    assert!(matches!(err, StorageError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn a_damaged_row_is_an_error_not_a_panic() {
    let (_dir, path) = temp_db();
    {
        let storage = Storage::open(&path, key(), StorageQuota::default()).expect("create");
        storage.teams.save(&team_spec("T1")).await.expect("save");
        storage
            .timers
            .save(
                &TeamId::from("T1"),
                &StoredTimer {
                    name: "t".into(),
                    every: None,
                    due: at(1),
                },
            )
            .await
            .expect("timer");
    }
    {
        let conn = rusqlite::Connection::open(&path).expect("open raw");
        conn.execute_batch(
            "UPDATE teams SET token = x'0102', source = 'nonsense';
             UPDATE timers SET due_unix_ms = -5;",
        )
        .expect("damage");
    }
    let storage = Storage::open(&path, key(), StorageQuota::default()).expect("reopen");
    assert!(matches!(
        storage.teams.load().await,
        Err(StorageError::Corrupt(_))
    ));
    assert!(matches!(
        storage.timers.load(&TeamId::from("T1")).await,
        Err(StorageError::Corrupt(_))
    ));
}

#[tokio::test]
async fn installations_pass_the_conformance_test() {
    let store = memory_db(StorageQuota::default());
    crate::storage::installs::conformance::saves_replaces_and_forgets(&*store.storage().installs)
        .await;
}

#[tokio::test]
async fn installations_survive_a_reopen_with_their_tokens_sealed() {
    use crate::storage::installs::conformance::sample;
    let (_dir, path) = temp_db();
    let store = SqliteStore::open(&path, key(), StorageQuota::default()).expect("open");
    let install = sample("T9", true);
    store.storage().installs.save(&install).await.expect("save");
    store.close().await;
    let bytes = database_bytes(&path);
    assert!(contains(&bytes, "chat:write"), "the test reads the rows");
    assert!(!contains(&bytes, "xoxb-T9"), "bot token sealed");
    assert!(!contains(&bytes, "xoxe-1-T9"), "refresh token sealed");
    let again = SqliteStore::open(&path, key(), StorageQuota::default()).expect("reopen");
    assert_eq!(
        again.storage().installs.load().await.expect("load"),
        [install]
    );
    again.close().await;
}
