//! The admin HTTP API: list teams with their status, add / update / remove
//! a team, check a token (slack-bot-manager's add_token, update_token,
//! remove_token, check_token), health and Prometheus metrics. Off unless
//! configured; every route but `/health` needs the admin bearer token.
//!
//! | route | |
//! |---|---|
//! | `GET /health` | liveness, no token needed |
//! | `GET /metrics` | Prometheus text |
//! | `GET /teams` | teams with bot and link status |
//! | `POST /teams` | add: `{"id","bot","token","app"?,"config"?}` |
//! | `PUT /teams/{id}` | update (same body) |
//! | `DELETE /teams/{id}` | remove |
//! | `POST /tokens/check` | `{"token"}` → what `auth.test` says |

mod auth;
mod dto;
mod handlers;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post, put};
use tokio::net::TcpListener;

use crate::secret::Secret;
use crate::serve::Host;
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
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_bearer,
        ));
    Router::new()
        .route("/health", get(handlers::health))
        .merge(protected)
        .with_state(state)
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
) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = router(state);
    let token = shutdown.token().clone();
    shutdown.spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { token.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "admin API stopped");
        }
    });
    tracing::info!(%bound, "admin API listening");
    Ok(bound)
}
