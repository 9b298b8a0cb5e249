//! Durable state: the embedded database keeps the registry of teams, bots'
//! key-value state and timers, so a host built again on the same database
//! (a restart) resumes every team with its state. The hosts here are real
//! hosts on a real SQLite file; only Slack is the local space.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bothost::ids::TeamId;
use bothost::runtime::RuntimeConfig;
use bothost::secret::Secret;
use bothost::spec::{TeamSource, TeamSpec};
use bothost::storage::{Storage, StorageKey, StorageQuota};
use bothost_tests::{Harness, config_of, guests, serve_config, team_ids};

const TOKEN: &str = "xoxb-durable-secret-token-0123456789";

/// A fresh directory for one test's database.
fn db_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bothost-durable-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

fn open(db: &Path) -> Storage {
    let key = StorageKey::load(None, &|_: &str| None, db).expect("key file");
    Storage::open(db, key, StorageQuota::default()).expect("database")
}

/// A host on the database at `db`, as `bothost serve` builds it after a
/// (re)start: storage opened, stored teams resumed.
async fn start(db: &Path) -> Harness {
    let host = Harness::with_storage(
        RuntimeConfig {
            max_teams: 8,
            ..RuntimeConfig::default()
        },
        open(db),
        Duration::from_secs(3600),
    );
    host.host.resume(|_| true).await.expect("registry readable");
    host
}

/// A team added through the admin API (a source the registry keeps).
fn admin_team(id: &str, bot: &str) -> TeamSpec {
    TeamSpec {
        id: TeamId::from(id),
        bot: PathBuf::from(bot),
        token: Secret::new(TOKEN),
        app: None,
        config: config_of(&[("label", "hits")]),
        source: TeamSource::Admin,
    }
}

fn last(lines: &[String]) -> &str {
    lines.last().map_or("", String::as_str)
}

#[tokio::test]
async fn a_restarted_host_resumes_every_team_with_its_state() {
    let dir = db_dir("resume");
    let db = dir.join("bothost.db");
    let first = start(&db).await;
    first
        .host
        .try_add(admin_team("T1", guests::COUNTER))
        .await
        .expect("T1");
    first
        .host
        .try_add(admin_team("T2", guests::COUNTER))
        .await
        .expect("T2");
    for _ in 0..3 {
        first.say("T1", "alice", "#general", "msg").await;
    }
    assert_eq!(
        last(&first.say("T2", "alice", "#general", "!count").await),
        "[#general] bot: hits: 1"
    );
    first.close().await;

    let second = start(&db).await;
    let teams = team_ids(&second.host);
    assert_eq!(teams, ["T1", "T2"], "both teams resumed");
    let view = second.host.team(&TeamId::from("T1")).expect("T1");
    assert_eq!(
        view.source,
        TeamSource::Admin,
        "with the source that added it"
    );
    assert_eq!(
        last(&second.say("T1", "alice", "#general", "!count").await),
        "[#general] bot: hits: 4",
        "with its key-value state and its config"
    );
    assert_eq!(
        last(&second.say("T2", "alice", "#general", "!count").await),
        "[#general] bot: hits: 2"
    );
    // A removed team is not resumed by the next start.
    assert!(second.remove(&TeamId::from("T2")).await);
    second.close().await;
    let third = start(&db).await;
    let teams = team_ids(&third.host);
    assert_eq!(teams, ["T1"]);
    third.close().await;
    assert_no_token_in(&dir);
}

/// Every file of the database (the main file, its WAL) is read as bytes:
/// the token is nowhere in it without the key.
fn assert_no_token_in(dir: &Path) {
    let mut looked = 0;
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !name.starts_with("bothost.db") || name.ends_with(".key") {
            continue;
        }
        let bytes = std::fs::read(&path).expect("read");
        looked += 1;
        assert!(
            !bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
            "{} holds the token in clear",
            path.display()
        );
    }
    assert!(looked > 0, "the database was written");
}

#[tokio::test]
async fn a_timer_set_before_a_restart_fires_after_it() {
    let db = db_dir("timer").join("bothost.db");
    let first = start(&db).await;
    first
        .host
        .try_add(admin_team("T1", guests::TRAPPER))
        .await
        .expect("T1");
    assert_eq!(
        last(&first.say("T1", "alice", "#general", "remind 5").await),
        "[#general] bot: reminder set"
    );
    first.close().await;

    let second = start(&db).await;
    assert!(second.host.contains(&TeamId::from("T1")));
    // Set at run time, not by `init`: only the stored timer can bring it
    // back, and it fires in the restarted host.
    let line = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if let Some(line) = second.lines().into_iter().find(|l| l.contains("reminder")) {
                return line;
            }
            // Woken by the next line of the transcript, not by a clock.
            second.space.changed().await;
        }
    })
    .await
    .expect("the kept reminder fires after the restart");
    assert_eq!(line, "[#general] bot: reminder");
    second.close().await;
}

#[tokio::test]
async fn a_bot_built_for_0_2_0_runs_on_this_host() {
    let db = db_dir("old-world").join("bothost.db");
    let host = start(&db).await;
    host.host
        .try_add(admin_team("T1", guests::WORLD_0_2_0))
        .await
        .expect("a 0.2.0 bot loads and starts");
    assert_eq!(
        last(&host.say("T1", "alice", "#general", "count").await),
        "[#general] bot: 0.2.0 count 1"
    );
    assert_eq!(
        last(&host.say("T1", "alice", "#general", "count").await),
        "[#general] bot: 0.2.0 count 2"
    );
    host.close().await;
}

#[tokio::test]
async fn a_bot_built_for_0_1_0_keeps_its_state_across_a_restart() {
    let db = db_dir("first-world").join("bothost.db");
    let first = start(&db).await;
    first
        .host
        .try_add(admin_team("T1", guests::WORLD_0_1_0))
        .await
        .expect("a 0.1.0 bot loads and starts");
    assert_eq!(
        last(&first.say("T1", "alice", "#general", "count").await),
        "[#general] bot: 0.1.0 count 1"
    );
    first.close().await;

    let second = start(&db).await;
    assert_eq!(
        last(&second.say("T1", "alice", "#general", "count").await),
        "[#general] bot: 0.1.0 count 2",
        "resumed with its state"
    );
    second.close().await;
}

/// The `bothost` binary cargo built beside this test binary (`cargo test`
/// builds the host's binary for its own integration tests).
fn bothost_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps");
    let bin = dir.join("bothost");
    assert!(
        bin.exists(),
        "{} is missing: run the tests with `cargo test` from the workspace root",
        bin.display()
    );
    bin
}

/// `bothost local <counter> --state <db>` with its stdin and stdout piped.
fn spawn_local(db: &Path) -> std::process::Child {
    std::process::Command::new(bothost_binary())
        .args(["local", guests::COUNTER, "--state"])
        .arg(db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("bothost local starts")
}

/// The count in a transcript line `… bot: count: N`.
fn count_in(line: &str) -> Option<u64> {
    let (_, rest) = line.split_once("bot: count: ")?;
    rest.trim().parse().ok()
}

/// One round: a stream of writes (every message increments the counter in
/// the database; every 25th is a `!count` the bot answers with the count,
/// that is, with how many writes it was told succeeded; answers are few so
/// the post budget never holds them), SIGKILL once an answer reaches
/// `kill_after` while more writes are in flight, then a restart on the same
/// database. Returns (last count answered, first count after).
fn kill_round(db: &Path, kill_after: u64) -> (u64, u64) {
    use std::io::{BufRead, BufReader, Write};

    let mut child = spawn_local(db);
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    // Far more requests than will be answered: writes are in flight when
    // the process dies.
    let feeder = std::thread::spawn(move || {
        for i in 1..100_000 {
            let line: &[u8] = if i % 25 == 0 { b"!count\n" } else { b"msg\n" };
            if stdin.write_all(line).is_err() {
                break;
            }
        }
    });
    let mut acknowledged = 0;
    for line in stdout.lines() {
        let Ok(line) = line else { break };
        if let Some(n) = count_in(&line) {
            acknowledged = n;
            if n >= kill_after {
                break;
            }
        }
    }
    // SIGKILL: no shutdown, no flush, no destructor.
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let _ = feeder.join();
    assert!(
        acknowledged >= kill_after,
        "the bot answered before the kill"
    );

    let mut child = spawn_local(db);
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"!count\n/quit\n").expect("ask again");
    let after = BufReader::new(child.stdout.take().expect("stdout"))
        .lines()
        .map_while(Result::ok)
        .find_map(|line| count_in(&line))
        .expect("the database opens and the bot answers after the kill");
    let _ = child.wait();
    (acknowledged, after)
}

#[test]
fn sigkill_in_a_stream_of_writes_loses_no_acknowledged_write() {
    // Five times in a row, each on a database of its own.
    for round in 0..5u64 {
        let db = db_dir(&format!("kill9-{round}")).join("state.db");
        let (acknowledged, after) = kill_round(&db, 50 + round * 13);
        assert!(
            after > acknowledged,
            "round {round}: the bot was told {acknowledged} writes succeeded, \
             the restarted host counted {after}"
        );
    }
}

/// `bothost serve` (the real binary) with one teams-file team on the fake
/// Slack and its database in `dir`.
fn spawn_serve(config: &Path) -> std::process::Child {
    std::process::Command::new(bothost_binary())
        .args(["serve", "--config"])
        .arg(config)
        .env("T1_TOKEN", "xoxb-T1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("bothost serve starts")
}

/// A fake Slack with workspace T1 and a config serving it with `bot` from
/// the teams file, its database in a fresh directory.
async fn serve_world(test: &str, bot: &str) -> (bothost_tests::fake_slack::FakeSlack, PathBuf) {
    use bothost_tests::fake_slack::{FakeSlack, Workspace};

    let slack = FakeSlack::start().await;
    slack.add_workspace(Workspace::new("T1", "xoxb-T1"));
    let dir = db_dir(test);
    let config = dir.join("bothost.toml");
    std::fs::write(
        &config,
        serve_config(&slack.base_url(), &dir, &[("T1", bot)]),
    )
    .expect("config");
    (slack, config)
}

#[tokio::test]
async fn a_serve_killed_with_sigkill_resumes_its_team_with_its_state() {
    let (slack, config) = serve_world("serve-kill9", guests::COUNTER).await;
    let mut serve = spawn_serve(&config);
    slack.wait_rtm_connected("T1", 1).await;
    for _ in 0..5 {
        slack.rtm_message("T1", "CT1GENERAL", "UT1ALICE", "hello");
    }
    slack.rtm_message("T1", "CT1GENERAL", "UT1ALICE", "!count");
    assert_eq!(slack.wait_posts(1).await[0].text, "count: 6");
    // No shutdown, no flush: the process is gone at once.
    serve.kill().expect("SIGKILL");
    let _ = serve.wait();

    let mut serve = spawn_serve(&config);
    slack.wait_rtm_connected("T1", 2).await;
    slack.rtm_message("T1", "CT1GENERAL", "UT1ALICE", "!count");
    assert_eq!(
        slack.wait_posts(2).await[1].text,
        "count: 7",
        "the restarted serve resumed T1 with every write its bot was told had succeeded"
    );
    serve.kill().expect("SIGKILL");
    let _ = serve.wait();
    slack.shutdown().await;
}

#[tokio::test]
async fn a_serve_killed_with_sigkill_keeps_its_team_s_timer() {
    let (slack, config) = serve_world("serve-kill9-timer", guests::TRAPPER).await;
    let mut serve = spawn_serve(&config);
    slack.wait_rtm_connected("T1", 1).await;
    slack.rtm_message("T1", "CT1GENERAL", "UT1ALICE", "remind 3");
    assert_eq!(slack.wait_posts(1).await[0].text, "reminder set");
    // Killed long before the reminder is due.
    serve.kill().expect("SIGKILL");
    let _ = serve.wait();
    assert_eq!(slack.posts().len(), 1, "not fired before the kill");

    let mut serve = spawn_serve(&config);
    slack.wait_rtm_connected("T1", 2).await;
    assert_eq!(
        slack.wait_posts(2).await[1].text,
        "reminder",
        "the stored one-shot timer fired in the restarted serve"
    );
    serve.kill().expect("SIGKILL");
    let _ = serve.wait();
    slack.shutdown().await;
}
