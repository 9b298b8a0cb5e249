//! The Events API over HTTP: the request URLs Slack posts an app's events,
//! slash commands and interactions to, one set per app:
//!
//! | route | |
//! |---|---|
//! | `POST /slack/events/{app}` | Events API (`event_callback`, `url_verification`) |
//! | `POST /slack/commands/{app}` | slash commands (form-encoded) |
//! | `POST /slack/interactive/{app}` | interactivity (form field `payload`, JSON) |
//!
//! Every request is verified before anything in it is parsed (see
//! [`handlers`]); what it carries goes to the team's actor through the
//! app's routing table, exactly as Socket Mode's envelopes do.

mod apps;
mod handlers;
pub mod refusal;
pub mod signature;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::post;

pub use apps::{HttpApp, HttpApps};
pub use handlers::MAX_BODY;

/// The request URLs of every app in `apps`. A plain [`Router`] without
/// state or fallback, so other Slack-facing routes (the OAuth install
/// pages) can be merged into the same listener with [`Router::merge`].
pub fn router(apps: Arc<HttpApps>) -> Router {
    Router::new()
        .route("/slack/events/{app}", post(handlers::events))
        .route("/slack/commands/{app}", post(handlers::commands))
        .route("/slack/interactive/{app}", post(handlers::interactive))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(apps)
}
