//! Faults a scenario queues for the next calls of a Web API method, and how
//! each one looks on the wire.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A fault for one Web API call (queued with `FakeSlack::fail_next`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 429 with `Retry-After: <secs>` and `{"ok":false,"error":"ratelimited"}`.
    RateLimited {
        /// Value of the `Retry-After` header.
        retry_after_secs: u64,
    },
    /// HTTP 200 with `{"ok":false,"error":<code>}`, e.g. `invalid_auth`.
    SlackError(String),
    /// That HTTP status with a plain-text body (what a proxy or a broken
    /// Slack front end gives: no JSON at all).
    Http(u16),
    /// The call is answered normally, but only after this delay (tokio
    /// clock, so it is instant under a paused clock once the runtime idles).
    Slow(Duration),
}

/// What the fault does to the call being answered.
#[derive(Debug)]
pub(crate) enum Applied {
    /// Answer with this instead of running the method; `ok` is always false.
    Replace(Response),
    /// Wait, then run the method normally.
    Delay(Duration),
}

impl Fault {
    pub(crate) fn apply(&self) -> Applied {
        match self {
            Fault::RateLimited { retry_after_secs } => {
                let mut response = (
                    StatusCode::TOO_MANY_REQUESTS,
                    Json(json!({"ok": false, "error": "ratelimited"})),
                )
                    .into_response();
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
                Applied::Replace(response)
            }
            Fault::SlackError(code) => {
                Applied::Replace(Json(json!({"ok": false, "error": code})).into_response())
            }
            Fault::Http(code) => {
                let status =
                    StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                Applied::Replace(
                    (status, format!("fake Slack: injected HTTP {code}\n")).into_response(),
                )
            }
            Fault::Slow(delay) => Applied::Delay(*delay),
        }
    }
}
