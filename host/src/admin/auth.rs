//! Bearer-token check for the admin API, in constant time so the token
//! cannot be guessed byte by byte from response times. Refusals are logged
//! (method, path, client address, why), never with what was presented.

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use subtle::ConstantTimeEq;

use super::AdminState;
use super::reply::{error, peer};

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
    let why = match presented {
        Some(token) if bool::from(token.as_bytes().ct_eq(expected)) => {
            return next.run(request).await;
        }
        Some(_) => "wrong bearer token",
        None => "missing bearer token",
    };
    tracing::warn!(
        method = %request.method(),
        path = request.uri().path(),
        peer = peer(&request).map(tracing::field::display),
        reason = why,
        "admin: request refused"
    );
    refuse(why)
}

fn refuse(why: &'static str) -> Response {
    let mut response = error(StatusCode::UNAUTHORIZED, why);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    response
}
