//! Storage benchmarks (a bench binary, not a timed test), on a SQLite file
//! in a temporary directory (`synchronous=FULL`, so every commit flushes):
//! - `set` of small values: one caller at a time, many callers on one
//!   team, and 1,000 teams writing at once (sets/s, and how many writes
//!   each transaction held: group commit);
//! - `get` latency from the cache (p50/p99).
//!
//! Run with `cargo bench -p bothost --bench storage`; pass `quick` for a
//! smaller run.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bothost::ids::TeamId;
use bothost::storage::{KvStore, SqliteStore, StorageKey, StorageQuota, WriterStats};

fn open(dir: &Path, name: &str) -> SqliteStore {
    SqliteStore::open(
        &dir.join(name),
        StorageKey::from_bytes([9; 32]),
        StorageQuota::default(),
    )
    .expect("open database")
}

fn report(what: &str, sets: u64, took: Duration, before: WriterStats, after: WriterStats) {
    let groups = after.groups - before.groups;
    let jobs = after.commands - before.commands;
    println!(
        "{what}: {sets} sets in {:.2} s = {:.0} sets/s; {groups} transactions, {:.1} jobs each",
        took.as_secs_f64(),
        sets as f64 / took.as_secs_f64(),
        jobs as f64 / groups.max(1) as f64,
    );
}

/// `callers` tasks each doing `per_caller` sets, caller `n` on team
/// `teams[n % teams.len()]`, all at once.
async fn sets(
    store: &SqliteStore,
    what: &str,
    teams: &[TeamId],
    callers: usize,
    per_caller: usize,
) {
    let kv: Arc<dyn KvStore> = store.storage().kv;
    let before = store.stats();
    let started = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|n| {
            let kv = kv.clone();
            let team = teams[n % teams.len()].clone();
            tokio::spawn(async move {
                for i in 0..per_caller {
                    // Small values over a bounded set of keys (the quota
                    // allows 10,000 keys per team).
                    let key = format!("c{n}/k{}", i % 100);
                    kv.set(&team, &key, b"0123456789abcdef".to_vec())
                        .await
                        .expect("set");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    let took = started.elapsed();
    report(
        what,
        (callers * per_caller) as u64,
        took,
        before,
        store.stats(),
    );
}

async fn gets(store: &SqliteStore, count: usize) {
    let kv = store.storage().kv;
    let team = TeamId::from("TGET");
    for i in 0..100 {
        kv.set(&team, &format!("k{i}"), vec![7; 64])
            .await
            .expect("set");
    }
    // The first access loads the team into the cache.
    kv.get(&team, "k0").await.expect("get");
    let keys: Vec<String> = (0..100).map(|i| format!("k{i}")).collect();
    let mut took = Vec::with_capacity(count);
    for i in 0..count {
        let started = Instant::now();
        let value = kv.get(&team, &keys[i % 100]).await.expect("get");
        took.push(started.elapsed());
        assert!(value.is_some());
    }
    took.sort();
    let at = |q: f64| took[((took.len() - 1) as f64 * q) as usize];
    println!(
        "get from cache: {count} gets, p50 {:?}, p99 {:?}, max {:?}",
        at(0.50),
        at(0.99),
        took[took.len() - 1]
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let scale = if quick { 10 } else { 1 };
    let dir = tempfile::tempdir().expect("tempdir");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let store = open(dir.path(), "sequential.db");
        sets(
            &store,
            "one caller, one team (a flush per set)",
            &[TeamId::from("T1")],
            1,
            2_000 / scale,
        )
        .await;
        let store = open(dir.path(), "one-team.db");
        sets(
            &store,
            "100 callers, one team",
            &[TeamId::from("T1")],
            100,
            2_000 / scale,
        )
        .await;
        let store = open(dir.path(), "many-teams.db");
        let teams: Vec<TeamId> = (0..1_000).map(|n| TeamId::from(format!("T{n}"))).collect();
        sets(&store, "1,000 teams at once", &teams, 1_000, 200 / scale).await;
        gets(&store, 200_000 / scale).await;
    });
}
