//! A misbehaving bot hurts only itself: its instance is dropped, its team
//! says so, and every other team keeps being served.

use std::time::Duration;

use bothost::limits::BotLimits;
use bothost::runtime::RuntimeConfig;
use bothost::team::BotStatus;
use bothost_tests::{Harness, guests};

fn faulted_traps(status: &BotStatus) -> u32 {
    match status {
        BotStatus::Faulted { traps, .. } => *traps,
        other => panic!("expected faulted, got {other:?}"),
    }
}

/// A host with a short CPU budget so looping bots are stopped quickly.
fn strict_host() -> Harness {
    Harness::with_config(RuntimeConfig {
        max_teams: 4,
        limits: BotLimits {
            cpu_ms_per_call: 100,
            memory_bytes: 32 * 1024 * 1024,
            ..BotLimits::default()
        },
        ..RuntimeConfig::default()
    })
}

#[tokio::test(start_paused = true)]
async fn a_panic_faults_only_that_team_and_it_comes_back_after_backoff() {
    let host = Harness::new();
    host.add("TBAD", guests::TRAPPER, &[]).await.expect("add");
    host.add("TGOOD", guests::ECHO, &[]).await.expect("add");

    assert_eq!(
        host.say("TBAD", "alice", "#general", "panic").await,
        ["[#general] alice: panic"]
    );
    let status = host.status("TBAD");
    assert_eq!(faulted_traps(&status), 1);
    assert!(
        status.to_string().contains("unreachable"),
        "says why: {status}"
    );

    assert_eq!(
        host.say("TGOOD", "alice", "dm", "still there?").await[1],
        "[@alice] bot: still there?",
        "the neighbour is untouched"
    );
    assert_eq!(
        host.say("TBAD", "alice", "#general", "too soon").await,
        ["[#general] alice: too soon"],
        "inside the backoff the event is dropped"
    );

    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        host.say("TBAD", "alice", "#general", "hello again").await[1],
        "[#general] bot: ok: hello again",
        "a fresh instance after the backoff"
    );
    assert_eq!(host.status("TBAD"), BotStatus::Running);
    host.close().await;
}

#[tokio::test(start_paused = true)]
async fn repeated_traps_back_off_longer() {
    let host = Harness::new();
    host.add("T1", guests::TRAPPER, &[]).await.expect("add");
    host.say("T1", "alice", "#general", "panic").await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    host.say("T1", "alice", "#general", "panic").await;
    let BotStatus::Faulted {
        traps, retry_in_ms, ..
    } = host.status("T1")
    else {
        panic!("faulted")
    };
    assert_eq!((traps, retry_in_ms), (2, 2000));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        host.say("T1", "alice", "#general", "x").await.len(),
        1,
        "still backing off"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        host.say("T1", "alice", "#general", "x").await.len(),
        2,
        "served again"
    );
    host.close().await;
}

#[tokio::test]
async fn an_endless_loop_is_interrupted_by_the_cpu_budget() {
    let host = strict_host();
    host.add("TBAD", guests::TRAPPER, &[]).await.expect("add");
    host.add("TGOOD", guests::ECHO, &[]).await.expect("add");
    host.say("TBAD", "alice", "#general", "loop").await;
    let status = host.status("TBAD");
    assert_eq!(faulted_traps(&status), 1);
    assert!(status.to_string().contains("CPU budget"), "{status}");
    assert_eq!(
        host.say("TGOOD", "bob", "dm", "hi").await[1],
        "[@bob] bot: hi"
    );
    host.close().await;
}

#[tokio::test]
async fn a_memory_bomb_hits_the_memory_limit() {
    let host = strict_host();
    host.add("TBAD", guests::TRAPPER, &[]).await.expect("add");
    let lines = host.say("TBAD", "alice", "#general", "grow").await;
    assert_eq!(
        lines,
        ["[#general] alice: grow"],
        "the 1 GiB allocation never succeeded"
    );
    assert_eq!(faulted_traps(&host.status("TBAD")), 1);
    host.close().await;
}

#[tokio::test]
async fn unbounded_recursion_traps_cleanly() {
    let host = strict_host();
    host.add("TBAD", guests::TRAPPER, &[]).await.expect("add");
    host.say("TBAD", "alice", "#general", "recurse").await;
    assert_eq!(faulted_traps(&host.status("TBAD")), 1);
    host.close().await;
}

#[tokio::test(start_paused = true)]
async fn a_trap_in_a_timer_is_contained_and_timers_survive_it() {
    let host = Harness::new();
    host.add("T1", guests::TRAPPER, &[]).await.expect("add");
    // `timers` makes the trapper set a periodic `tick` (every 5 s) and a
    // one-shot `panic` (after 7 s).
    host.say("T1", "alice", "#general", "timers").await;
    let handle = host.handle(&"T1".into()).expect("served");
    tokio::time::sleep(Duration::from_secs(5)).await;
    handle.flush().await.expect("flush");
    assert_eq!(host.lines(), ["[#general] bot: tick"]);
    tokio::time::sleep(Duration::from_secs(2)).await;
    handle.flush().await.expect("flush");
    assert_eq!(
        faulted_traps(&host.status("T1")),
        1,
        "the panic timer trapped"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    handle.flush().await.expect("flush");
    assert_eq!(
        host.lines(),
        ["[#general] bot: tick"],
        "the periodic timer outlived the trapped instance and woke a new one"
    );
    host.close().await;
}

#[tokio::test]
async fn a_bot_gets_no_files_environment_arguments_or_sockets() {
    let host = Harness::new();
    host.add("T1", guests::TRAPPER, &[]).await.expect("add");
    assert_eq!(
        host.say("T1", "alice", "#general", "probe").await[1],
        "[#general] bot: fs=denied env=0 args=0 listen=denied connect=denied"
    );
    assert_eq!(
        host.status("T1"),
        BotStatus::Running,
        "denials are errors, not traps"
    );
    host.close().await;
}

#[tokio::test]
async fn guest_stdout_and_stderr_become_log_lines_with_the_team_id() {
    let logs = bothost_tests::capture_logs();
    let host = Harness::new();
    host.add("TPRINT", guests::TRAPPER, &[]).await.expect("add");
    assert_eq!(
        host.say("TPRINT", "alice", "#general", "print").await[1],
        "[#general] bot: printed"
    );
    host.close().await;
    let logged = String::from_utf8_lossy(&logs.lock().expect("logs")).into_owned();
    let line = |needle: &str| {
        logged
            .lines()
            .find(|l| l.contains(needle))
            .map(str::to_owned)
    };
    let out = line("hello from stdout").expect("stdout captured");
    assert!(
        out.contains("team=TPRINT") && out.contains("stdout"),
        "{out}"
    );
    let err = line("warning from stderr").expect("stderr captured");
    assert!(err.contains("team=TPRINT") && err.contains("WARN"), "{err}");
    assert!(
        err.contains("\\u{1b}[2J") && !err.contains('\u{1b}'),
        "escape neutralised: {err}"
    );
}
