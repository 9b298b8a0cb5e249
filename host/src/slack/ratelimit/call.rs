//! Web API calls made under a permit, with the permit completed by the
//! call's outcome. These are the ways callers use the scheduler: they
//! leave no permit to forget and no 429 to leave unreported.

use std::future::Future;
use std::time::Duration;

use thiserror::Error;
use tokio::time::Instant;

use super::{Method, Outcome, RateError, RateLimiter};
use crate::ids::ChannelId;
use crate::slack::api::ApiError;

/// A call made through the scheduler failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CallError {
    /// No permit: the queue was full, the wait ran out, or the scheduler
    /// stopped. The call was not made.
    #[error(transparent)]
    Rate(#[from] RateError),
    /// Slack or the network failed the call. From
    /// [`call_within`](RateLimiter::call_within), a 429 only when waiting
    /// out its `Retry-After` would pass the deadline.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The call ran past the deadline of
    /// [`call_within`](RateLimiter::call_within).
    #[error("slack did not answer in time")]
    TimedOut,
}

impl RateLimiter {
    /// Makes one call under a permit for `method` (posting to `channel`,
    /// if any), waiting up to `wait` for the permit, and reports the
    /// outcome: a 429 pauses the method for later callers. The call is not
    /// retried.
    ///
    /// Cancel-safe: dropping the future gives up the wait or the call, and
    /// the permit's lane is freed.
    ///
    /// # Errors
    /// [`CallError::Rate`] when no permit came, [`CallError::Api`] when
    /// the call failed.
    pub async fn call_once<T, F, Fut>(
        &self,
        method: Method,
        channel: Option<&ChannelId>,
        wait: Duration,
        call: F,
    ) -> Result<T, CallError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let permit = self.acquire(method, channel, wait).await?;
        let result = call().await;
        permit.complete(Outcome::of(&result));
        Ok(result?)
    }

    /// Makes a call under a permit, absorbing 429s: after one, the method
    /// pauses and the call is made again once `Retry-After` has passed.
    /// Waiting for permits, the calls and the pauses all fit in `budget`;
    /// a caller with a deadline of its own (a bot's wall-clock budget)
    /// gets an answer within it.
    ///
    /// Cancel-safe, as [`call_once`](Self::call_once).
    ///
    /// # Errors
    /// [`CallError::Rate`] when no permit came in time,
    /// [`CallError::TimedOut`] when a call ran past the budget,
    /// [`CallError::Api`] when a call failed (with a 429 only when its
    /// `Retry-After` would end past the budget).
    pub async fn call_within<T, F, Fut>(
        &self,
        method: Method,
        channel: Option<&ChannelId>,
        budget: Duration,
        mut call: F,
    ) -> Result<T, CallError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let deadline = Instant::now() + budget;
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            let permit = self.acquire(method, channel, wait).await?;
            let remaining = deadline.saturating_duration_since(Instant::now());
            let Ok(result) = tokio::time::timeout(remaining, call()).await else {
                // Slack may still answer; nothing is known of the outcome,
                // so the permit only frees its lane.
                drop(permit);
                return Err(CallError::TimedOut);
            };
            let outcome = Outcome::of(&result);
            permit.complete(outcome);
            match (result, outcome) {
                (Ok(value), _) => return Ok(value),
                (Err(_), Outcome::RateLimited { retry_after })
                    if Instant::now() + retry_after <= deadline => {}
                (Err(e), _) => return Err(e.into()),
            }
        }
    }
}
