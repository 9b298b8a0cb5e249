//! A bot cannot take more than its share: over time (many calls each under
//! the per-call budget), in front of control operations (an update or a
//! removal while it spins), or in the host's log. The neighbour keeps
//! answering throughout.

use std::time::{Duration, Instant};

use bothost::limits::BotLimits;
use bothost::runtime::RuntimeConfig;
use bothost::team::BotStatus;
use bothost_tests::{Harness, capture_logs, guests};

fn host(limits: BotLimits) -> Harness {
    Harness::with_config(RuntimeConfig {
        max_teams: 4,
        limits,
        ..RuntimeConfig::default()
    })
}

#[tokio::test]
async fn a_bot_spinning_under_the_call_budget_is_throttled_then_quarantined() {
    // Half a core, a 200 ms burst, three strikes: every call of 150 ms
    // after the first puts the bot in debt (a throttle, a strike).
    let host = host(BotLimits {
        cpu_share_percent: 50,
        cpu_burst_ms: 200,
        strikes: 3,
        quarantine_secs: 3600,
        ..BotLimits::default()
    });
    host.add("TBAD", guests::TRAPPER, &[]).await.expect("add");
    host.add("TGOOD", guests::ECHO, &[]).await.expect("add");
    let mut spun = 0;
    while !matches!(host.status("TBAD"), BotStatus::Quarantined { .. }) {
        host.say("TBAD", "alice", "#general", "spin 150").await;
        spun += 1;
        assert!(
            spun <= 6,
            "quarantined after a few calls: {}",
            host.status("TBAD")
        );
    }
    assert_eq!(
        spun, 4,
        "the first call is within the burst; three more are strikes"
    );
    let view = host.host.team(&"TBAD".into()).expect("listed");
    assert!(view.stats.throttles >= 3, "{:?}", view.stats);
    assert!(
        view.stats.cpu_ms >= 500,
        "its CPU is counted: {:?}",
        view.stats
    );
    assert!(
        view.bot.to_string().contains("CPU share"),
        "says why: {}",
        view.bot
    );
    // Quarantined: events are counted and dropped, not queued.
    assert_eq!(
        host.say("TBAD", "alice", "#general", "mem").await,
        ["[#general] alice: mem"]
    );
    assert_eq!(
        host.host
            .team(&"TBAD".into())
            .expect("listed")
            .stats
            .events_dropped,
        1
    );
    assert_eq!(
        host.say("TGOOD", "alice", "dm", "still here").await[1],
        "[@alice] bot: still here",
        "the neighbour never noticed"
    );
    // An operator lets it back in.
    let handle = host.handle(&"TBAD".into()).expect("handle");
    assert!(handle.release().await.expect("release"));
    assert_eq!(host.status("TBAD"), BotStatus::Running);
    assert_eq!(
        host.say("TBAD", "alice", "#general", "mem").await[1],
        "[#general] bot: mem: 1 config v=-"
    );
    host.close().await;
}

/// How long control may take while a guest spins (the issue asks for a
/// second; measured at ~0.25 s on a quiet machine).
const BOUND: Duration = Duration::from_secs(3);

#[tokio::test]
async fn update_and_remove_answer_within_a_second_while_the_guest_spins() {
    // A per-call budget far beyond the bound: only the host's interrupt
    // can end the call in time.
    let host = host(BotLimits {
        cpu_ms_per_call: 30_000,
        wall_ms_per_call: 60_000,
        ..BotLimits::default()
    });
    host.add("T1", guests::TRAPPER, &[("v", "1")])
        .await
        .expect("add");
    let team = "T1".into();
    let handle = host.handle(&team).expect("handle");
    // Sends `hang` and waits until the bot says it is spinning: the call
    // is under way when the control operation arrives.
    let spin = |handle: bothost::team::TeamHandle| {
        let channel = host
            .space
            .resolve_place(&team, "alice", "#general")
            .expect("place");
        let event = host
            .space
            .say(&team, "alice", &channel, "hang", None)
            .expect("say");
        let space = host.space.clone();
        async move {
            handle.deliver(event).await.expect("deliver");
            let hanging = async {
                loop {
                    let changed = space.changed();
                    if space
                        .take_lines()
                        .iter()
                        .any(|l| l.to_string().ends_with("bot: hanging"))
                    {
                        return;
                    }
                    changed.await;
                }
            };
            tokio::time::timeout(Duration::from_secs(10), hanging)
                .await
                .expect("the bot started spinning");
        }
    };
    // The host interrupts the call within ~0.2 s and then runs the update
    // (a fresh instance and its `init`); the bound leaves room for a
    // loaded 2-core machine running the rest of the suite. Without the
    // interrupt the update would wait for the call's 30 s budget.
    spin(handle.clone()).await;
    let start = Instant::now();
    tokio::time::timeout(
        BOUND,
        host.update(Harness::spec("T1", guests::TRAPPER, &[("v", "2")])),
    )
    .await
    .expect("the update answered within the bound")
    .expect("updated");
    assert!(start.elapsed() < BOUND);
    assert_eq!(
        host.say("T1", "alice", "#general", "mem").await[1],
        "[#general] bot: mem: 1 config v=2",
        "a fresh instance with the new config"
    );
    spin(handle.clone()).await;
    let start = Instant::now();
    let removed = tokio::time::timeout(BOUND, host.remove(&team))
        .await
        .expect("the removal answered within the bound");
    assert!(removed);
    assert!(start.elapsed() < BOUND);
    host.close().await;
}

#[tokio::test]
async fn a_bot_cannot_flood_the_log() {
    let logs = capture_logs();
    let host = host(BotLimits {
        log_lines_per_sec: 10,
        log_burst_lines: 20,
        ..BotLimits::default()
    });
    host.add("T1", guests::TRAPPER, &[]).await.expect("add");
    assert_eq!(
        host.say("T1", "alice", "#general", "logspam 1000").await[1],
        "[#general] bot: logged 1000"
    );
    let text = String::from_utf8(logs.lock().expect("logs").clone()).expect("utf-8");
    let written = text.matches("spam line").count();
    assert_eq!(written, 20, "the burst, then nothing");
    let stats = host.host.team(&"T1".into()).expect("listed").stats;
    assert_eq!(stats.logs_dropped, 980);
    host.close().await;
}

/// A component whose one core module has `functions` empty functions, the
/// first with `locals` locals and `nesting` nested blocks.
fn component(functions: usize, locals: usize, nesting: usize) -> Vec<u8> {
    let mut body = String::new();
    for _ in 0..nesting {
        body.push_str("(block ");
    }
    body.push_str(&")".repeat(nesting));
    let mut module = format!("(func {} {body})", "(local i32)".repeat(locals));
    module.push_str(&"(func)".repeat(functions.saturating_sub(1)));
    let text = format!("(component (core module {module}))");
    wat::parse_str(text).expect("valid component text")
}

#[tokio::test]
async fn compile_bombs_are_refused_before_compiling_naming_the_limit() {
    let host = host(BotLimits {
        compile: bothost::limits::CompileLimits {
            max_functions: 1_000,
            max_locals: 100,
            max_nesting: 50,
            ..Default::default()
        },
        ..BotLimits::default()
    });
    let dir = std::env::temp_dir().join(format!("bothost-bombs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let cases = [
        (
            "TFUNCS",
            component(1_001, 0, 0),
            "1001 functions (limit 1000",
        ),
        ("TLOCALS", component(1, 101, 0), "101 locals (limit 100"),
        ("TNEST", component(1, 0, 51), "nested deeper than 50"),
    ];
    for (team, bytes, says) in cases {
        let path = dir.join(format!("{team}.wasm"));
        std::fs::write(&path, bytes).expect("write");
        let err = host
            .add(team, path.to_str().expect("utf-8"), &[])
            .await
            .expect_err("refused");
        let text = err.to_string();
        assert!(
            text.contains("refused before compiling") && text.contains(says),
            "{text}"
        );
    }
    assert!(host.is_empty(), "nothing registered");
    host.add("T1", guests::ECHO, &[])
        .await
        .expect("a normal bot still loads");
    let _ = std::fs::remove_dir_all(dir);
    host.close().await;
}
