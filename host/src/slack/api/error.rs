//! What can go wrong calling Slack, and what the caller should do about it.
//!
//! The variants say *where* a call failed (Slack said no, HTTP said no, the
//! network failed, the answer was unreadable); [`ApiError::is_fatal`] and
//! [`ApiError::is_retryable`] say *what to do*. Nothing here ever holds a
//! token, so every variant is safe to log and to show in a team's status.

use std::time::Duration;

/// How long to wait after a rate limit when Slack does not say
/// (`Retry-After` missing or not a number of seconds). python-slack-sdk uses
/// the same default.
pub(super) const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(30);

/// Slack error codes meaning the token or the team is unusable: retrying can
/// only fail again (and hammering Slack with a revoked token risks the app
/// being flagged), so the team must be stopped until an operator acts.
const FATAL_ERRORS: &[&str] = &[
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "user_removed_from_team",
    "team_disabled",
    "not_allowed_token_type",
];

/// Methods whose `missing_scope` is fatal. Without the scope to connect the
/// team can never come up; elsewhere (say, posting to one channel) a missing
/// scope only fails that one call.
const CONNECT_METHODS: &[&str] = &["rtm.connect", "apps.connections.open"];

/// Slack error codes for trouble on Slack's side that goes away by itself.
const RETRYABLE_ERRORS: &[&str] = &[
    "migration_in_progress",
    "service_unavailable",
    "request_timeout",
    "fatal_error",
    "internal_error",
];

/// A failed Slack Web API call. `method` is the Slack method name, e.g.
/// `chat.postMessage`.
///
/// `Display` and `Debug` never contain a token: no variant stores one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// Slack answered `{"ok":false,"error":…}`.
    #[error("Slack {method} failed: {error}")]
    Slack { method: &'static str, error: String },
    /// HTTP 429, or `ok:false` with `ratelimited`/`rate_limited`. Wait
    /// `retry_after` before calling this method for this team again.
    #[error("Slack {method} rate limited; retry after {}s", retry_after.as_secs())]
    RateLimited {
        method: &'static str,
        retry_after: Duration,
    },
    /// A non-2xx status other than 429. The body is not read: Slack's API
    /// errors come with HTTP 200, so anything else is infrastructure.
    #[error("Slack {method} returned HTTP {status}")]
    Http { method: &'static str, status: u16 },
    /// The request never got an HTTP answer: connect failure, timeout, TLS.
    #[error("Slack {method} request failed: {message}")]
    Transport {
        method: &'static str,
        message: String,
    },
    /// An answer arrived but was not what Slack sends: bad JSON, no `ok`
    /// field, or a success response missing a required field.
    #[error("Slack {method} response could not be decoded: {message}")]
    Decode {
        method: &'static str,
        message: String,
    },
    /// The base URL given to [`WebClient::new`](super::WebClient::new) is
    /// unusable. A configuration error, found before any request is made.
    #[error("invalid Slack API base URL: {0}")]
    InvalidBase(String),
}

impl ApiError {
    /// True when retrying cannot help and the team should be stopped: the
    /// token is invalid, revoked or of the wrong kind, the team is gone, or
    /// a connect method lacks its scope. HTTP 404 counts as invalid auth, as
    /// in slack-go.
    pub fn is_fatal(&self) -> bool {
        match self {
            Self::Slack { method, error } => {
                FATAL_ERRORS.contains(&error.as_str())
                    || (error == "missing_scope" && CONNECT_METHODS.contains(method))
            }
            Self::Http { status, .. } => *status == 404,
            Self::RateLimited { .. }
            | Self::Transport { .. }
            | Self::Decode { .. }
            | Self::InvalidBase(_) => false,
        }
    }

    /// True when the same call may succeed later: rate limits (wait
    /// [`retry_after`](Self::retry_after)), Slack-side outages and network
    /// failures. Callers should back off; this type does not say how long
    /// except for rate limits.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::Transport { .. } => true,
            Self::Slack { error, .. } => RETRYABLE_ERRORS.contains(&error.as_str()),
            Self::Http { status, .. } => matches!(status, 500 | 502 | 503 | 504),
            Self::Decode { .. } | Self::InvalidBase(_) => false,
        }
    }

    /// How long Slack asked us to wait, for rate limits only.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }

    /// A short, stable, low-cardinality code for metrics labels and team
    /// statuses: Slack's own error string for [`ApiError::Slack`], otherwise
    /// `ratelimited`, `http_<status>` (for common statuses; `http_3xx`,
    /// `http_4xx`, `http_5xx` or `http_other` for the rest), `transport`, `decode` or
    /// `invalid_base`.
    pub fn code(&self) -> &str {
        match self {
            Self::Slack { error, .. } => error,
            Self::RateLimited { .. } => "ratelimited",
            Self::Http { status, .. } => http_code(*status),
            Self::Transport { .. } => "transport",
            Self::Decode { .. } => "decode",
            Self::InvalidBase(_) => "invalid_base",
        }
    }

    /// The Slack method that failed, if a call was made.
    pub fn method(&self) -> Option<&'static str> {
        match self {
            Self::Slack { method, .. }
            | Self::RateLimited { method, .. }
            | Self::Http { method, .. }
            | Self::Transport { method, .. }
            | Self::Decode { method, .. } => Some(*method),
            Self::InvalidBase(_) => None,
        }
    }

    /// Wraps a reqwest failure. The URL is stripped (it carries no token,
    /// but the method name already says which call failed) and the error's
    /// source chain is flattened, because reqwest's own message ("error
    /// sending request") hides the useful part ("Connection refused").
    pub(super) fn transport(method: &'static str, err: reqwest::Error) -> Self {
        let timed_out = err.is_timeout();
        let err = err.without_url();
        let mut message = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        if timed_out && !message.contains("timed out") {
            message.push_str(" (timed out)");
        }
        Self::Transport { method, message }
    }
}

/// Static `http_<status>` codes, so [`ApiError::code`] can return `&str`
/// without allocating and metrics labels stay bounded.
fn http_code(status: u16) -> &'static str {
    match status {
        400 => "http_400",
        401 => "http_401",
        403 => "http_403",
        404 => "http_404",
        405 => "http_405",
        408 => "http_408",
        410 => "http_410",
        413 => "http_413",
        500 => "http_500",
        501 => "http_501",
        502 => "http_502",
        503 => "http_503",
        504 => "http_504",
        _ if (300..400).contains(&status) => "http_3xx",
        _ if (400..500).contains(&status) => "http_4xx",
        _ if (500..600).contains(&status) => "http_5xx",
        _ => "http_other",
    }
}
