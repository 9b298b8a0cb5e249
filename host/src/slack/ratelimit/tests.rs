//! The scheduler on tokio's paused clock: times are exact.

use std::cell::Cell;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::*;
use crate::slack::api::ApiError;

fn start() -> (RateLimiter, CancellationToken, tokio::task::JoinHandle<()>) {
    let cancel = CancellationToken::new();
    let (limiter, actor) = RateLimiter::new(cancel.clone());
    (limiter, cancel, tokio::spawn(actor))
}

async fn stop(cancel: CancellationToken, task: tokio::task::JoinHandle<()>) {
    cancel.cancel();
    task.await.expect("actor");
}

fn rate_limited(secs: u64) -> ApiError {
    ApiError::RateLimited {
        method: "chat.update",
        retry_after: Duration::from_secs(secs),
    }
}

#[tokio::test(start_paused = true)]
async fn posts_to_one_channel_burst_then_pace_at_one_per_second_in_order() {
    let (limiter, cancel, task) = start();
    let channel = ChannelId::from("C1");
    let start = Instant::now();
    let mut times = Vec::new();
    for _ in 0..5 {
        let permit = limiter
            .acquire(Method::PostMessage, Some(&channel), Duration::from_secs(30))
            .await
            .expect("permit");
        times.push(start.elapsed().as_millis());
        permit.complete(Outcome::Done);
    }
    assert_eq!(times, [0, 0, 0, 1000, 2000]);
    stop(cancel, task).await;
}

#[tokio::test(start_paused = true)]
async fn one_post_in_flight_per_channel_but_channels_are_independent() {
    let (limiter, cancel, task) = start();
    let (a, b) = (ChannelId::from("CA"), ChannelId::from("CB"));
    let held = limiter
        .acquire(Method::PostMessage, Some(&a), Duration::from_secs(5))
        .await
        .expect("first");
    let other = limiter
        .acquire(Method::PostMessage, Some(&b), Duration::from_secs(5))
        .await;
    assert!(other.is_ok(), "another channel is not blocked");
    let second = tokio::spawn({
        let limiter = limiter.clone();
        let a = a.clone();
        async move {
            limiter
                .acquire(Method::PostMessage, Some(&a), Duration::from_secs(1))
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    held.complete(Outcome::Done);
    assert!(
        second.await.expect("join").is_ok(),
        "granted once completed"
    );
    stop(cancel, task).await;
}

#[tokio::test(start_paused = true)]
async fn a_permit_dropped_without_completion_still_frees_its_channel_lane() {
    let (limiter, cancel, task) = start();
    let channel = ChannelId::from("C1");
    let held = limiter
        .acquire(Method::PostMessage, Some(&channel), Duration::from_secs(5))
        .await
        .expect("first");
    let next = tokio::spawn({
        let limiter = limiter.clone();
        let channel = channel.clone();
        async move {
            let asked = Instant::now();
            let permit = limiter
                .acquire(Method::PostMessage, Some(&channel), Duration::from_secs(5))
                .await;
            (permit, asked.elapsed())
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // A cancelled call: the permit goes away with no outcome.
    drop(held);
    let (permit, waited) = next.await.expect("join");
    assert!(permit.is_ok(), "the lane was freed");
    assert_eq!(waited, Duration::from_millis(300), "granted at the drop");
    stop(cancel, task).await;
}

#[tokio::test(start_paused = true)]
async fn a_429_outcome_pauses_the_method_for_retry_after() {
    let (limiter, cancel, task) = start();
    let permit = limiter
        .acquire(Method::Update, None, Duration::from_secs(30))
        .await
        .expect("permit");
    permit.complete(Outcome::of::<()>(&Err(rate_limited(7))));
    let start = Instant::now();
    let permit = limiter
        .acquire(Method::Update, None, Duration::from_secs(30))
        .await
        .expect("permit");
    assert_eq!(start.elapsed().as_secs(), 7);
    permit.complete(Outcome::Done);
    // Other methods were never paused.
    let start = Instant::now();
    let other = limiter
        .acquire(Method::ReactionsAdd, None, Duration::from_secs(30))
        .await
        .expect("permit");
    assert_eq!(start.elapsed(), Duration::ZERO);
    other.complete(Outcome::Done);
    stop(cancel, task).await;
}

#[tokio::test(start_paused = true)]
async fn after_a_pause_one_call_goes_even_on_a_slow_tier() {
    let (limiter, cancel, task) = start();
    // Tier 1: one token a minute. Retry-After, not the refill, decides
    // when the next call may go.
    let wait = Duration::from_secs(120);
    let permit = limiter
        .acquire(Method::RtmConnect, None, wait)
        .await
        .expect("permit");
    permit.complete(Outcome::RateLimited {
        retry_after: Duration::from_secs(2),
    });
    let start = Instant::now();
    let permit = limiter
        .acquire(Method::RtmConnect, None, wait)
        .await
        .expect("permit");
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    permit.complete(Outcome::Done);
    // The bucket was emptied by the 429: the next one waits for the refill.
    let permit = limiter
        .acquire(Method::RtmConnect, None, wait)
        .await
        .expect("permit");
    assert_eq!(start.elapsed(), Duration::from_secs(62));
    permit.complete(Outcome::Done);
    stop(cancel, task).await;
}

#[tokio::test(start_paused = true)]
async fn deadline_and_queue_limits_refuse_instead_of_waiting_forever() {
    let (limiter, cancel, task) = start();
    let permit = limiter
        .acquire(Method::ReactionsAdd, None, Duration::from_secs(1))
        .await
        .expect("permit");
    permit.complete(Outcome::RateLimited {
        retry_after: Duration::from_secs(60),
    });
    let refused = limiter
        .acquire(Method::ReactionsAdd, None, Duration::from_secs(2))
        .await;
    assert_eq!(refused.err(), Some(RateError::Deadline));
    let channel = ChannelId::from("C1");
    let _held = limiter
        .acquire(Method::PostMessage, Some(&channel), Duration::from_secs(1))
        .await
        .expect("first");
    let mut waiting = Vec::new();
    for _ in 0..CHANNEL_QUEUE {
        let limiter = limiter.clone();
        let channel = channel.clone();
        waiting.push(tokio::spawn(async move {
            limiter
                .acquire(Method::PostMessage, Some(&channel), Duration::from_secs(60))
                .await
        }));
    }
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_millis(1)).await;
    let overflow = limiter
        .acquire(Method::PostMessage, Some(&channel), Duration::from_secs(60))
        .await;
    assert_eq!(overflow.err(), Some(RateError::QueueFull));
    stop(cancel, task).await;
    for w in waiting {
        assert_eq!(w.await.expect("join").err(), Some(RateError::Stopped));
    }
}

#[tokio::test(start_paused = true)]
async fn call_once_reports_a_429_so_the_next_caller_waits() {
    let (limiter, cancel, task) = start();
    let wait = Duration::from_secs(30);
    let first: Result<(), _> = limiter
        .call_once(Method::Update, None, wait, || async {
            Err(rate_limited(5))
        })
        .await;
    assert_eq!(first, Err(CallError::Api(rate_limited(5))), "not retried");
    let start = Instant::now();
    let second = limiter
        .call_once(Method::Update, None, wait, || async { Ok(start.elapsed()) })
        .await;
    assert_eq!(second, Ok(Duration::from_secs(5)));
    stop(cancel, task).await;
}

#[tokio::test(start_paused = true)]
async fn call_within_absorbs_a_429_and_retries_after_retry_after() {
    let (limiter, cancel, task) = start();
    let channel = ChannelId::from("C1");
    let start = Instant::now();
    let calls = Cell::new(Vec::new());
    let posted = limiter
        .call_within(
            Method::PostMessage,
            Some(&channel),
            Duration::from_secs(8),
            || {
                let mut seen = calls.take();
                seen.push(start.elapsed().as_secs());
                let n = seen.len();
                calls.set(seen);
                async move { if n == 1 { Err(rate_limited(2)) } else { Ok(n) } }
            },
        )
        .await;
    assert_eq!(posted, Ok(2));
    assert_eq!(calls.take(), [0, 2], "retried once Retry-After had passed");
    stop(cancel, task).await;
}

#[tokio::test(start_paused = true)]
async fn call_within_gives_up_when_retry_after_or_the_call_passes_the_budget() {
    let (limiter, cancel, task) = start();
    let channel = ChannelId::from("C1");
    let budget = Duration::from_secs(8);
    let refused: Result<(), _> = limiter
        .call_within(Method::PostMessage, Some(&channel), budget, || async {
            Err(rate_limited(30))
        })
        .await;
    assert_eq!(refused, Err(CallError::Api(rate_limited(30))));

    let other = ChannelId::from("C2");
    let start = Instant::now();
    let slow: Result<(), _> = limiter
        .call_within(Method::Update, Some(&other), budget, || async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok(())
        })
        .await;
    assert_eq!(slow, Err(CallError::TimedOut));
    assert_eq!(start.elapsed(), budget);
    // The timed-out call's lane is free again.
    let next = limiter
        .acquire(Method::Update, Some(&other), Duration::from_millis(1))
        .await;
    assert!(next.is_ok(), "{next:?}");
    stop(cancel, task).await;
}
