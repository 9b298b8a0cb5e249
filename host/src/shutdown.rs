//! Owned background work: one root cancellation token and one task tracker.
//! Every task the host spawns goes through a [`Shutdown`] so none is ever
//! detached, and `close().await` waits for all of them.

use std::future::Future;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The root (or a child) of the host's task tree.
#[derive(Debug, Clone, Default)]
pub struct Shutdown {
    token: CancellationToken,
    tracker: TaskTracker,
}

impl Shutdown {
    pub fn new() -> Self {
        Self::default()
    }

    /// A child scope: cancelled with its parent, or on its own. Its tasks
    /// are tracked by the same tracker, so the root's [`close`](Self::close)
    /// waits for them too; close only the root.
    pub fn child(&self) -> Self {
        Self {
            token: self.token.child_token(),
            tracker: self.tracker.clone(),
        }
    }

    /// The token tasks watch to stop.
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }

    /// Spawns a task owned by this scope.
    pub fn spawn<F>(&self, fut: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.tracker.spawn(fut)
    }

    /// Asks every task to stop.
    pub fn cancel(&self) {
        self.token.cancel();
    }

    /// Cancels and waits until every task of this scope has ended.
    pub async fn close(&self) {
        self.token.cancel();
        self.tracker.close();
        self.tracker.wait().await;
    }
}
