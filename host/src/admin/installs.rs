//! `GET /installations`: the workspaces that installed an app with "Add to
//! Slack", with who installed it, the granted scopes and when; never a
//! token.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use super::AdminState;
use super::reply::error;
use crate::storage::Installation;

/// One installation as the API shows it.
#[derive(Debug, Serialize)]
struct InstallView {
    team: String,
    team_name: Option<String>,
    enterprise: Option<String>,
    /// Always `oauth`: the source of the team it started.
    source: &'static str,
    app: String,
    installer: Option<String>,
    bot_user: Option<String>,
    scopes: Vec<String>,
    /// Unix seconds.
    installed_at: u64,
    /// Whether the bot token rotates, and when it expires (Unix seconds).
    rotating: bool,
    token_expires_at: Option<u64>,
    /// Whether the host serves the team right now.
    served: bool,
}

fn unix(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn view(install: Installation, served: bool) -> InstallView {
    InstallView {
        team: install.team.to_string(),
        team_name: install.team_name,
        enterprise: install.enterprise,
        source: "oauth",
        app: install.app,
        installer: install.installer,
        bot_user: install.bot_user,
        scopes: install
            .scopes
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        installed_at: unix(install.installed_at),
        rotating: install.refresh.is_some(),
        token_expires_at: install.refresh.map(|r| unix(r.expires_at)),
        served,
    }
}

pub(super) async fn list(State(state): State<Arc<AdminState>>) -> Response {
    match state.host.storage().installs.load().await {
        Ok(installs) => {
            let views: Vec<InstallView> = installs
                .into_iter()
                .map(|i| {
                    let served = state.host.contains(&i.team);
                    view(i, served)
                })
                .collect();
            Json(json!({"ok": true, "installations": views})).into_response()
        }
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, e),
    }
}
