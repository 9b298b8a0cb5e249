//! Runtime benchmarks (a bench binary, not a timed test):
//! - instantiate latency per team from a pre-linked component (p50/p99);
//! - event round trip through a team actor with one host call (events/s on
//!   one core);
//! - resident memory per idle team at 1,000 and 10,000 teams.
//!
//! Run with `cargo bench -p bothost --bench runtime`. Pass `quick` for a
//! smaller run (`cargo bench -p bothost --bench runtime -- quick`).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bothost::capabilities::Capabilities;
use bothost::chat::{ChannelInfo, ChatBackend, ChatError, MessageRef, OutgoingMessage, UserInfo};
use bothost::event::{Event, MessageEvent};
use bothost::ids::{ChannelId, TeamId, Ts, UserId};
use bothost::limits::BotLimits;
use bothost::local::LocalSpace;
use bothost::runtime::{BotRuntime, RuntimeConfig};
use bothost::shutdown::Shutdown;
use bothost::storage::MemoryStore;
use bothost::team::{TeamManager, TeamSpec};

/// Counts posts and answers at once: measures the host, not a transport.
#[derive(Debug, Default)]
struct NullChat {
    posts: AtomicU64,
}

#[async_trait]
impl ChatBackend for NullChat {
    async fn post(&self, _: &TeamId, m: OutgoingMessage) -> Result<MessageRef, ChatError> {
        self.posts.fetch_add(1, Ordering::Relaxed);
        Ok(MessageRef {
            channel: m.channel,
            ts: Ts::from("1.000001"),
        })
    }
    async fn update(&self, _: &TeamId, _: &ChannelId, _: &Ts, _: String) -> Result<(), ChatError> {
        Ok(())
    }
    async fn react(&self, _: &TeamId, _: &ChannelId, _: &Ts, _: &str) -> Result<(), ChatError> {
        Ok(())
    }
    async fn typing(&self, _: &TeamId, _: &ChannelId) -> Result<(), ChatError> {
        Ok(())
    }
    async fn open_direct(&self, _: &TeamId, u: &UserId) -> Result<ChannelId, ChatError> {
        Ok(ChannelId::new(format!("D{u}")))
    }
    async fn user_info(&self, _: &TeamId, u: &UserId) -> Result<UserInfo, ChatError> {
        Err(ChatError::NotFound(u.to_string()))
    }
    async fn channel_info(&self, _: &TeamId, c: &ChannelId) -> Result<ChannelInfo, ChatError> {
        Err(ChatError::NotFound(c.to_string()))
    }
    async fn find_user(&self, _: &TeamId, _: &str) -> Result<Option<UserInfo>, ChatError> {
        Ok(None)
    }
    async fn find_channel(&self, _: &TeamId, _: &str) -> Result<Option<ChannelInfo>, ChatError> {
        Ok(None)
    }
}

fn limits() -> BotLimits {
    BotLimits {
        // The bench measures throughput, not the per-bot post budget.
        posts_per_minute: u32::MAX / 2,
        post_burst: u32::MAX / 2,
        memory_bytes: 16 * 1024 * 1024,
        mailbox: 4096,
        ..BotLimits::default()
    }
}

fn runtime(teams: u32) -> Arc<BotRuntime> {
    Arc::new(
        BotRuntime::new(&RuntimeConfig {
            max_teams: teams,
            cache_dir: None,
            limits: limits(),
        })
        .expect("runtime"),
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    pages * 4096
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

async fn bench_instantiate(samples: usize) {
    let rt = runtime(64);
    let bot = rt
        .load(Path::new(bothost_guests::ECHO))
        .await
        .expect("load");
    let chat: Arc<dyn ChatBackend> = Arc::new(NullChat::default());
    let kv = Arc::new(MemoryStore::default());
    let mut times = Vec::with_capacity(samples);
    for i in 0..samples + 200 {
        let caps = Capabilities::new(TeamId::from("T1"), chat.clone(), kv.clone(), rt.limits());
        let start = Instant::now();
        let instance = rt
            .instantiate(&bot, caps)
            .await
            .map_err(|(e, _)| e)
            .expect("instantiate");
        let took = start.elapsed();
        drop(instance);
        if i >= 200 {
            times.push(took);
        }
    }
    times.sort();
    println!(
        "instantiate (InstancePre -> instance, pooling): p50 {:.1} us, p99 {:.1} us ({samples} samples)",
        percentile(&times, 0.5).as_secs_f64() * 1e6,
        percentile(&times, 0.99).as_secs_f64() * 1e6
    );
}

fn spec(team: &str) -> TeamSpec {
    TeamSpec {
        info: LocalSpace::team_info(team, team),
        bot: Path::new(bothost_guests::ECHO).to_path_buf(),
        config: Default::default(),
    }
}

async fn bench_events(events: u64, rounds: usize) {
    let rt = runtime(4);
    let chat = Arc::new(NullChat::default());
    let shutdown = Shutdown::new();
    let manager = TeamManager::new(
        rt,
        chat.clone(),
        Arc::new(MemoryStore::default()),
        shutdown.clone(),
    );
    manager.add(spec("T1")).await.expect("add");
    let handle = manager.handle(&TeamId::from("T1")).expect("served");
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
    manager.shutdown().await;
    shutdown.close().await;
}

async fn bench_idle_rss(teams: u32) {
    let rt = runtime(teams);
    let chat = Arc::new(NullChat::default());
    let shutdown = Shutdown::new();
    let manager = TeamManager::new(
        rt.clone(),
        chat.clone(),
        Arc::new(MemoryStore::default()),
        shutdown.clone(),
    );
    // Warm: compile and one team, so the compiled code is not counted.
    manager.add(spec("T-warm")).await.expect("add");
    let before = rss_bytes();
    for i in 0..teams - 1 {
        manager.add(spec(&format!("T{i:05}"))).await.expect("add");
    }
    let after = rss_bytes();
    let per_team = (after.saturating_sub(before)) as f64 / f64::from(teams - 1);
    println!(
        "RSS per idle team (instantiated + init, actor + mailbox) at {teams} teams: {:.1} KiB",
        per_team / 1024.0
    );
    manager.shutdown().await;
    shutdown.close().await;
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio");
    rt.block_on(async {
        bench_instantiate(if quick { 500 } else { 5000 }).await;
        bench_events(
            if quick { 10_000 } else { 100_000 },
            if quick { 3 } else { 7 },
        )
        .await;
        bench_idle_rss(1000).await;
        if !quick {
            bench_idle_rss(10_000).await;
        }
    });
}
