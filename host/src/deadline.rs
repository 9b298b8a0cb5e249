//! Sleeping until an optional deadline, for actor loops whose `select!`
//! has a timer branch only sometimes (next timer, next rate-limit slot,
//! end of a grace period).

use tokio::time::Instant;

/// Sleeps until `at`; with no deadline, never resolves.
pub async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
