//! Runtime benchmarks (a bench binary, not a timed test):
//! - instantiate latency per team from a pre-linked component (p50/p99);
//! - event round trip through a team actor with one host call (events/s on
//!   one core);
//! - what reviving an idle-evicted team adds to its next event (a fresh
//!   instance, `init`, then the event) over a warm instance (p50/p99);
//! - resident memory per idle team at 1,000 and 10,000 teams;
//! - for the Python and JS examples (when their toolchains built them):
//!   instantiate latency and memory per idle team at 100 and 1,000 teams.
//!
//! - key-value writes from a guest through the whole path (guest → host
//!   call → database commit) on the embedded database, one team and 1,000
//!   teams writing at once (sets/s; `kv` runs only this part).
//!
//! Run with `cargo bench -p bothost --bench runtime`. Pass `quick` for a
//! smaller run (`cargo bench -p bothost --bench runtime -- quick`), `rust`
//! to skip the Python and JS part, or `python` / `js` / `spidermonkey` for
//! only that one.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bothost::bot_config::BotConfig;
use bothost::builder::HostBuilder;
use bothost::capabilities::{Bot, BotRuntime, Capabilities};
use bothost::chat::{
    ChannelInfo, ChatBackend, ChatError, Connector, FixedLink, Link, LinkError, MessageRef,
    OutgoingMessage, UserInfo,
};
use bothost::event::{Event, EventSink, MessageEvent};
use bothost::host::Host;
use bothost::ids::{ChannelId, TeamId, Ts, UserId};
use bothost::limits::BotLimits;
use bothost::local::LocalSpace;
use bothost::runtime::RuntimeConfig;
use bothost::secret::Secret;
use bothost::spec::{TeamSource, TeamSpec};
use bothost::storage::{Storage, StorageKey, StorageQuota};
use bothost::team_info::TeamInfo;

/// Counts posts and answers at once: measures the host, not a transport.
#[derive(Debug, Default)]
struct NullChat {
    posts: AtomicU64,
}

#[async_trait]
impl ChatBackend for NullChat {
    async fn post(&self, m: OutgoingMessage) -> Result<MessageRef, ChatError> {
        self.posts.fetch_add(1, Ordering::Relaxed);
        Ok(MessageRef {
            channel: m.channel,
            ts: Ts::from("1.000001"),
        })
    }
    async fn update(&self, _: &ChannelId, _: &Ts, _: String) -> Result<(), ChatError> {
        Ok(())
    }
    async fn react(&self, _: &ChannelId, _: &Ts, _: &str) -> Result<(), ChatError> {
        Ok(())
    }
    async fn typing(&self, _: &ChannelId) -> Result<(), ChatError> {
        Ok(())
    }
    async fn open_direct(&self, u: &UserId) -> Result<ChannelId, ChatError> {
        Ok(ChannelId::new(format!("D{u}")))
    }
    async fn user_info(&self, u: &UserId) -> Result<UserInfo, ChatError> {
        Err(ChatError::NotFound(u.to_string()))
    }
    async fn channel_info(&self, c: &ChannelId) -> Result<ChannelInfo, ChatError> {
        Err(ChatError::NotFound(c.to_string()))
    }
    async fn find_user(&self, _: &str) -> Result<Option<UserInfo>, ChatError> {
        Ok(None)
    }
    async fn find_channel(&self, _: &str) -> Result<Option<ChannelInfo>, ChatError> {
        Ok(None)
    }
}

/// Connects every team to the same null chat.
#[derive(Debug, Default)]
struct NullConnector {
    chat: Arc<NullChat>,
}

#[async_trait]
impl Connector for NullConnector {
    async fn connect(
        &self,
        spec: &TeamSpec,
        _: Arc<dyn EventSink>,
    ) -> Result<Box<dyn Link>, LinkError> {
        let info = LocalSpace::team_info(spec.id.as_str(), spec.id.as_str());
        Ok(Box::new(FixedLink::new(info, self.chat.clone())))
    }
}

/// A bot under test: its component and the memory limit it runs with.
#[derive(Debug, Clone, Copy)]
struct Subject {
    name: &'static str,
    /// The command-line word that selects it.
    key: &'static str,
    path: &'static str,
    memory_bytes: u64,
}

const RUST: Subject = Subject {
    name: "Rust",
    key: "rust",
    path: bothost_guests::ECHO,
    memory_bytes: 16 * 1024 * 1024,
};

/// The Python and JS echo examples, or why one is absent.
fn foreign() -> Vec<Result<Subject, String>> {
    let subject = |name, key, path: Option<&'static str>, missing: &str| {
        path.map(|path| Subject {
            name,
            key,
            path,
            // The default limit: Python starts with 13 MiB of memory.
            memory_bytes: BotLimits::default().memory_bytes,
        })
        .ok_or_else(|| format!("{name}: skipped, {missing}"))
    };
    vec![
        subject(
            "Python",
            "python",
            bothost_guests::PY_ECHO,
            bothost_guests::PYTHON_MISSING,
        ),
        subject(
            "JS (QuickJS)",
            "js",
            bothost_guests::JS_ECHO,
            bothost_guests::JS_MISSING,
        ),
        subject(
            "JS (SpiderMonkey)",
            "spidermonkey",
            bothost_guests::SM_ECHO,
            bothost_guests::SPIDERMONKEY_MISSING,
        ),
    ]
}

fn runtime_config(teams: u32, bot: Subject) -> RuntimeConfig {
    RuntimeConfig {
        max_teams: teams,
        // Python and JS components take seconds to compile; load them once.
        cache_dir: Some(bothost_guests::COMPILE_CACHE.into()),
        limits: BotLimits {
            // The bench measures throughput, not the per-bot post budget.
            posts_per_minute: u32::MAX / 2,
            post_burst: u32::MAX / 2,
            channel_posts_per_minute: u32::MAX / 2,
            channel_post_burst: u32::MAX / 2,
            memory_bytes: bot.memory_bytes,
            mailbox: 4096,
            ..BotLimits::default()
        },
        compile_worker: None,
    }
}

/// A host whose teams all talk to one null chat.
fn host(teams: u32, bot: Subject) -> (Host, Arc<NullChat>) {
    let connector = Arc::new(NullConnector::default());
    let chat = connector.chat.clone();
    let host = HostBuilder::with_connector(runtime_config(teams, bot), connector)
        .build()
        .expect("host");
    (host, chat)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// Resident, proportional and private-dirty memory of this process, in
/// bytes, from `/proc/self/smaps_rollup`. RSS counts a page of a
/// copy-on-write memory image once per instance mapping it; PSS shares it
/// out, so PSS is what the machine really spends; private dirty is what
/// instances wrote.
#[derive(Debug, Clone, Copy, Default)]
struct Memory {
    rss: u64,
    pss: u64,
    dirty: u64,
}

fn memory() -> Memory {
    let text = std::fs::read_to_string("/proc/self/smaps_rollup").unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().strip_suffix("kB"))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0)
            * 1024
    };
    Memory {
        rss: field("Rss:"),
        pss: field("Pss:"),
        dirty: field("Private_Dirty:"),
    }
}

fn dm(i: u64) -> Event {
    Event::Message(MessageEvent {
        channel: ChannelId::from("DU0ALICE"),
        user: UserId::from("U0ALICE"),
        text: format!("hello {i}"),
        ts: Ts::new(format!("1700000000.{i:06}")),
        thread_ts: None,
        subtype: None,
        direct: true,
        mentions_bot: false,
    })
}

async fn bench_instantiate(bot: Subject, samples: usize) {
    let rt = BotRuntime::new(&runtime_config(64, bot)).expect("runtime");
    let compiled = rt.load(Path::new(bot.path)).await.expect("load");
    let chat: Arc<dyn ChatBackend> = Arc::new(NullChat::default());
    let storage = Storage::memory(StorageQuota::default());
    let mut times = Vec::with_capacity(samples);
    let warmup = samples / 5;
    for i in 0..samples + warmup {
        let caps = Capabilities::new(
            TeamId::from("T1"),
            chat.clone(),
            &storage,
            rt.limits(),
            Arc::default(),
        );
        let start = Instant::now();
        let instance = Bot::instantiate(&rt, &compiled, caps)
            .await
            .map_err(|(e, _)| e)
            .expect("instantiate");
        let took = start.elapsed();
        drop(instance);
        if i >= warmup {
            times.push(took);
        }
    }
    times.sort();
    println!(
        "{}: instantiate (InstancePre -> instance, pooling): p50 {:.1} us, p99 {:.1} us ({samples} samples)",
        bot.name,
        percentile(&times, 0.5).as_secs_f64() * 1e6,
        percentile(&times, 0.99).as_secs_f64() * 1e6
    );
}

/// An event on a warm instance against the same event on a team whose
/// instance was dropped while idle: instantiate, `init`, then the event.
async fn bench_revival(bot: Subject, samples: usize) {
    let rt = BotRuntime::new(&runtime_config(64, bot)).expect("runtime");
    let compiled = rt.load(Path::new(bot.path)).await.expect("load");
    let chat: Arc<dyn ChatBackend> = Arc::new(NullChat::default());
    let storage = Storage::memory(StorageQuota::default());
    let info = TeamInfo {
        id: TeamId::from("T1"),
        name: "Team".into(),
        bot_user_id: UserId::from("U0BOT"),
        bot_user_name: "bot".into(),
    };
    let config = BotConfig::default();
    let caps = || {
        Capabilities::new(
            TeamId::from("T1"),
            chat.clone(),
            &storage,
            rt.limits(),
            Arc::default(),
        )
    };
    let mut warm_bot = Bot::instantiate(&rt, &compiled, caps())
        .await
        .map_err(|(e, _)| e)
        .expect("instantiate");
    warm_bot
        .init(&info, &config)
        .await
        .expect("init")
        .expect("ok");
    let (mut warm, mut cold) = (Vec::new(), Vec::new());
    let warmup = samples / 5;
    for i in 0..samples + warmup {
        let event = dm(i as u64);
        let start = Instant::now();
        warm_bot.on_event(&event).await.expect("event").expect("ok");
        let warm_took = start.elapsed();

        let start = Instant::now();
        let mut bot = Bot::instantiate(&rt, &compiled, caps())
            .await
            .map_err(|(e, _)| e)
            .expect("instantiate");
        bot.init(&info, &config).await.expect("init").expect("ok");
        bot.on_event(&event).await.expect("event").expect("ok");
        let cold_took = start.elapsed();
        drop(bot);
        if i >= warmup {
            warm.push(warm_took);
            cold.push(cold_took);
        }
    }
    warm.sort();
    cold.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{}: event on a warm instance p50 {:.1} us, p99 {:.1} us; on an idle-evicted team (instantiate + init + event) p50 {:.1} us, p99 {:.1} us: revival adds p50 {:.1} us, p99 {:.1} us ({samples} samples)",
        bot.name,
        us(percentile(&warm, 0.5)),
        us(percentile(&warm, 0.99)),
        us(percentile(&cold, 0.5)),
        us(percentile(&cold, 0.99)),
        us(percentile(&cold, 0.5)) - us(percentile(&warm, 0.5)),
        us(percentile(&cold, 0.99)) - us(percentile(&warm, 0.99)),
    );
}

fn spec(team: &str, bot: Subject) -> TeamSpec {
    TeamSpec {
        id: TeamId::from(team),
        bot: Path::new(bot.path).to_path_buf(),
        token: Secret::new(""),
        app: None,
        config: Default::default(),
        source: TeamSource::Local,
    }
}

async fn bench_events(events: u64, rounds: usize) {
    let (host, chat) = host(4, RUST);
    host.add(spec("T1", RUST)).await.expect("add");
    let handle = host.handle(&TeamId::from("T1")).expect("served");
    let mut rates = Vec::new();
    for round in 0..rounds + 1 {
        let start = Instant::now();
        for i in 0..events {
            handle.deliver(dm(i)).await.expect("deliver");
        }
        handle.flush().await.expect("flush");
        let rate = events as f64 / start.elapsed().as_secs_f64();
        if round > 0 {
            rates.push(rate);
        }
    }
    rates.sort_by(f64::total_cmp);
    let posts = chat.posts.load(Ordering::Relaxed);
    assert_eq!(posts, events * (rounds as u64 + 1), "every event answered");
    println!(
        "event round trip via team actor + 1 host call (1 core): median {:.0} events/s (min {:.0}, max {:.0}; {rounds} rounds of {events})",
        rates[rates.len() / 2],
        rates[0],
        rates[rates.len() - 1]
    );
    host.close().await;
}

async fn bench_idle_rss(bot: Subject, teams: u32) {
    let (host, _chat) = host(teams, bot);
    // Warm: compile and one team, so the compiled code is not counted.
    host.add(spec("T-warm", bot)).await.expect("add");
    let before = memory();
    let start = Instant::now();
    for i in 0..teams - 1 {
        host.add(spec(&format!("T{i:05}"), bot)).await.expect("add");
    }
    let took = start.elapsed();
    let after = memory();
    let per = |a: u64, b: u64| a.saturating_sub(b) as f64 / f64::from(teams - 1) / 1024.0;
    println!(
        "{}: per idle team (instantiated + init, actor + mailbox) at {teams} teams: RSS {:.1} KiB, PSS {:.1} KiB, private dirty {:.1} KiB; add {:.0} us each",
        bot.name,
        per(after.rss, before.rss),
        per(after.pss, before.pss),
        per(after.dirty, before.dirty),
        took.as_secs_f64() * 1e6 / f64::from(teams - 1),
    );
    host.close().await;
}

/// A host on a fresh database file whose teams run the counter example
/// (one `kv.increment` per message, no post).
fn durable_host(teams: u32, dir: &Path) -> Host {
    let db = dir.join("bench.db");
    let key = StorageKey::from_bytes([7; 32]);
    let storage = Storage::open(&db, key, StorageQuota::default()).expect("database");
    let counter = Subject {
        path: bothost_guests::COUNTER,
        ..RUST
    };
    HostBuilder::with_connector(
        runtime_config(teams, counter),
        Arc::new(NullConnector::default()),
    )
    .storage(storage, Duration::from_secs(3600))
    .build()
    .expect("host")
}

fn counter_spec(team: &str) -> TeamSpec {
    TeamSpec {
        bot: Path::new(bothost_guests::COUNTER).to_path_buf(),
        ..spec(team, RUST)
    }
}

/// Messages to the counter bot: each one is a durable `increment` (a
/// commit on the database) before the next message of that team is
/// handled.
async fn bench_kv_path(teams: u32, per_team: u64) {
    let dir = std::env::temp_dir().join(format!("bothost-bench-kv-{}-{teams}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let host = durable_host(teams + 1, &dir);
    let mut handles = Vec::new();
    for i in 0..teams {
        let team = format!("T{i:05}");
        host.add(counter_spec(&team)).await.expect("add");
        handles.push(host.handle(&TeamId::from(team.as_str())).expect("served"));
    }
    let start = Instant::now();
    for i in 0..per_team {
        for handle in &handles {
            handle.deliver(dm(i)).await.expect("deliver");
        }
    }
    for handle in &handles {
        handle.flush().await.expect("flush");
    }
    let took = start.elapsed();
    let sets = u64::from(teams) * per_team;
    println!(
        "kv increment from the guest, durable (group commit): {teams} team(s) writing at once: {:.0} sets/s ({sets} sets in {:.2} s)",
        sets as f64 / took.as_secs_f64(),
        took.as_secs_f64()
    );
    host.close().await;
    drop(host);
    let _ = std::fs::remove_dir_all(&dir);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let has = |word: &str| args.iter().any(|a| a == word);
    let quick = has("quick");
    let only_foreign = has("python") || has("js") || has("spidermonkey");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    rt.block_on(async {
        if has("kv") {
            for _ in 0..3 {
                bench_kv_path(1, if quick { 500 } else { 2_000 }).await;
                bench_kv_path(1000, if quick { 20 } else { 100 }).await;
            }
            return;
        }
        if !only_foreign {
            bench_instantiate(RUST, if quick { 500 } else { 5000 }).await;
            bench_revival(RUST, if quick { 500 } else { 5000 }).await;
            bench_events(
                if quick { 10_000 } else { 100_000 },
                if quick { 3 } else { 7 },
            )
            .await;
            bench_idle_rss(RUST, 1000).await;
            if !quick {
                bench_idle_rss(RUST, 10_000).await;
            }
        }
        if has("rust") {
            return;
        }
        for subject in foreign() {
            let bot = match subject {
                Ok(bot) if !only_foreign || has(bot.key) => bot,
                Ok(_) => continue,
                Err(why) => {
                    println!("{why}");
                    continue;
                }
            };
            bench_instantiate(bot, if quick { 100 } else { 500 }).await;
            bench_revival(bot, if quick { 50 } else { 200 }).await;
            bench_idle_rss(bot, 100).await;
            bench_idle_rss(bot, 1000).await;
        }
    });
}
