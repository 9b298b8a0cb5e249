//! The one shape of every admin API error, `{"ok": false, "error": "…"}`,
//! and the request pieces that could otherwise make axum answer in plain
//! text: a JSON body that is malformed, of the wrong shape or type, or
//! carries unknown fields ([`Body`]), a team id in the path that is not
//! one ([`TeamPath`]), an unknown route or method ([`not_found`],
//! [`method_not_allowed`]). Refusals are logged at WARN
//! with the method and path only: a body may hold a token, so neither it
//! nor the parser's message (which quotes input) reaches a log line.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::ids::TeamId;

/// An error answer not sent yet, so a handler can log why before
/// answering.
#[derive(Debug)]
pub(super) struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub(super) fn new(status: StatusCode, message: impl std::fmt::Display) -> Self {
        Self {
            status,
            message: message.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({"ok": false, "error": self.message})),
        )
            .into_response()
    }
}

/// An error answer in the API's JSON shape.
pub(super) fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    ApiError::new(status, message).into_response()
}

/// The client's address, when the server was started with connect info
/// (the tests' bare router has none).
pub(super) fn peer(request: &Request) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0)
}

/// A JSON request body; a body that cannot be read as `T` is answered
/// in the API's shape instead of axum's plain text.
#[derive(Debug)]
pub(super) struct Body<T>(pub T);

impl<T, S> FromRequest<S> for Body<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let peer = peer(&request);
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => {
                let (status, kind) = classify(&rejection);
                tracing::warn!(
                    %method,
                    path,
                    peer = peer.map(tracing::field::display),
                    status = status.as_u16(),
                    reason = kind,
                    "admin: request body refused"
                );
                Err(error(status, rejection.body_text()))
            }
        }
    }
}

/// The `{id}` of a route, checked like a team id in a body
/// ([`TeamId::parse`]).
#[derive(Debug)]
pub(super) struct TeamPath(pub TeamId);

impl<S: Send + Sync> FromRequestParts<S> for TeamPath {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let method = parts.method.clone();
        let path = parts.uri.path().to_owned();
        let refuse = |message: String| {
            tracing::warn!(
                %method,
                path,
                reason = "bad team id in the path",
                "admin: request refused"
            );
            error(StatusCode::BAD_REQUEST, message)
        };
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| refuse(rejection.body_text()))?;
        TeamId::parse(&raw)
            .map(Self)
            .map_err(|e| refuse(e.to_string()))
    }
}

/// The status and a loggable (input-free) reason for a refused body. A
/// body that parses but does not fit the request (wrong type, unknown
/// field, bad team id) is the client's mistake like a syntax error: 400.
fn classify(rejection: &JsonRejection) -> (StatusCode, &'static str) {
    match rejection {
        JsonRejection::JsonSyntaxError(_) => (StatusCode::BAD_REQUEST, "malformed JSON"),
        JsonRejection::JsonDataError(_) => (StatusCode::BAD_REQUEST, "JSON of the wrong shape"),
        JsonRejection::MissingJsonContentType(_) => {
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "not application/json")
        }
        other => (other.status(), "unreadable body"),
    }
}

/// Fallback for routes the API does not have.
pub(super) async fn not_found(method: Method, uri: Uri) -> Response {
    error(
        StatusCode::NOT_FOUND,
        format!("no route {method} {}", uri.path()),
    )
}

/// Fallback for a known route asked with a method it does not take.
pub(super) async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{} does not take {method}", uri.path()),
    )
}
