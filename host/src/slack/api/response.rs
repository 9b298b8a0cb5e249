//! Turning an HTTP answer into a value or a classified [`ApiError`].
//!
//! Order matters: the HTTP status first (429 and 5xx carry no useful body),
//! then Slack's `ok` flag, and only then the method's own fields, so a
//! failure response is never mistaken for a malformed success.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::error::{ApiError, DEFAULT_RETRY_AFTER};

/// The part every Web API response shares. `ok` is an `Option` so a missing
/// flag is reported as such rather than as a generic serde message.
#[derive(Deserialize)]
struct Envelope {
    ok: Option<bool>,
    #[serde(default)]
    error: Option<String>,
}

/// Longest `Retry-After` honoured: a larger (or absurd) value from the
/// network is clamped, so no deadline arithmetic can overflow.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// `Retry-After` as whole seconds, if present and numeric, clamped to an
/// hour. Slack sends seconds; the HTTP-date form is not used by Slack and
/// falls back to the default.
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(|secs| Duration::from_secs(secs).min(MAX_RETRY_AFTER))
}

/// Classifies a non-success HTTP status.
///
/// # Errors
///
/// [`ApiError::RateLimited`] for 429 (with `retry_after` or the 30 s
/// default), [`ApiError::Http`] for any other non-2xx status.
pub(super) fn check_status(
    method: &'static str,
    status: StatusCode,
    retry_after: Option<Duration>,
) -> Result<(), ApiError> {
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Err(ApiError::RateLimited {
            method,
            retry_after: retry_after.unwrap_or(DEFAULT_RETRY_AFTER),
        });
    }
    if !status.is_success() {
        return Err(ApiError::Http {
            method,
            status: status.as_u16(),
        });
    }
    Ok(())
}

/// Decodes a 2xx body: checks `ok`, then reads `T`, ignoring unknown fields.
///
/// # Errors
///
/// [`ApiError::Decode`] if the body is not JSON, lacks a boolean `ok`, has
/// `ok:false` without an `error`, or does not fit `T`;
/// [`ApiError::RateLimited`] for `ok:false` with `ratelimited` or
/// `rate_limited`; [`ApiError::Slack`] for any other `ok:false`.
pub(super) fn decode<T: DeserializeOwned>(
    method: &'static str,
    body: &[u8],
    retry_after: Option<Duration>,
) -> Result<T, ApiError> {
    let decode_error = |message: String| ApiError::Decode { method, message };
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| decode_error(e.to_string()))?;
    match envelope.ok {
        None => Err(decode_error("response has no `ok` field".to_owned())),
        Some(true) => serde_json::from_slice(body).map_err(|e| decode_error(e.to_string())),
        Some(false) => match envelope.error {
            None => Err(decode_error(
                "`ok` is false but no `error` given".to_owned(),
            )),
            Some(error) if error == "ratelimited" || error == "rate_limited" => {
                Err(ApiError::RateLimited {
                    method,
                    retry_after: retry_after.unwrap_or(DEFAULT_RETRY_AFTER),
                })
            }
            Some(error) => Err(ApiError::Slack { method, error }),
        },
    }
}
