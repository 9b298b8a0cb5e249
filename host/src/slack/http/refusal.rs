//! Why a request to the Slack-facing listener was refused, before anything
//! in it was parsed or changed: the status and short reason it is answered
//! with, and the label it is counted under
//! (`bothost_request_verification_failures_total{reason}`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use thiserror::Error;

/// A refused request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Refusal {
    /// No app with that id has a signing secret here.
    #[error("unknown app")]
    UnknownApp,
    /// The body is over the cap (or could not be read).
    #[error("request body too large")]
    TooLarge,
    /// `X-Slack-Request-Timestamp` or `X-Slack-Signature` is missing.
    #[error("missing X-Slack-Request-Timestamp or X-Slack-Signature")]
    Unsigned,
    /// The timestamp is not a number.
    #[error("malformed X-Slack-Request-Timestamp")]
    BadTimestamp,
    /// The timestamp is more than five minutes from now (a replay).
    #[error("stale timestamp")]
    Stale,
    /// The signature does not match the body.
    #[error("invalid signature")]
    BadSignature,
    /// Signed, but not what this URL takes (not JSON, no `payload`…).
    #[error("malformed body")]
    Malformed,
}

impl Refusal {
    /// The metric label.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::UnknownApp => "unknown_app",
            Refusal::TooLarge => "too_large",
            Refusal::Unsigned => "unsigned",
            Refusal::BadTimestamp => "bad_timestamp",
            Refusal::Stale => "stale_timestamp",
            Refusal::BadSignature => "bad_signature",
            Refusal::Malformed => "malformed",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Refusal::UnknownApp => StatusCode::NOT_FOUND,
            Refusal::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::Unsigned | Refusal::Stale | Refusal::BadSignature => StatusCode::UNAUTHORIZED,
            Refusal::BadTimestamp | Refusal::Malformed => StatusCode::BAD_REQUEST,
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.status(), format!("{self}\n")).into_response()
    }
}
