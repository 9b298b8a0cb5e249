//! The three request URLs of an app. Each request is checked in this
//! order before anything in it is parsed: the app is known (404), the body
//! is at most [`MAX_BODY`] (413), the signature and timestamp are good
//! (400/401). Then it is answered at once (200; the challenge for
//! `url_verification`), and what it carries is queued for the team's
//! actor: the bot runs after the answer, never before it.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::apps::{HttpApp, HttpApps};
use super::refusal::Refusal;
use super::signature::{Signed, verify};
use crate::slack::routes::PayloadKind;

/// Largest body read from Slack: 1 MiB (Slack's payloads are far smaller).
pub const MAX_BODY: usize = 1024 * 1024;

/// A request that passed every check.
struct Verified {
    app: Arc<HttpApp>,
    body: Bytes,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Runs the checks; a refusal is counted and logged here.
async fn verified(
    apps: &HttpApps,
    app_id: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Verified, Refusal> {
    let result = check(apps, app_id, headers, body).await;
    if let Err(refusal) = &result {
        apps.metrics.verification_failure(refusal.reason());
        tracing::warn!(app = %app_id, reason = refusal.reason(), "Slack request refused");
    }
    result
}

async fn check(
    apps: &HttpApps,
    app_id: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Verified, Refusal> {
    let app = apps.get(app_id).ok_or(Refusal::UnknownApp)?;
    // Read up to the cap and no further (whatever `Content-Length` says).
    let body = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|_| Refusal::TooLarge)?;
    let signed = Signed {
        timestamp: header(headers, "x-slack-request-timestamp"),
        signature: header(headers, "x-slack-signature"),
    };
    verify(&app.secret(), signed, &body, unix_now())?;
    Ok(Verified { app, body })
}

/// Which request URL a request came to.
#[derive(Debug, Clone, Copy)]
enum Url {
    Events,
    Commands,
    Interactive,
}

/// `POST /slack/events/{app}`: Events API callbacks and `url_verification`.
pub(super) async fn events(
    State(apps): State<Arc<HttpApps>>,
    Path(app_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    serve(Url::Events, &apps, &app_id, &headers, body).await
}

/// `POST /slack/commands/{app}`: a slash command (form-encoded).
pub(super) async fn commands(
    State(apps): State<Arc<HttpApps>>,
    Path(app_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    serve(Url::Commands, &apps, &app_id, &headers, body).await
}

/// `POST /slack/interactive/{app}`: an interaction (form field `payload`
/// holding JSON).
pub(super) async fn interactive(
    State(apps): State<Arc<HttpApps>>,
    Path(app_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    serve(Url::Interactive, &apps, &app_id, &headers, body).await
}

async fn serve(
    url: Url,
    apps: &HttpApps,
    app_id: &str,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let Verified { app, body } = match verified(apps, app_id, headers, body).await {
        Ok(verified) => verified,
        Err(refusal) => return refusal.into_response(),
    };
    let answer = match url {
        Url::Events => event(&app, headers, &body),
        Url::Commands => command(&app, &body),
        Url::Interactive => interaction(&app, &body),
    };
    answer.unwrap_or_else(|refusal| {
        apps.metrics.verification_failure(refusal.reason());
        tracing::warn!(app = %app_id, "signed Slack request with a malformed body refused");
        refusal.into_response()
    })
}

/// An Events API request: the challenge, or the event queued for its team
/// (once: a retry of an event already seen is acked and dropped).
fn event(app: &HttpApp, headers: &HeaderMap, body: &[u8]) -> Result<Response, Refusal> {
    let payload: Value = serde_json::from_slice(body).map_err(|_| Refusal::Malformed)?;
    match payload.get("type").and_then(Value::as_str) {
        Some("url_verification") => {
            let challenge = payload
                .get("challenge")
                .and_then(Value::as_str)
                .ok_or(Refusal::Malformed)?;
            tracing::info!(app = %app.id(), "url_verification answered");
            Ok(Json(json!({ "challenge": challenge })).into_response())
        }
        Some("event_callback") => {
            let event_id = payload.get("event_id").and_then(Value::as_str);
            if event_id.is_some_and(|id| !app.first_time(id)) {
                tracing::debug!(
                    app = %app.id(),
                    event_id,
                    retry = header(headers, "x-slack-retry-num"),
                    reason = header(headers, "x-slack-retry-reason"),
                    "retried event ignored"
                );
            } else {
                app.routes.route(PayloadKind::EventsApi, &payload);
            }
            Ok(StatusCode::OK.into_response())
        }
        other => {
            tracing::debug!(app = %app.id(), kind = ?other, "Events API request without an event ignored");
            Ok(StatusCode::OK.into_response())
        }
    }
}

/// A slash command, answered with an empty 200 (Slack shows nothing); the
/// bot answers in the channel, as over Socket Mode.
fn command(app: &HttpApp, body: &[u8]) -> Result<Response, Refusal> {
    let payload = form(body).ok_or(Refusal::Malformed)?;
    app.routes.route(PayloadKind::SlashCommands, &payload);
    Ok(StatusCode::OK.into_response())
}

/// An interaction, handed to the bot as Socket Mode's `interactive`.
fn interaction(app: &HttpApp, body: &[u8]) -> Result<Response, Refusal> {
    let payload = form(body)
        .and_then(|f| f.get("payload")?.as_str().map(str::to_owned))
        .and_then(|p| serde_json::from_str::<Value>(&p).ok())
        .filter(Value::is_object)
        .ok_or(Refusal::Malformed)?;
    app.routes
        .route(PayloadKind::Other("interactive"), &payload);
    Ok(StatusCode::OK.into_response())
}

/// A form body as a JSON object of strings (the shape Socket Mode's
/// `slash_commands` payload has).
fn form(body: &[u8]) -> Option<Value> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    let object: Map<String, Value> = pairs
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    Some(Value::Object(object))
}
