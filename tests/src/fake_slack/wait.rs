//! Waiting for something to happen at the fake, with a wall-clock limit.
//!
//! The limit is measured on a helper OS thread rather than with a tokio
//! timer: under a paused tokio clock the runtime jumps straight to the next
//! timer whenever it idles (for instance while the host is in the middle of
//! real socket I/O), so a tokio timeout would fire at once and fail good
//! tests. A thread's sleep is immune to that and leaves virtual time alone.

use std::sync::mpsc as std_mpsc;
use std::thread;
use std::time::Duration;

use tokio::sync::oneshot;

use super::state::{Inner, Shared};

/// How long a `wait_*` waits before it panics.
pub(crate) const WAIT_LIMIT: Duration = Duration::from_secs(10);

/// Fires once `limit` of real time has passed; dropping it stops the timer
/// thread at once.
struct WallDeadline {
    fired: oneshot::Receiver<()>,
    // Dropped with the deadline: wakes the thread so it exits early.
    _stop: std_mpsc::Sender<()>,
}

impl WallDeadline {
    fn after(limit: Duration) -> Self {
        let (fire, fired) = oneshot::channel();
        let (stop, stopped) = std_mpsc::channel::<()>();
        thread::Builder::new()
            .name("fake-slack-deadline".to_owned())
            .spawn(move || {
                if let Err(std_mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(limit) {
                    let _ = fire.send(());
                }
            })
            .expect("fake Slack: spawn the deadline thread");
        Self { fired, _stop: stop }
    }
}

/// Resolves with `check`'s first `Some`, re-checking after every change.
///
/// # Panics
/// After [`WAIT_LIMIT`], with `what` and `describe`'s account of the state.
pub(crate) async fn wait_for<T>(
    shared: &Shared,
    what: &str,
    describe: impl Fn(&Inner) -> String,
    mut check: impl FnMut(&Inner) -> Option<T>,
) -> T {
    let mut changes = shared.subscribe();
    let mut deadline = WallDeadline::after(WAIT_LIMIT);
    loop {
        if let Some(found) = check(&shared.lock()) {
            return found;
        }
        tokio::select! {
            changed = changes.changed() => {
                // The sender lives in `shared`, which we borrow: never closed.
                changed.expect("fake Slack: change feed closed");
            }
            _ = &mut deadline.fired => {
                let state = describe(&shared.lock());
                panic!("fake Slack: gave up after {WAIT_LIMIT:?} waiting for {what}; {state}");
            }
        }
    }
}
