//! Work kept in order per key and run concurrently across keys.
//!
//! A source's messages about one team must apply in the order they came
//! (an add before its update before its removal), but a slow team (a bot
//! whose `init` takes seconds, a big workspace) must not hold up messages
//! about any other team. Each key is a lane: a piece of work starts when
//! the previous one of its lane has ended and a permit of the shared bound
//! is free.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;

use tokio::sync::{Semaphore, watch};

use crate::shutdown::Shutdown;

/// Per-key ordered, bounded concurrent work, owned by a [`Shutdown`] scope.
#[derive(Debug)]
pub struct Lanes<K> {
    scope: Shutdown,
    permits: Arc<Semaphore>,
    /// Per key, a receiver that closes when the key's last queued work ends.
    tails: HashMap<K, watch::Receiver<()>>,
}

impl<K: Eq + Hash + Clone> Lanes<K> {
    /// Lanes whose work runs in `scope`, at most `concurrency` at a time.
    pub fn new(scope: Shutdown, concurrency: usize) -> Self {
        Self {
            scope,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            tails: HashMap::new(),
        }
    }

    /// Queues `work` behind whatever `key`'s lane already holds. It is
    /// dropped unstarted (or stopped) when the scope is cancelled.
    pub fn run(&mut self, key: K, work: impl Future<Output = ()> + Send + 'static) {
        let (done, tail) = watch::channel(());
        let before = self.tails.insert(key, tail);
        if self.tails.len() > 64 && self.tails.len().is_power_of_two() {
            // Forget finished lanes now and then, so the map holds about
            // as many keys as have work in flight.
            self.tails.retain(|_, tail| tail.has_changed().is_ok());
        }
        let permits = self.permits.clone();
        let cancel = self.scope.token().clone();
        self.scope.spawn(async move {
            let ordered = async move {
                if let Some(mut before) = before {
                    // Ends with an error once the previous work's sender
                    // is dropped, that is, when it has ended.
                    let _ = before.changed().await;
                }
                let Ok(_permit) = permits.acquire_owned().await else {
                    return;
                };
                work.await;
            };
            tokio::select! {
                () = cancel.cancelled() => {}
                () = ordered => {}
            }
            drop(done);
        });
    }

    /// Resolves once everything queued so far, on every lane, has ended.
    pub fn idle(&self) -> impl Future<Output = ()> + Send + 'static {
        let tails: Vec<watch::Receiver<()>> = self.tails.values().cloned().collect();
        async move {
            for mut tail in tails {
                let _ = tail.changed().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::Duration;

    use tokio::sync::oneshot;

    use super::*;

    #[tokio::test]
    async fn one_lane_keeps_order_and_others_do_not_wait_for_it() {
        let scope = Shutdown::new();
        let mut lanes = Lanes::new(scope.clone(), 4);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (release, held) = oneshot::channel::<()>();
        let log = seen.clone();
        lanes.run("slow", async move {
            let _ = held.await;
            log.lock().expect("lock").push("slow-1");
        });
        let log = seen.clone();
        lanes.run(
            "slow",
            async move { log.lock().expect("lock").push("slow-2") },
        );
        let log = seen.clone();
        let (fast_done, fast) = oneshot::channel();
        lanes.run("fast", async move {
            log.lock().expect("lock").push("fast");
            let _ = fast_done.send(());
        });
        // The fast lane finishes while the slow one is still held.
        tokio::time::timeout(Duration::from_secs(5), fast)
            .await
            .expect("the fast lane is not held up")
            .expect("ran");
        assert_eq!(*seen.lock().expect("lock"), ["fast"]);
        release.send(()).expect("slow lane waiting");
        lanes.idle().await;
        assert_eq!(*seen.lock().expect("lock"), ["fast", "slow-1", "slow-2"]);
        scope.close().await;
    }

    #[tokio::test]
    async fn concurrency_is_bounded() {
        let scope = Shutdown::new();
        let mut lanes = Lanes::new(scope.clone(), 2);
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for key in 0..10 {
            let (running, most) = (running.clone(), most.clone());
            lanes.run(key, async move {
                use std::sync::atomic::Ordering::SeqCst;
                let now = running.fetch_add(1, SeqCst) + 1;
                most.fetch_max(now, SeqCst);
                tokio::task::yield_now().await;
                running.fetch_sub(1, SeqCst);
            });
        }
        lanes.idle().await;
        assert!(most.load(std::sync::atomic::Ordering::SeqCst) <= 2);
        scope.close().await;
    }
}
