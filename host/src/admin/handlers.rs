//! Admin API handlers. Every error answers JSON `{"ok": false, "error"}`
//! with a fitting status; none panics on input. Every change (add, update,
//! remove) is logged with the team, the source and the outcome: the audit
//! trail of who changed what through the API.

use std::future::Future;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::AdminState;
use super::dto::{TokenCheck, TokenInfo};
use super::reply::{ApiError, Body, TeamPath, error};
use crate::ids::TeamId;
use crate::spec::{TeamSource, TeamSpec};
use crate::team::TeamError;

type Shared = State<Arc<AdminState>>;

/// Logs the outcome of a change made through the API, then answers: the
/// reason of a refusal is what the client is told (a team error never
/// holds a token).
fn audited(
    op: &'static str,
    team: &TeamId,
    result: Result<(), ApiError>,
    done: &'static str,
    answer: impl FnOnce() -> Response,
) -> Response {
    match result {
        Ok(()) => {
            tracing::info!(%team, source = "admin", op, outcome = done, "admin: team {done}");
            answer()
        }
        Err(e) => {
            tracing::warn!(
                %team,
                source = "admin",
                op,
                outcome = "refused",
                status = e.status.as_u16(),
                error = %e.message,
                "admin: {op} refused"
            );
            e.into_response()
        }
    }
}

fn team_error(e: &TeamError) -> ApiError {
    let status = match e {
        TeamError::UnknownTeam(_) => StatusCode::NOT_FOUND,
        TeamError::Load(_)
        | TeamError::InitRefused { .. }
        | TeamError::ReconfigureRefused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        TeamError::Link(_) => StatusCode::BAD_GATEWAY,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    ApiError::new(status, e)
}

/// A request's team, marked as the admin API's.
fn admin_spec(mut spec: TeamSpec) -> TeamSpec {
    spec.source = TeamSource::Admin;
    spec
}

/// Runs a team operation as a task of the host, so it completes even if
/// the client disconnects mid-request.
async fn to_completion<T: Send + 'static>(
    state: &AdminState,
    op: impl Future<Output = Result<T, TeamError>> + Send + 'static,
) -> Result<T, ApiError> {
    match state.host.tasks().spawn(op).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(team_error(&e)),
        Err(e) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("operation aborted: {e}"),
        )),
    }
}

pub(super) async fn health(State(state): Shared) -> Response {
    Json(json!({"ok": true, "teams": state.host.len()})).into_response()
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
    Json(json!({"ok": true, "teams": state.host.teams()})).into_response()
}

pub(super) async fn add(State(state): Shared, Body(spec): Body<TeamSpec>) -> Response {
    let id = spec.id.clone();
    if state.host.contains(&id) {
        let refused = Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("team {id} is already served"),
        ));
        return audited("add", &id, refused, "added", || {
            StatusCode::CONFLICT.into_response()
        });
    }
    let host = state.host.clone();
    let result = to_completion(&state, async move { host.try_add(admin_spec(spec)).await }).await;
    // Registered but not running (the chat is unreachable, the bot refused
    // its config): accepted, and the state says why.
    if result.is_err()
        && let Some(view) = state.host.team(&id)
    {
        tracing::warn!(team = %id, source = "admin", op = "add", outcome = "accepted", bot = %view.bot, "admin: team added, not running yet");
        return (
            StatusCode::ACCEPTED,
            Json(json!({"ok": true, "team": id, "state": view})),
        )
            .into_response();
    }
    audited("add", &id, result, "added", || {
        (StatusCode::CREATED, Json(json!({"ok": true, "team": id}))).into_response()
    })
}

pub(super) async fn update(
    State(state): Shared,
    TeamPath(id): TeamPath,
    Body(spec): Body<TeamSpec>,
) -> Response {
    let result = if spec.id != id {
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "team id in the path and body differ",
        ))
    } else {
        let host = state.host.clone();
        to_completion(&state, async move {
            host.update_as_operator(admin_spec(spec)).await
        })
        .await
    };
    // The operator may change any team; the answer says so when it was
    // another source's (the team stays that source's).
    let (result, owner) = match result {
        Ok(owner) => (Ok(()), owner),
        Err(e) => (Err(e), None),
    };
    audited("update", &id, result, "updated", || match owner {
        Some(owner) => Json(json!({
            "ok": true,
            "team": id,
            "owner": owner,
            "warning": format!("team {id} belongs to {owner}; updated by the operator"),
        }))
        .into_response(),
        None => Json(json!({"ok": true, "team": id})).into_response(),
    })
}

pub(super) async fn remove(State(state): Shared, TeamPath(team): TeamPath) -> Response {
    let host = state.host.clone();
    let removing = team.clone();
    let task = state
        .host
        .tasks()
        .spawn(async move { host.remove_as_operator(&removing).await });
    let owner = task.await.ok().flatten();
    let result = match owner {
        Some(_) => Ok(()),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("team {team} is not served"),
        )),
    };
    audited("remove", &team, result, "removed", || match owner {
        // Removed all the same; the answer says whose it was, since that
        // source may add it again.
        Some(owner) if owner != TeamSource::Admin => Json(json!({
            "ok": true,
            "team": team,
            "owner": owner,
            "warning": format!("team {team} belonged to {owner}; removed by the operator"),
        }))
        .into_response(),
        _ => StatusCode::NO_CONTENT.into_response(),
    })
}

/// Ends a team's quarantine now (an operator's decision).
pub(super) async fn release(State(state): Shared, TeamPath(team): TeamPath) -> Response {
    let result = match state.host.handle(&team) {
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("team {team} is not served"),
        )),
        Some(handle) => match handle.release().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(ApiError::new(
                StatusCode::CONFLICT,
                format!("team {team} is not quarantined"),
            )),
            Err(e) => Err(team_error(&e)),
        },
    };
    audited("release", &team, result, "released", || {
        Json(json!({"ok": true, "team": team})).into_response()
    })
}

/// Changes refused because the team belongs to another source.
pub(super) async fn conflicts(State(state): Shared) -> Response {
    Json(json!({"ok": true, "conflicts": state.host.conflicts()})).into_response()
}

pub(super) async fn check_token(State(state): Shared, Body(req): Body<TokenCheck>) -> Response {
    let Some(slack) = state.host.slack() else {
        return error(
            StatusCode::NOT_IMPLEMENTED,
            "this host serves no Slack teams",
        );
    };
    let info = match slack.web().auth_test(&req.token).await {
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
