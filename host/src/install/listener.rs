//! A minimal `[http] bind` listener serving the install routes. Kept
//! apart on purpose: where the host has a listener for Slack's requests
//! (events, commands), the install [`router`](super::router) is merged
//! into it and this file goes.

use std::net::SocketAddr;

use axum::Router;
use thiserror::Error;
use tokio::net::TcpListener;

use crate::shutdown::Shutdown;

#[derive(Debug, Error)]
pub enum ListenError {
    #[error("[http] cannot bind {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// Binds `addr` and serves `router` until `shutdown` is cancelled; returns
/// the bound address (useful with port 0).
///
/// # Errors
/// The address cannot be bound.
pub async fn start(
    addr: SocketAddr,
    router: Router,
    shutdown: &Shutdown,
) -> Result<SocketAddr, ListenError> {
    let bind = |source| ListenError::Bind { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(bind)?;
    let bound = listener.local_addr().map_err(bind)?;
    serve(listener, router, shutdown);
    tracing::info!(%bound, "HTTP listener (installs) listening");
    Ok(bound)
}

/// Serves `router` on an already bound `listener` until `shutdown` is
/// cancelled.
pub fn serve(listener: TcpListener, router: Router, shutdown: &Shutdown) {
    let token = shutdown.token().clone();
    shutdown.spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async move { token.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "HTTP listener stopped");
        }
    });
}
