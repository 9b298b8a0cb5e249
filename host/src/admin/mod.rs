//! The admin HTTP API: list teams with their status, add / update / remove
//! a team, check a token (slack-bot-manager's add_token, update_token,
//! remove_token, check_token), health and Prometheus metrics. Off unless
//! configured; every route but `/health` needs the admin bearer token.
//! The admin API is the operator: it may update or remove any team, also
//! one the teams file or the resourcer added (logged, and said in the
//! answer; the team keeps its owner).
//!
//! | route | |
//! |---|---|
//! | `GET /health` | liveness, no token needed |
//! | `GET /metrics` | Prometheus text |
//! | `GET /teams` | teams with bot and link status |
//! | `POST /teams` | add: `{"id","bot","token","app"?,"config"?}` |
//! | `PUT /teams/{id}` | update (same body) |
//! | `DELETE /teams/{id}` | remove |
//! | `GET /conflicts` | changes refused because another source owns the team |
//! | `GET /installations` | "Add to Slack" installs: installer, scopes, installed-at (never tokens) |
//! | `POST /tokens/check` | `{"token"}` → what `auth.test` says |

mod auth;
mod dto;
mod handlers;
mod installs;
mod reply;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post, put};
use thiserror::Error;
use tokio::net::TcpListener;

use crate::host::Host;
use crate::secret::Secret;
use crate::shutdown::Shutdown;

/// What the handlers share.
#[derive(Debug)]
pub struct AdminState {
    pub host: Arc<Host>,
    pub token: Secret,
}

/// The API's routes over `state`.
pub fn router(state: Arc<AdminState>) -> Router {
    let protected = Router::new()
        .route("/metrics", get(handlers::metrics))
        .route("/teams", get(handlers::list).post(handlers::add))
        .route(
            "/teams/{id}",
            put(handlers::update).delete(handlers::remove),
        )
        .route("/tokens/check", post(handlers::check_token))
        .route("/teams/{id}/release", post(handlers::release))
        .route("/conflicts", get(handlers::conflicts))
        .route("/installations", get(installs::list))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_bearer,
        ));
    Router::new()
        .route("/health", get(handlers::health))
        .merge(protected)
        .fallback(reply::not_found)
        .method_not_allowed_fallback(reply::method_not_allowed)
        .with_state(state)
}

/// Why the API could not start.
#[derive(Debug, Error)]
pub enum AdminError {
    /// Names the address: "address in use" alone does not say which of a
    /// host's listeners collided.
    #[error("cannot bind {addr}: {}", bind_reason(.source))]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

fn bind_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => "address in use".into(),
        std::io::ErrorKind::AddrNotAvailable => "no such local address".into(),
        std::io::ErrorKind::PermissionDenied => {
            "permission denied (ports below 1024 need privileges)".into()
        }
        _ => e.to_string(),
    }
}

/// Binds `addr` and serves the API until `shutdown` is cancelled; returns
/// the bound address (useful with port 0).
///
/// # Errors
/// The address cannot be bound.
pub async fn start(
    addr: SocketAddr,
    state: Arc<AdminState>,
    shutdown: &Shutdown,
) -> Result<SocketAddr, AdminError> {
    listen(addr, router(state), shutdown, "admin API").await
}

/// Binds `addr` and serves `routes` until `shutdown` is cancelled (the
/// admin API, the Slack request listener); returns the bound address.
///
/// # Errors
/// The address cannot be bound.
pub async fn listen(
    addr: SocketAddr,
    routes: Router,
    shutdown: &Shutdown,
    what: &'static str,
) -> Result<SocketAddr, AdminError> {
    let bind = |source| AdminError::Bind { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(bind)?;
    let bound = listener.local_addr().map_err(bind)?;
    serve_bound(listener, routes, shutdown, what);
    tracing::info!(%bound, what, "listening");
    Ok(bound)
}

/// Serves `routes` on an already bound `listener` until `shutdown` is
/// cancelled (for a caller that must know the port before it builds the
/// routes).
pub fn serve_bound(listener: TcpListener, routes: Router, shutdown: &Shutdown, what: &'static str) {
    // Connect info: refusals are logged with the client's address.
    let app = routes.into_make_service_with_connect_info::<SocketAddr>();
    let token = shutdown.token().clone();
    shutdown.spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { token.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, what, "listener stopped");
        }
    });
}
