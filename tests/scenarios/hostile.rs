//! The hostile-guest suite: bots written to hurt the host and their
//! neighbours (`tests/fixtures/hostile`, plus components made broken on
//! purpose), each run against the real host with a well-behaved neighbour
//! team (the echo bot) beside the attacker. Every attack ends with the same
//! check: the neighbour still answers, and the host still takes a new team
//! and serves it.
//!
//! Every attack of issue 10 is on: CPU share over time, control during a
//! spinning guest, compile bombs, oversized host-call arguments, log and
//! error floods, reaction spam, quarantine, device files.

use std::time::Duration;

use bothost::limits::BotLimits;
use bothost::runtime::{RuntimeConfig, RuntimeError};
use bothost::team::{BotStatus, TeamError};
use bothost_tests::fake_slack::Workspace;
use bothost_tests::slack_env::{SlackEnv, mention};
use bothost_tests::{Harness, config_of, guests, temp_file};

const ATTACKER: &str = "TBAD";
const NEIGHBOUR: &str = "TGOOD";

/// Per-call CPU budget of the arena: short, so loops end quickly.
const CPU_MS: u64 = 100;
/// Memory limit of the arena's bots.
const MEMORY: u64 = 32 * 1024 * 1024;
const PAGE: u64 = 64 * 1024;

fn limits() -> BotLimits {
    BotLimits {
        cpu_ms_per_call: CPU_MS,
        memory_bytes: MEMORY,
        ..BotLimits::default()
    }
}

/// A host with strict limits and the neighbour already running.
async fn arena_with(limits: BotLimits) -> Harness {
    let host = Harness::with_config(RuntimeConfig {
        max_teams: 4,
        limits,
        ..RuntimeConfig::default()
    });
    host.add(NEIGHBOUR, guests::ECHO, &[])
        .await
        .expect("the neighbour starts");
    neighbour_answers(&host).await;
    host
}

async fn arena() -> Harness {
    arena_with(limits()).await
}

/// The arena with the attacker running `config`.
async fn arena_and_attacker(config: &[(&str, &str)]) -> Harness {
    let host = arena().await;
    host.add(ATTACKER, guests::HOSTILE, config)
        .await
        .expect("the attacker starts");
    host
}

async fn neighbour_answers(host: &Harness) {
    let lines = host.say(NEIGHBOUR, "bob", "dm", "still there?").await;
    assert_eq!(
        lines.last().map(String::as_str),
        Some("[@bob] bot: still there?"),
        "the neighbour answers: {lines:?}"
    );
    assert_eq!(host.status(NEIGHBOUR), BotStatus::Running);
}

/// The neighbour answers, and the host still takes a new team and serves
/// it (the pool, the compiler and the registry are all fine).
async fn host_is_healthy(host: &Harness) {
    neighbour_answers(host).await;
    host.add("TNEW", guests::ECHO, &[])
        .await
        .expect("a new team starts");
    assert_eq!(
        host.say("TNEW", "alice", "dm", "new").await[1],
        "[@alice] bot: new"
    );
    assert!(host.remove(&"TNEW".into()).await);
}

/// Ends an attack: the host is healthy, then closes.
async fn survived(host: Harness) {
    host_is_healthy(&host).await;
    host.close().await;
}

/// One attack in a fresh arena: the attacker says it did `want`, and the
/// host survives.
async fn answered(what: &str, want: &str) {
    let host = arena_and_attacker(&[]).await;
    assert_eq!(attack(&host, what).await.as_deref(), Some(want));
    survived(host).await;
}

/// The attacker is asked to `attack` in #general; returns what it said
/// it did (its `done: …` line), if it got that far.
async fn attack(host: &Harness, attack: &str) -> Option<String> {
    host.say(ATTACKER, "alice", "#general", attack)
        .await
        .iter()
        .find_map(|l| l.strip_prefix("[#general] bot: done: ").map(str::to_owned))
}

/// The attack either finished (`done` is what it said) or was stopped by
/// the CPU budget: contained either way.
fn finished_or_stopped(host: &Harness, outcome: Option<String>, done: &str) {
    match outcome {
        Some(said) => assert_eq!(said, done),
        None => {
            let status = host.status(ATTACKER).to_string();
            assert!(status.contains("CPU budget"), "{status}");
        }
    }
}

fn traps(host: &Harness) -> u32 {
    match host.status(ATTACKER) {
        BotStatus::Faulted { traps, .. } => traps,
        other => panic!("expected the attacker faulted, got {other:?}"),
    }
}

/// Waits (real time, bounded) until the attacker's status satisfies `want`.
async fn attacker_becomes(host: &Harness, want: impl Fn(&BotStatus) -> bool) -> BotStatus {
    let handle = host.handle(&ATTACKER.into()).expect("served");
    tokio::time::timeout(Duration::from_secs(10), handle.wait_for(want))
        .await
        .expect("in time")
        .expect("still served")
}

/// Adds the attacker from `path`; it must be refused at load.
async fn refused_at_load(host: &Harness, path: &str) -> RuntimeError {
    match host.add(ATTACKER, path, &[]).await {
        Err(TeamError::Load(e)) => e,
        other => panic!("expected a load error, got {other:?}"),
    }
}

/// The hostile component with every `from` replaced by `to` (same length,
/// so the binary stays well-formed).
fn patched_hostile(from: &str, to: &str) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut bytes = std::fs::read(guests::HOSTILE).expect("hostile");
    let (from, to) = (from.as_bytes(), to.as_bytes());
    let mut hits = 0;
    let mut at = 0;
    while at + from.len() <= bytes.len() {
        if &bytes[at..at + from.len()] == from {
            bytes[at..at + from.len()].copy_from_slice(to);
            hits += 1;
            at += from.len();
        } else {
            at += 1;
        }
    }
    assert!(hits > 0, "nothing to patch");
    bytes
}

// ---------------------------------------------------------------------
// A loop in every export.

#[tokio::test]
async fn a_loop_in_init_is_interrupted() {
    let host = arena().await;
    let err = host
        .add(ATTACKER, guests::HOSTILE, &[("init", "loop")])
        .await
        .expect_err("init never returns");
    assert!(err.to_string().contains("CPU budget"), "{err}");
    survived(host).await;
}

#[tokio::test]
async fn a_loop_in_reconfigure_is_interrupted() {
    let host = arena_and_attacker(&[]).await;
    let err = host
        .update(Harness::spec(
            ATTACKER,
            guests::HOSTILE,
            &[("reconfigure", "loop")],
        ))
        .await
        .expect_err("reconfigure never returns");
    assert!(err.to_string().contains("CPU budget"), "{err}");
    survived(host).await;
}

#[tokio::test]
async fn a_loop_in_on_event_is_interrupted() {
    let host = arena_and_attacker(&[]).await;
    assert_eq!(attack(&host, "loop").await, None);
    assert_eq!(traps(&host), 1);
    assert!(host.status(ATTACKER).to_string().contains("CPU budget"));
    survived(host).await;
}

#[tokio::test]
async fn a_loop_in_on_timer_is_interrupted() {
    let host = arena_and_attacker(&[("timer", "loop")]).await;
    let status = attacker_becomes(&host, |s| matches!(s, BotStatus::Faulted { .. })).await;
    assert!(status.to_string().contains("CPU budget"), "{status}");
    survived(host).await;
}

#[tokio::test]
async fn a_loop_in_shutdown_does_not_hold_up_the_removal() {
    let host = arena_and_attacker(&[("shutdown", "loop")]).await;
    let started = std::time::Instant::now();
    assert!(host.remove(&ATTACKER.into()).await);
    let grace = BotLimits::default().shutdown_grace() + Duration::from_secs(2);
    assert!(
        started.elapsed() < grace,
        "removed in {:?}",
        started.elapsed()
    );
    survived(host).await;
}

// ---------------------------------------------------------------------
// Stack, memory and tables.

#[tokio::test]
async fn recursion_to_the_stack_edge_with_host_calls_traps_cleanly() {
    let host = arena_and_attacker(&[]).await;
    assert_eq!(attack(&host, "recurse-host").await, None);
    assert_eq!(traps(&host), 1);
    survived(host).await;
}

#[tokio::test]
async fn a_memory_bomb_gets_no_more_than_the_limit() {
    let host = arena_and_attacker(&[]).await;
    let done = attack(&host, "grow")
        .await
        .expect("growth is refused, not a trap");
    let pages: u64 = done
        .strip_prefix("grew ")
        .and_then(|d| d.strip_suffix(" pages"))
        .and_then(|n| n.parse().ok())
        .expect("pages");
    assert!(pages > 0, "some growth was allowed");
    assert!(pages * PAGE < MEMORY, "grew {pages} pages past the limit");
    assert_eq!(host.status(ATTACKER), BotStatus::Running);
    survived(host).await;
}

/// The hand-written table bomb (`fixtures/hostile/table-bomb.wat`), made a
/// component of the repository's WIT the way language toolchains do it.
fn table_bomb() -> Vec<u8> {
    let mut module =
        wat::parse_str(include_str!("../fixtures/hostile/table-bomb.wat")).expect("table bomb");
    let mut resolve = wit_parser::Resolve::default();
    let wit = concat!(env!("CARGO_MANIFEST_DIR"), "/../wit");
    let (package, _) = resolve.push_dir(wit).expect("the repository's WIT");
    let world = resolve
        .select_world(&[package], Some("bot"))
        .expect("the bot world");
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        wit_component::StringEncoding::UTF8,
    )
    .expect("metadata");
    wit_component::ComponentEncoder::default()
        .module(&module)
        .expect("a bot module")
        .validate(true)
        .encode()
        .expect("a component")
}

#[tokio::test]
async fn a_table_bomb_gets_no_more_than_the_limit() {
    let host = arena().await;
    let path = temp_file("hostile-table-bomb.wasm", &table_bomb());
    host.add(ATTACKER, path.to_str().expect("utf-8"), &[])
        .await
        .expect("the table bomb starts");
    host.say(ATTACKER, "alice", "#general", "grow your table")
        .await;
    // The bot traps only if it got more elements than the limit.
    assert_eq!(host.status(ATTACKER), BotStatus::Running);
    survived(host).await;
}

// ---------------------------------------------------------------------
// Chat spam.

#[tokio::test]
async fn post_spam_is_held_to_the_burst() {
    let host = arena_and_attacker(&[]).await;
    let lines = host
        .say(ATTACKER, "alice", "#general", "post-spam 100")
        .await;
    let posted = lines.iter().filter(|l| l.contains("bot: spam ")).count();
    // All into one channel: the channel's burst is what gets through.
    let burst = BotLimits::default().channel_post_burst as usize;
    assert!(
        (1..=burst + 1).contains(&posted),
        "{posted} posts went out: {lines:?}"
    );
    survived(host).await;
}

#[tokio::test]
async fn reaction_spam_does_not_hurt_the_neighbour() {
    let host = arena_and_attacker(&[]).await;
    let done = attack(&host, "react-spam 1000").await.expect("done");
    assert!(done.starts_with("ok="), "{done}");
    survived(host).await;
}

#[tokio::test]
async fn reaction_spam_is_held_to_a_budget() {
    let host = arena_and_attacker(&[]).await;
    let done = attack(&host, "react-spam 1000").await.expect("done");
    let burst = BotLimits::default().action_burst;
    let ok: u32 = done
        .strip_prefix("ok=")
        .and_then(|d| d.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("count");
    assert!(ok <= burst + 1, "{done}");
    survived(host).await;
}

#[tokio::test]
async fn typing_spam_does_not_hurt_the_neighbour() {
    let host = arena_and_attacker(&[]).await;
    let done = attack(&host, "typing-spam 10000").await.expect("done");
    assert!(done.starts_with("ok="), "{done}");
    survived(host).await;
}

/// Two Slack teams over RTM: the neighbour (echo) and the attacker.
async fn slack_arena() -> (SlackEnv, Workspace, Workspace) {
    let env = SlackEnv::start().await;
    let good = env
        .team(NEIGHBOUR, guests::ECHO, None, config_of(&[]))
        .await;
    let bad = env
        .team(ATTACKER, guests::HOSTILE, None, config_of(&[]))
        .await;
    env.slack.wait_rtm_connected(NEIGHBOUR, 1).await;
    env.slack.wait_rtm_connected(ATTACKER, 1).await;
    (env, good, bad)
}

/// The attacker is asked over Slack; returns its `done: …` post (waiting
/// past whatever else it posts first).
async fn slack_attack(env: &SlackEnv, attack: &str) -> String {
    let mut n = env.slack.posts().len() + 1;
    env.slack.rtm_message(
        ATTACKER,
        &format!("C{ATTACKER}GENERAL"),
        &format!("U{ATTACKER}ALICE"),
        attack,
    );
    loop {
        let posts = env.slack.wait_posts(n).await;
        let done = posts
            .iter()
            .filter(|p| p.team == ATTACKER)
            .find_map(|p| p.text.strip_prefix("done: ").map(str::to_owned));
        if let Some(done) = done {
            return done;
        }
        n += 1;
    }
}

async fn slack_neighbour_answers(env: &SlackEnv, good: &Workspace) {
    let n = env.slack.posts().len() + 1;
    env.slack.rtm_message(
        NEIGHBOUR,
        &format!("C{NEIGHBOUR}GENERAL"),
        &format!("U{NEIGHBOUR}ALICE"),
        &mention(good, "still there?"),
    );
    let posts = env.slack.wait_posts(n).await;
    assert_eq!(posts[n - 1].team, NEIGHBOUR);
    assert_eq!(posts[n - 1].text, "still there?");
}

#[tokio::test]
async fn typing_spam_over_slack_keeps_every_socket() {
    let (env, good, _) = slack_arena().await;
    let done = slack_attack(&env, "typing-spam 10000").await;
    assert!(done.starts_with("ok="), "{done}");
    let typing = env
        .slack
        .rtm_frames(ATTACKER)
        .iter()
        .filter(|f| f["type"] == "typing")
        .count();
    assert!(typing < 10_000, "every typing call reached Slack: {typing}");
    assert_eq!(env.slack.rtm_connections(ATTACKER), 1, "not disconnected");
    assert_eq!(env.slack.rtm_connections(NEIGHBOUR), 1);
    slack_neighbour_answers(&env, &good).await;
    env.close().await;
}

#[tokio::test]
async fn posting_to_another_team_s_channel_reaches_only_its_own_team() {
    let (env, good, _) = slack_arena().await;
    let target = format!("C{NEIGHBOUR}GENERAL");
    let done = slack_attack(&env, &format!("post-to {target}")).await;
    assert!(done.starts_with("refused: "), "{done}");
    for post in env.slack.posts() {
        assert!(
            !(post.team == NEIGHBOUR && post.text == "intruder"),
            "the attacker posted in the neighbour's workspace: {post:?}"
        );
        if post.text == "intruder" {
            assert_eq!(post.team, ATTACKER, "{post:?}");
        }
    }
    slack_neighbour_answers(&env, &good).await;
    env.close().await;
}

// ---------------------------------------------------------------------
// Timers.

#[tokio::test(start_paused = true)]
async fn a_timer_re_set_storm_holds_one_timer() {
    let host = arena_and_attacker(&[]).await;
    assert_eq!(
        attack(&host, "timer-storm 10000").await.as_deref(),
        Some("ok=10000 refused=0")
    );
    let max = BotLimits::default().max_timers;
    // The storm holds one slot: one fewer is left for new timers.
    assert_eq!(
        attack(&host, &format!("timers {}", max + 5)).await,
        Some(format!("ok={} refused=6", max - 1))
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    survived(host).await;
}

#[tokio::test(start_paused = true)]
async fn a_thousand_timers_are_refused_past_the_limit() {
    let max = BotLimits::default().max_timers;
    answered("timers 1000", &format!("ok={max} refused={}", 1000 - max)).await;
}

// ---------------------------------------------------------------------
// Key-value storage.

#[tokio::test]
async fn a_kv_flood_of_tiny_keys_is_held_by_the_quota() {
    // Time enough for some 16,000 host calls, so the quota (not the CPU
    // budget) is what stops the flood.
    let host = arena_with(BotLimits {
        cpu_ms_per_call: 10_000,
        ..limits()
    })
    .await;
    host.add(ATTACKER, guests::HOSTILE, &[])
        .await
        .expect("the attacker starts");
    let done = attack(&host, "kv-flood").await.expect("done");
    let stored: u64 = done
        .strip_prefix("stored ")
        .and_then(|n| n.parse().ok())
        .expect("count");
    let quota = BotLimits::default().storage_bytes;
    // Each entry costs at least the 64-byte overhead.
    assert!(
        stored <= quota / 64,
        "{stored} entries in a {quota}-byte quota"
    );
    assert!(stored > 1000, "{stored}");
    survived(host).await;
}

#[tokio::test]
async fn a_huge_key_is_refused() {
    answered("kv-huge-key", "refused: invalid key").await;
}

#[tokio::test]
async fn a_huge_value_is_refused() {
    answered("kv-huge-value", "refused: storage quota exceeded").await;
}

#[tokio::test]
async fn list_keys_over_many_keys_is_bounded() {
    answered("kv-list 5000", "stored 5000 listed 1000").await;
}

// ---------------------------------------------------------------------
// Logs and output.

fn captured(logs: &std::sync::Arc<std::sync::Mutex<Vec<u8>>>) -> String {
    String::from_utf8_lossy(&logs.lock().expect("logs")).into_owned()
}

/// No line starts as a forged host line, carries a raw escape or carriage
/// return, or mentions the forged text without the attacker's team id.
fn assert_not_forged(logged: &str) {
    for line in logged.lines() {
        assert!(!line.starts_with("2030-"), "a forged line: {line}");
        assert!(!line.contains('\u{1b}') && !line.contains('\r'), "{line:?}");
        if line.contains("token leaked") {
            assert!(line.contains(&format!("team={ATTACKER}")), "{line}");
        }
    }
}

#[tokio::test]
async fn a_forged_log_line_is_escaped_and_carries_the_team_id() {
    let logs = bothost_tests::capture_logs();
    answered("log-forge", "forged").await;
    let logged = captured(&logs);
    assert!(logged.contains("token leaked"), "the line was logged");
    assert_not_forged(&logged);
}

#[tokio::test]
async fn a_forged_stderr_line_is_escaped_and_carries_the_team_id() {
    let logs = bothost_tests::capture_logs();
    answered("print-forge", "printed").await;
    let logged = captured(&logs);
    assert!(logged.contains("token leaked"), "the line was logged");
    assert_not_forged(&logged);
}

#[tokio::test]
async fn log_spam_does_not_hurt_the_neighbour() {
    let host = arena_and_attacker(&[]).await;
    let outcome = attack(&host, "log-spam 10000").await;
    finished_or_stopped(&host, outcome, "logged");
    survived(host).await;
}

#[tokio::test]
async fn stdout_and_stderr_spam_does_not_hurt_the_neighbour() {
    let host = arena_and_attacker(&[]).await;
    let outcome = attack(&host, "print-spam 10000").await;
    finished_or_stopped(&host, outcome, "printed");
    survived(host).await;
}

#[tokio::test]
async fn log_spam_is_rate_limited_with_a_dropped_summary() {
    let logs = bothost_tests::capture_logs();
    let host = arena_and_attacker(&[]).await;
    attack(&host, "log-spam 10000").await;
    attack(&host, "print-spam 10000").await;
    survived(host).await;
    let logged = captured(&logs);
    let lines = logged
        .lines()
        .filter(|l| l.contains(&format!("team={ATTACKER}")))
        .count();
    assert!(lines < 1000, "{lines} lines of the attacker were logged");
    assert!(
        logged.contains("dropped"),
        "a summary says lines were dropped"
    );
}

#[tokio::test]
async fn a_huge_error_string_is_capped_in_logs_and_status() {
    let logs = bothost_tests::capture_logs();
    let host = arena_with(BotLimits::default()).await;
    host.add(ATTACKER, guests::HOSTILE, &[])
        .await
        .expect("the attacker starts");
    assert_eq!(attack(&host, "huge-error 8").await, None);
    assert_eq!(
        host.status(ATTACKER),
        BotStatus::Running,
        "an error, not a trap"
    );
    survived(host).await;
    let longest = captured(&logs).lines().map(str::len).max().unwrap_or(0);
    assert!(longest < 64 * 1024, "a log line of {longest} bytes");
}

// ---------------------------------------------------------------------
// Components that are not what they claim.

/// A component of `bytes` is refused at load with an error that `fits`
/// and says `says`, and the host survives.
async fn refused(name: &str, bytes: &[u8], fits: fn(&RuntimeError) -> bool, says: &str) {
    refused_within(name, bytes, fits, says, Duration::from_secs(30)).await;
}

/// [`refused`], and within `bound` (real time).
async fn refused_within(
    name: &str,
    bytes: &[u8],
    fits: fn(&RuntimeError) -> bool,
    says: &str,
    bound: Duration,
) {
    let host = arena().await;
    let path = temp_file(name, bytes);
    let started = std::time::Instant::now();
    let err = refused_at_load(&host, path.to_str().expect("utf-8")).await;
    assert!(started.elapsed() < bound, "took {:?}", started.elapsed());
    assert!(fits(&err) && err.to_string().contains(says), "{err}");
    survived(host).await;
}

fn wrong_world(e: &RuntimeError) -> bool {
    matches!(e, RuntimeError::WrongWorld { .. })
}

fn invalid(e: &RuntimeError) -> bool {
    matches!(e, RuntimeError::Invalid { .. })
}

#[tokio::test]
async fn a_component_importing_an_unknown_interface_is_refused() {
    let bytes = patched_hostile("bothost:bot/log@0.2.2", "evilnet:raw/log@6.6.6");
    refused(
        "hostile-unknown-import.wasm",
        &bytes,
        wrong_world,
        "evilnet:raw/log",
    )
    .await;
}

#[tokio::test]
async fn a_component_for_another_wit_version_is_refused() {
    let bytes = patched_hostile("bothost:bot/log@0.2.2", "bothost:bot/log@0.9.0");
    refused("hostile-other-version.wasm", &bytes, wrong_world, "0.9.0").await;
}

#[tokio::test]
async fn a_corrupt_component_is_refused() {
    let mut bytes = std::fs::read(guests::HOSTILE).expect("hostile");
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 64] {
        *b ^= 0x5a;
    }
    refused("hostile-corrupt.wasm", &bytes, invalid, "invalid component").await;
}

#[tokio::test]
async fn a_truncated_component_is_refused() {
    let bytes = std::fs::read(guests::HOSTILE).expect("hostile");
    refused(
        "hostile-truncated.wasm",
        &bytes[..bytes.len() - 100],
        invalid,
        "invalid component",
    )
    .await;
}

#[tokio::test]
async fn a_bot_path_that_is_a_directory_is_refused() {
    let host = arena().await;
    let dir = std::env::temp_dir();
    refused_at_load(&host, dir.to_str().expect("utf-8")).await;
    survived(host).await;
}

#[tokio::test]
async fn a_bot_path_that_is_a_device_is_refused_without_reading_it() {
    let host = arena().await;
    // Safe to run before it passes: without `read_bot_file` the load would
    // read /dev/zero until memory runs out, so a directory (refused either
    // way) shows first whether the type check is there.
    let dir = std::env::temp_dir();
    let probe = refused_at_load(&host, dir.to_str().expect("utf-8")).await;
    assert!(
        probe.to_string().contains("not a regular file"),
        "runtime::load does not check the file type yet; /dev/zero not tried: {probe}"
    );
    let err = tokio::time::timeout(Duration::from_secs(10), refused_at_load(&host, "/dev/zero"))
        .await
        .expect("refused at once");
    assert!(err.to_string().contains("not a regular file"), "{err}");
    survived(host).await;
}

// ---------------------------------------------------------------------
// Faults in a row.

#[tokio::test(start_paused = true)]
async fn a_trap_then_immediate_events_wait_out_the_backoff() {
    let host = arena_and_attacker(&[]).await;
    assert_eq!(attack(&host, "panic").await, None);
    assert_eq!(traps(&host), 1);
    for n in 0..50 {
        let lines = host
            .say(ATTACKER, "alice", "#general", &format!("again {n}"))
            .await;
        assert_eq!(lines.len(), 1, "dropped inside the backoff: {lines:?}");
    }
    assert_eq!(
        traps(&host),
        1,
        "no instance was made (and trapped) per event"
    );
    neighbour_answers(&host).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        host.say(ATTACKER, "alice", "#general", "hello").await[1],
        "[#general] bot: ok: hello",
        "a fresh instance after the backoff"
    );
    survived(host).await;
}

#[tokio::test]
async fn a_trap_in_init_keeps_the_team_out_and_the_neighbour_in() {
    let host = arena().await;
    let err = host
        .add(ATTACKER, guests::HOSTILE, &[("init", "trap")])
        .await
        .expect_err("init traps");
    assert!(err.to_string().contains("trap"), "{err}");
    survived(host).await;
}

// ---------------------------------------------------------------------
// Waiting for protections being built (issue 10 items 1, 3, 4, 9).

/// Thirty periodic 1 s timers, each burning 90 ms of the 100 ms per-call
/// budget and returning `Ok`: 2.7 s of work a second, and never a fault.
const BURNING: [(&str, &str); 3] = [("timer", "burn"), ("burn_timers", "30"), ("burn_ms", "90")];

#[tokio::test]
async fn timers_burning_under_the_per_call_budget_are_throttled() {
    let host = arena_and_attacker(&BURNING).await;
    let status = attacker_becomes(&host, |s| {
        let text = s.to_string();
        text.contains("throttled") || text.contains("quarantined")
    })
    .await;
    assert!(status.to_string().contains("CPU"), "{status}");
    survived(host).await;
}

#[tokio::test]
async fn an_update_answers_within_a_second_while_the_guest_spins() {
    let host = arena_and_attacker(&BURNING).await;
    // Setting up the attack, not racing a timeout: the timers first fire
    // after a second, and from then on always one is due.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let update = host.update(Harness::spec(ATTACKER, guests::HOSTILE, &[("v", "2")]));
    tokio::time::timeout(Duration::from_secs(1), update)
        .await
        .expect("the update answers within a second")
        .expect("applied");
    let attacker = ATTACKER.into();
    let removed = tokio::time::timeout(Duration::from_secs(1), host.remove(&attacker));
    assert!(removed.await.expect("the removal answers within a second"));
    survived(host).await;
}

/// A component of `functions` functions of `body` each (it is refused
/// before or during compilation; it is never a valid bot).
fn compile_bomb(functions: usize, body: &str) -> Vec<u8> {
    let mut wat = String::from("(component (core module\n");
    for _ in 0..functions {
        wat.push_str("(func ");
        wat.push_str(body);
        wat.push_str(")\n");
    }
    wat.push_str("))");
    wat::parse_str(&wat).expect("compile bomb")
}

#[tokio::test]
async fn a_component_of_many_functions_is_refused_quickly_naming_the_limit() {
    let bytes = compile_bomb(300_000, "");
    let bound = Duration::from_secs(5);
    refused_within(
        "hostile-many-functions.wasm",
        &bytes,
        |_| true,
        "functions",
        bound,
    )
    .await;
}

#[tokio::test]
async fn a_function_of_many_locals_in_nested_loops_is_refused_quickly() {
    let locals = "(local i64) ".repeat(20_000);
    let loops = "(loop ".repeat(500) + &")".repeat(500);
    let bytes = compile_bomb(4, &(locals + &loops));
    let bound = Duration::from_secs(5);
    refused_within(
        "hostile-many-locals.wasm",
        &bytes,
        |_| true,
        "locals",
        bound,
    )
    .await;
}

#[tokio::test]
async fn a_huge_host_call_argument_is_refused() {
    let host = arena_with(BotLimits::default()).await;
    host.add(ATTACKER, guests::HOSTILE, &[])
        .await
        .expect("the attacker starts");
    assert_eq!(attack(&host, "huge-arg 48").await, None, "the call fails");
    let status = host.status(ATTACKER).to_string();
    assert!(status.contains("argument"), "{status}");
    survived(host).await;
}

#[tokio::test(start_paused = true)]
async fn repeated_faults_quarantine_the_team() {
    let host = arena_and_attacker(&[]).await;
    for _ in 0..10 {
        attack(&host, "panic").await;
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
    let status = host.status(ATTACKER).to_string();
    assert!(status.contains("quarantined"), "{status}");
    survived(host).await;
}
