//! The driver against a scripted transport on tokio's paused clock, with a
//! deterministic backoff (20 ms doubling to 200 ms): statuses, delays and
//! reconnect counts are exact.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::time::Instant;

use super::*;

/// Statuses reported, with the milliseconds since the start.
type Log = Arc<Mutex<Vec<(u128, LinkStatus)>>>;

/// A transport that plays a script: each `open` takes the next result
/// (none left: never opens), each `serve` the next end (none left: serves
/// until cancelled).
struct Scripted {
    start: Instant,
    opens: VecDeque<Result<(), End>>,
    ends: VecDeque<End>,
    log: Log,
}

impl Transport for Scripted {
    type Session = ();
    const NAME: &'static str = "test";
    const KIND: &'static str = "test";

    fn report(&self, status: LinkStatus) {
        let at = self.start.elapsed().as_millis();
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((at, status));
    }

    async fn open(&mut self) -> Result<(), End> {
        match self.opens.pop_front() {
            Some(result) => result,
            None => std::future::pending().await,
        }
    }

    async fn serve(&mut self, (): ()) -> End {
        match self.ends.pop_front() {
            Some(end) => end,
            None => std::future::pending().await,
        }
    }
}

struct Run {
    log: Log,
    metrics: Arc<Metrics>,
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

fn run(opens: Vec<Result<(), End>>, ends: Vec<End>) -> Run {
    let log = Log::default();
    let metrics = Arc::new(Metrics::default());
    let cancel = CancellationToken::new();
    let connector = Scripted {
        start: Instant::now(),
        opens: opens.into(),
        ends: ends.into(),
        log: log.clone(),
    };
    let backoff = Backoff::new(Duration::from_millis(20), Duration::from_millis(200));
    let task = tokio::spawn(drive(connector, backoff, metrics.clone(), cancel.clone()));
    Run {
        log,
        metrics,
        cancel,
        task,
    }
}

impl Run {
    fn statuses(&self) -> Vec<(u128, LinkStatus)> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Cancels the driver and waits for it to end.
    async fn stop(&mut self) {
        self.cancel.cancel();
        (&mut self.task).await.expect("driver");
    }

    fn reconnect_count(&self) -> String {
        let text = self.metrics.render([]);
        text.lines()
            .find(|l| l.starts_with("bothost_reconnects_total{kind=\"test\"}"))
            .and_then(|l| l.rsplit(' ').next())
            .unwrap_or("0")
            .to_owned()
    }
}

fn disconnected(attempts: u32, reason: &str) -> LinkStatus {
    LinkStatus::Disconnected {
        attempts,
        reason: reason.into(),
    }
}

fn connecting(attempt: u32) -> LinkStatus {
    LinkStatus::Connecting { attempt }
}

#[tokio::test(start_paused = true)]
async fn failures_back_off_and_hello_resets_the_count() {
    let mut run = run(
        vec![Err(retry("refused")), Err(retry("refused")), Ok(()), Ok(())],
        vec![retry("socket closed")],
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        run.statuses(),
        [
            (0, connecting(1)),
            (0, disconnected(1, "refused")),
            (20, connecting(2)),
            (20, disconnected(2, "refused")),
            (60, connecting(3)),
            (60, LinkStatus::Connected),
            // The session proved itself: back to the first step.
            (60, disconnected(1, "socket closed")),
            (80, connecting(2)),
            (80, LinkStatus::Connected),
        ]
    );
    assert_eq!(run.reconnect_count(), "3");
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_waited_out_as_rate_limited_without_counting_a_failure() {
    let slow_down = End::Retry {
        reason: "ratelimited".into(),
        after: Some(Duration::from_secs(3)),
    };
    let too_soon = End::Retry {
        reason: "ratelimited".into(),
        after: Some(Duration::from_millis(1)),
    };
    let mut run = run(vec![Err(slow_down), Err(too_soon), Ok(())], vec![]);
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        run.statuses(),
        [
            (0, connecting(1)),
            (0, LinkStatus::RateLimited { retry_in_ms: 3000 }),
            (3000, connecting(1)),
            (3000, LinkStatus::RateLimited { retry_in_ms: 1 }),
            // Never sooner than the backoff's floor.
            (3020, connecting(1)),
            (3020, LinkStatus::Connected),
        ]
    );
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_reconnect_requested_by_slack_starts_the_schedule_over() {
    let mut run = run(
        vec![Err(retry("refused")), Ok(()), Ok(())],
        vec![End::Reconnect("goodbye".into())],
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        run.statuses(),
        [
            (0, connecting(1)),
            (0, disconnected(1, "refused")),
            (20, connecting(2)),
            (20, LinkStatus::Connected),
            (20, disconnected(0, "goodbye")),
            (40, connecting(2)),
            (40, LinkStatus::Connected),
        ]
    );
    assert_eq!(run.reconnect_count(), "2");
    run.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_fatal_end_stops_the_link_with_its_status() {
    let revoked = LinkStatus::TokenRevoked {
        reason: "token_revoked".into(),
    };
    let mut run = run(vec![Ok(())], vec![End::Fatal(revoked.clone())]);
    (&mut run.task).await.expect("driver ends by itself");
    assert_eq!(
        run.statuses().last(),
        Some(&(0, revoked)),
        "no Closed after a fatal end"
    );
    assert_eq!(run.reconnect_count(), "0", "a fatal end is no reconnect");
}

#[tokio::test(start_paused = true)]
async fn cancel_closes_the_link_while_opening_serving_or_waiting() {
    for (opens, ends) in [
        (vec![], vec![]),
        (vec![Ok(())], vec![]),
        (vec![Err(retry("refused"))], vec![]),
    ] {
        let mut run = run(opens, ends);
        tokio::time::sleep(Duration::from_millis(10)).await;
        run.stop().await;
        let statuses = run.statuses();
        assert_eq!(
            statuses.last(),
            Some(&(10, LinkStatus::Closed)),
            "{statuses:?}"
        );
    }
}

#[test]
fn connect_failures_map_to_fatal_rate_limited_or_retry() {
    use crate::slack::api::ApiError;
    use crate::slack::ratelimit::RateError;
    let slack = |error: &str| {
        connect_failure(&CallError::Api(ApiError::Slack {
            method: "rtm.connect",
            error: error.into(),
        }))
    };
    assert_eq!(
        slack("invalid_auth"),
        End::Fatal(LinkStatus::TokenRevoked {
            reason: "invalid_auth".into()
        })
    );
    assert_eq!(
        slack("team_disabled"),
        End::Fatal(LinkStatus::Fatal {
            reason: "team_disabled".into()
        })
    );
    assert_eq!(slack("internal_error"), retry("internal_error"));
    let limited = CallError::Api(ApiError::RateLimited {
        method: "rtm.connect",
        retry_after: Duration::from_secs(4),
    });
    assert_eq!(
        connect_failure(&limited),
        End::Retry {
            reason: "ratelimited".into(),
            after: Some(Duration::from_secs(4))
        }
    );
    assert_eq!(
        connect_failure(&CallError::Rate(RateError::Deadline)),
        retry("rate scheduler: no capacity before the deadline")
    );
}
