//! Admin API handlers. Every error answers JSON `{"ok": false, "error"}`
//! with a fitting status; none panics on input.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::AdminState;
use super::dto::{TeamRequest, TeamView, TokenCheck, TokenInfo};
use crate::config::ResolvedTeam;
use crate::ids::TeamId;
use crate::serve::HostError;
use crate::team::TeamError;

type Shared = State<Arc<AdminState>>;

fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (
        status,
        Json(json!({"ok": false, "error": message.to_string()})),
    )
        .into_response()
}

fn host_error(e: &HostError) -> Response {
    let status = match e {
        HostError::Team(TeamError::UnknownTeam(_)) => StatusCode::NOT_FOUND,
        HostError::Team(TeamError::Load(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        HostError::Team(TeamError::InitRefused { .. } | TeamError::ReconfigureRefused { .. }) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        HostError::Slack(_) => StatusCode::BAD_GATEWAY,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error(status, e)
}

fn join_error(e: &tokio::task::JoinError) -> HostError {
    HostError::Aborted(e.to_string())
}

fn resolved(req: TeamRequest) -> ResolvedTeam {
    ResolvedTeam {
        id: req.id,
        bot: req.bot,
        token: req.token,
        app: req.app,
        config: req.config,
    }
}

pub(super) async fn health(State(state): Shared) -> Response {
    Json(json!({"ok": true, "teams": state.host.manager().len()})).into_response()
}

pub(super) async fn metrics(State(state): Shared) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.host.render_metrics(),
    )
        .into_response()
}

pub(super) async fn list(State(state): Shared) -> Response {
    let teams: Vec<TeamView> = state
        .host
        .teams()
        .into_iter()
        .map(|t| TeamView {
            id: t.team,
            component: t.component,
            digest: t.digest,
            bot: t.bot,
            link: t.link,
        })
        .collect();
    Json(json!({"ok": true, "teams": teams})).into_response()
}

pub(super) async fn add(State(state): Shared, Json(req): Json<TeamRequest>) -> Response {
    let id = req.id.clone();
    if state.host.manager().handle(&id).is_some() {
        return error(StatusCode::CONFLICT, format!("team {id} is already served"));
    }
    // Run to completion even if the client disconnects mid-request.
    let host = state.host.clone();
    let task = state
        .host
        .tasks()
        .spawn(async move { host.add(resolved(req)).await });
    match task.await.unwrap_or_else(|e| Err(join_error(&e))) {
        Ok(()) => (StatusCode::CREATED, Json(json!({"ok": true, "team": id}))).into_response(),
        Err(e) => host_error(&e),
    }
}

pub(super) async fn update(
    State(state): Shared,
    Path(id): Path<String>,
    Json(req): Json<TeamRequest>,
) -> Response {
    if req.id.as_str() != id {
        return error(
            StatusCode::BAD_REQUEST,
            "team id in the path and body differ",
        );
    }
    let host = state.host.clone();
    let task = state
        .host
        .tasks()
        .spawn(async move { host.update(resolved(req)).await });
    match task.await.unwrap_or_else(|e| Err(join_error(&e))) {
        Ok(()) => Json(json!({"ok": true, "team": id})).into_response(),
        Err(e) => host_error(&e),
    }
}

pub(super) async fn remove(State(state): Shared, Path(id): Path<String>) -> Response {
    let host = state.host.clone();
    let team = TeamId::new(id.clone());
    let task = state
        .host
        .tasks()
        .spawn(async move { host.remove(&team).await });
    if task.await.unwrap_or(false) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        error(StatusCode::NOT_FOUND, format!("team {id} is not served"))
    }
}

pub(super) async fn check_token(State(state): Shared, Json(req): Json<TokenCheck>) -> Response {
    let info = match state.host.check_token(&req.token).await {
        Ok(auth) => TokenInfo {
            ok: true,
            team_id: Some(auth.team_id.to_string()),
            team: Some(auth.team_name),
            user_id: Some(auth.user_id.to_string()),
            error: None,
        },
        Err(e) => TokenInfo {
            ok: false,
            team_id: None,
            team: None,
            user_id: None,
            error: Some(e.code().to_owned()),
        },
    };
    Json(info).into_response()
}
