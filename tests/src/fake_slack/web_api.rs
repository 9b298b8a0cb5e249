//! The Web API endpoint (`/api/{method}`): reads a request the way Slack
//! does (token from the `Authorization` header or a `token` parameter;
//! arguments from the query string and a form or JSON body), applies a
//! queued fault, runs the method and records the call.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::faults::Applied;
use super::methods;
use super::recording::Call;
use super::state::{Shared, TokenOwner};

/// A parsed Web API request.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) token: Option<String>,
    /// Arguments, without the token.
    pub(crate) params: Map<String, Value>,
}

/// Methods that accept a JSON body (Slack's `json_input_supported`); for the
/// others Slack ignores a JSON body, and so does the fake.
const JSON_METHODS: &[&str] = &[
    "auth.test",
    "apps.connections.open",
    "chat.postMessage",
    "chat.update",
    "reactions.add",
    "chat.postEphemeral",
    "chat.delete",
    "chat.scheduleMessage",
    "chat.deleteScheduledMessage",
];

/// Methods whose token must come in the header.
const HEADER_TOKEN_ONLY: &[&str] = &["apps.connections.open"];

/// Answers one Web API request.
pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    Path(method): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let at = Instant::now();
    let request = match parse(method.clone(), query.as_deref(), &headers, &body) {
        Ok(request) => request,
        Err(error) => {
            record(&shared, &method, None, Map::new(), at, false);
            return slack_error(error);
        }
    };

    let fault = shared
        .lock()
        .faults
        .get_mut(&method)
        .and_then(std::collections::VecDeque::pop_front);
    if let Some(fault) = fault {
        // Whoever waits for the fault to be taken learns the call arrived.
        shared.notify();
        match fault.apply() {
            Applied::Replace(response) => {
                let team = team_of(&shared, request.token.as_deref());
                record(&shared, &method, team, request.params, at, false);
                return response;
            }
            Applied::Delay(delay) => {
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    () = shared.cancel.cancelled() => {
                        return (StatusCode::SERVICE_UNAVAILABLE, "fake Slack: shutting down\n")
                            .into_response();
                    }
                }
            }
        }
    }

    let answer = {
        let mut inner = shared.lock();
        let team = match request.token.as_deref().and_then(|t| inner.tokens.get(t)) {
            Some(TokenOwner::Bot(team)) => Some(team.clone()),
            _ => None,
        };
        let answer = methods::dispatch(&mut inner, shared.addr, &request);
        inner.calls.push(Call {
            method: request.method.clone(),
            team,
            params: Value::Object(request.params),
            at,
            ok: answer.is_ok(),
        });
        answer
    };
    shared.notify();
    match answer {
        Ok(mut body) => {
            if let Value::Object(fields) = &mut body {
                fields.insert("ok".to_owned(), Value::Bool(true));
            }
            Json(body).into_response()
        }
        Err(error) => slack_error(error),
    }
}

/// `{"ok":false,"error":…}` with HTTP 200, as Slack reports API errors.
pub(crate) fn slack_error(error: &str) -> Response {
    Json(json!({"ok": false, "error": error})).into_response()
}

fn team_of(shared: &Shared, token: Option<&str>) -> Option<String> {
    match token.and_then(|t| shared.lock().tokens.get(t).cloned()) {
        Some(TokenOwner::Bot(team)) => Some(team),
        _ => None,
    }
}

fn record(
    shared: &Shared,
    method: &str,
    team: Option<String>,
    params: Map<String, Value>,
    at: Instant,
    ok: bool,
) {
    shared.lock().calls.push(Call {
        method: method.to_owned(),
        team,
        params: Value::Object(params),
        at,
        ok,
    });
    shared.notify();
}

/// Reads token and arguments; an `Err` is the Slack error code to answer.
fn parse(
    method: String,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Request, &'static str> {
    let mut params = Map::new();
    let mut token_param = None;
    let mut take_pairs = |pairs: Vec<(String, String)>| {
        for (key, value) in pairs {
            if key == "token" {
                token_param = Some(value);
            } else {
                params.insert(key, Value::String(value));
            }
        }
    };

    if let Some(query) = query {
        take_pairs(serde_urlencoded::from_str(query).map_err(|_| "invalid_arguments")?);
    }
    let mut json_params = None;
    if !body.is_empty() {
        match media_type(headers).as_deref() {
            Some("application/x-www-form-urlencoded") => {
                take_pairs(serde_urlencoded::from_bytes(body).map_err(|_| "invalid_form_data")?);
            }
            Some("application/json") => {
                let value: Value = serde_json::from_slice(body).map_err(|_| "invalid_json")?;
                let Value::Object(mut fields) = value else {
                    return Err("json_not_object");
                };
                // A token in a JSON body is not accepted by Slack: drop it.
                fields.remove("token");
                json_params = Some(fields);
            }
            Some(_) => return Err("invalid_post_type"),
            None => return Err("missing_post_type"),
        }
    }
    if let Some(fields) = json_params
        && JSON_METHODS.contains(&method.as_str())
    {
        params.extend(fields);
    }

    let header_token = bearer(headers);
    let token = if HEADER_TOKEN_ONLY.contains(&method.as_str()) {
        header_token
    } else {
        header_token.or(token_param)
    };
    Ok(Request {
        method,
        token,
        params,
    })
}

/// The request's media type, lower case, without parameters.
fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let media = value.split(';').next().unwrap_or_default().trim();
    Some(media.to_ascii_lowercase())
}

/// The token of an `Authorization: Bearer …` header.
fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}
