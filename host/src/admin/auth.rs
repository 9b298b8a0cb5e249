//! Bearer-token check for the admin API, in constant time so the token
//! cannot be guessed byte by byte from response times.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::AdminState;

/// Lets a request through only with `Authorization: Bearer <admin token>`.
pub(super) async fn require_bearer(
    State(state): State<std::sync::Arc<AdminState>>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let expected = state.token.expose().as_bytes();
    match presented {
        Some(token) if bool::from(token.as_bytes().ct_eq(expected)) => next.run(request).await,
        Some(_) => refuse("wrong bearer token"),
        None => refuse("missing bearer token"),
    }
}

fn refuse(why: &'static str) -> Response {
    let body = axum::Json(serde_json::json!({"ok": false, "error": why}));
    let mut response = (StatusCode::UNAUTHORIZED, body).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    response
}
