//! Why an install callback did not install anything. Each refusal has a
//! metric label, an HTTP status and a sentence for the person at the
//! browser; none carries a token, a code or the state.

use axum::http::StatusCode;
use thiserror::Error;

use super::state::StateError;

#[derive(Debug, Error)]
pub enum Refusal {
    #[error("no such app on this host")]
    UnknownApp,
    #[error("the install was cancelled in Slack ({0})")]
    Denied(String),
    #[error(transparent)]
    State(#[from] StateError),
    #[error("the callback carries no code")]
    NoCode,
    /// Slack's error, as `ApiError` prints it (method and code only).
    #[error("Slack refused the install: {0}")]
    Slack(String),
    #[error("Slack's answer is not a bot install in a workspace ({0})")]
    Unusable(&'static str),
    #[error("workspace {team} is already served by {owner}")]
    Conflict { team: String, owner: String },
    #[error("the bot did not start: {0}")]
    Start(String),
    #[error("the installation could not be stored; nothing was installed")]
    Storage,
}

impl Refusal {
    /// The `install_refusals` metric label.
    pub fn reason(&self) -> &'static str {
        match self {
            Refusal::UnknownApp => "unknown_app",
            Refusal::Denied(_) => "denied",
            Refusal::State(e) => e.reason(),
            Refusal::NoCode => "no_code",
            Refusal::Slack(_) => "slack_error",
            Refusal::Unusable(_) => "unusable_answer",
            Refusal::Conflict { .. } => "conflict",
            Refusal::Start(_) => "start_failed",
            Refusal::Storage => "storage",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::UnknownApp => StatusCode::NOT_FOUND,
            Refusal::Denied(_) | Refusal::State(_) | Refusal::NoCode => StatusCode::BAD_REQUEST,
            Refusal::Slack(_) | Refusal::Unusable(_) => StatusCode::BAD_GATEWAY,
            Refusal::Conflict { .. } => StatusCode::CONFLICT,
            Refusal::Start(_) | Refusal::Storage => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}
