//! OAuth v2 in the fake (`shared/docs/protocols.md` §7): the authorize
//! page a browser is sent to (`GET /oauth/v2/authorize`), which redirects
//! back to the app's `redirect_uri` with a `code` and the `state` (or with
//! `error=access_denied`), and `oauth.v2.access`, which exchanges a code
//! (client credentials by HTTP Basic or in the form) for the workspace's
//! bot token, or with token rotation mints `xoxe.`-style tokens and renews
//! them with `grant_type=refresh_token`.
//!
//! Nobody signs in to the fake: a scenario says who approves (or denies)
//! the next install with [`FakeSlack::approve_next_install`] and
//! [`FakeSlack::deny_next_install`]. Undocumented by Slack and picked here:
//! a code is good once, for 10 minutes (not enforced: codes are used at
//! once); the previous refresh token stops working when a new pair is
//! issued; the previous access token keeps working until the scenario
//! revokes it.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::recording::Call;
use super::state::{Shared, TokenOwner};
use super::{FakeSlack, claim_token};

/// An app that can be installed.
#[derive(Debug, Clone)]
struct OAuthApp {
    app_id: String,
    client_secret: String,
    /// With token rotation: the access tokens' lifetime.
    rotation: Option<Duration>,
}

/// What the next visitor of the authorize page does.
#[derive(Debug, Clone)]
enum Decision {
    Approve { team: String, user: String },
    Deny,
}

/// A code handed out by the authorize page.
#[derive(Debug)]
struct Grant {
    client_id: String,
    team: String,
    user: String,
    scope: String,
    redirect_uri: String,
}

/// The OAuth part of the fake's state.
#[derive(Debug, Default)]
pub(crate) struct OAuthState {
    apps: HashMap<String, OAuthApp>,
    next: VecDeque<Decision>,
    codes: HashMap<String, Grant>,
    /// Live refresh tokens → (client id, team).
    refresh: HashMap<String, (String, String)>,
    /// The latest access token of each team (rotating apps).
    current: HashMap<String, String>,
    minted: u64,
}

impl FakeSlack {
    /// The authorize page, e.g. `http://127.0.0.1:PORT/oauth/v2/authorize`.
    pub fn authorize_url(&self) -> String {
        format!("http://{}/oauth/v2/authorize", self.shared.addr)
    }

    /// Makes the Socket Mode app `app_id` (added with
    /// [`FakeSlack::add_app`]) installable with these client credentials;
    /// `rotation` turns token rotation on with that token lifetime.
    pub fn add_oauth_app(
        &self,
        app_id: &str,
        client_id: &str,
        client_secret: &str,
        rotation: Option<Duration>,
    ) {
        self.shared.lock().oauth.apps.insert(
            client_id.to_owned(),
            OAuthApp {
                app_id: app_id.to_owned(),
                client_secret: client_secret.to_owned(),
                rotation,
            },
        );
    }

    /// The next visit of the authorize page is `user` of `team` (a
    /// workspace added with [`FakeSlack::add_workspace`]) clicking "Allow".
    pub fn approve_next_install(&self, team: &str, user: &str) {
        self.shared.lock().oauth.next.push_back(Decision::Approve {
            team: team.to_owned(),
            user: user.to_owned(),
        });
    }

    /// The next visit of the authorize page clicks "Cancel".
    pub fn deny_next_install(&self) {
        self.shared.lock().oauth.next.push_back(Decision::Deny);
    }

    /// The access token last issued for `team` by a rotating app.
    pub fn current_token(&self, team: &str) -> Option<String> {
        self.shared.lock().oauth.current.get(team).cloned()
    }
}

fn page(status: StatusCode, text: &str) -> Response {
    (status, format!("<!doctype html><p>{text}</p>")).into_response()
}

/// `redirect_uri` with `pairs` added to its query.
fn back_to(redirect_uri: &str, pairs: &[(&str, &str)]) -> String {
    let query = serde_urlencoded::to_string(pairs).unwrap_or_default();
    let join = if redirect_uri.contains('?') { '&' } else { '?' };
    format!("{redirect_uri}{join}{query}")
}

/// `GET /oauth/v2/authorize`.
pub(crate) async fn authorize(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| query.get(k).cloned().unwrap_or_default();
    let (client_id, redirect_uri, state) = (get("client_id"), get("redirect_uri"), get("state"));
    let mut inner = shared.lock();
    if !inner.oauth.apps.contains_key(&client_id) {
        return page(StatusCode::BAD_REQUEST, "invalid_client_id");
    }
    if !redirect_uri.starts_with("http://127.0.0.1:") {
        return page(StatusCode::BAD_REQUEST, "bad_redirect_uri");
    }
    let Some(decision) = inner.oauth.next.pop_front() else {
        return page(StatusCode::BAD_REQUEST, "nobody is signed in to the fake");
    };
    let (target, ok) = match decision {
        Decision::Deny => (
            back_to(
                &redirect_uri,
                &[("error", "access_denied"), ("state", &state)],
            ),
            false,
        ),
        Decision::Approve { team, user } => {
            let code = format!("code-{}", inner.next_seq());
            inner.oauth.codes.insert(
                code.clone(),
                Grant {
                    client_id,
                    team,
                    user,
                    scope: get("scope"),
                    redirect_uri: redirect_uri.clone(),
                },
            );
            (
                back_to(&redirect_uri, &[("code", &code), ("state", &state)]),
                true,
            )
        }
    };
    inner.calls.push(Call {
        method: "oauth/v2/authorize".into(),
        team: None,
        params: json!({"scope": get("scope"), "redirect_uri": redirect_uri}),
        at: Instant::now(),
        ok,
    });
    drop(inner);
    shared.notify();
    Redirect::to(&target).into_response()
}

/// Client id and secret from HTTP Basic, else from the form.
fn client(headers: &HeaderMap, form: &HashMap<String, String>) -> Option<(String, String)> {
    basic(headers).or_else(|| {
        Some((
            form.get("client_id")?.clone(),
            form.get("client_secret")?.clone(),
        ))
    })
}

/// Client id and secret from HTTP Basic.
fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.split_once(':').map(|(a, b)| (a.to_owned(), b.to_owned())))
}

/// `POST /api/oauth.v2.access`.
pub(crate) async fn access(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let at = Instant::now();
    let mut inner = shared.lock();
    let answer = exchange(&mut inner, client(&headers, &form), &form);
    let mut params = Map::new();
    // How the client authenticated (never the secret itself).
    let auth = if basic(&headers).is_some() {
        "basic"
    } else {
        "form"
    };
    params.insert("client_auth".into(), Value::String(auth.into()));
    for key in ["grant_type", "redirect_uri"] {
        if let Some(v) = form.get(key) {
            params.insert(key.into(), Value::String(v.clone()));
        }
    }
    let (team, ok) = match &answer {
        Ok(v) => (v["team"]["id"].as_str().map(str::to_owned), true),
        Err(_) => (None, false),
    };
    inner.calls.push(Call {
        method: "oauth.v2.access".into(),
        team,
        params: Value::Object(params),
        at,
        ok,
    });
    drop(inner);
    shared.notify();
    match answer {
        Ok(v) => Json(v).into_response(),
        Err(code) => Json(json!({"ok": false, "error": code})).into_response(),
    }
}

fn exchange(
    inner: &mut super::state::Inner,
    client: Option<(String, String)>,
    form: &HashMap<String, String>,
) -> Result<Value, &'static str> {
    let (client_id, secret) = client.ok_or("invalid_client_id")?;
    let app = inner
        .oauth
        .apps
        .get(&client_id)
        .cloned()
        .ok_or("invalid_client_id")?;
    if app.client_secret != secret {
        return Err("bad_client_secret");
    }
    if form.get("grant_type").map(String::as_str) == Some("refresh_token") {
        let old = form.get("refresh_token").ok_or("invalid_refresh_token")?;
        let (owner, team) = inner
            .oauth
            .refresh
            .remove(old)
            .ok_or("invalid_refresh_token")?;
        if owner != client_id {
            return Err("invalid_refresh_token");
        }
        let lifetime = app.rotation.ok_or("invalid_refresh_token")?;
        let (token, refresh) = mint(inner, &client_id, &team);
        return Ok(json!({
            "ok": true, "access_token": token, "token_type": "bot",
            "expires_in": lifetime.as_secs(), "refresh_token": refresh,
            "team": {"id": team}, "enterprise": null,
        }));
    }
    let code = form.get("code").ok_or("invalid_code")?;
    let grant = inner.oauth.codes.remove(code).ok_or("invalid_code")?;
    if grant.client_id != client_id {
        return Err("invalid_code");
    }
    if form.get("redirect_uri") != Some(&grant.redirect_uri) {
        return Err("bad_redirect_uri");
    }
    let ws = inner
        .teams
        .get(&grant.team)
        .map(|t| t.ws.clone())
        .ok_or("team_not_found")?;
    if let Some(socket) = inner.apps.get_mut(&app.app_id)
        && !socket.teams.contains(&grant.team)
    {
        socket.teams.push(grant.team.clone());
    }
    let mut answer = json!({
        "ok": true, "access_token": ws.bot_token, "token_type": "bot",
        "scope": grant.scope, "bot_user_id": ws.bot_user_id, "app_id": app.app_id,
        "team": {"id": ws.team_id, "name": ws.team_name}, "enterprise": null,
        "is_enterprise_install": false, "authed_user": {"id": grant.user},
    });
    if let Some(lifetime) = app.rotation {
        let (token, refresh) = mint(inner, &client_id, &grant.team);
        answer["access_token"] = json!(token);
        answer["refresh_token"] = json!(refresh);
        answer["expires_in"] = json!(lifetime.as_secs());
    }
    Ok(answer)
}

/// A fresh rotating access token for `team` (valid at once) and its
/// refresh token.
fn mint(inner: &mut super::state::Inner, client_id: &str, team: &str) -> (String, String) {
    inner.oauth.minted += 1;
    let n = inner.oauth.minted;
    let token = format!("xoxe.xoxb-{team}-{n}");
    let refresh = format!("xoxe-1-{team}-{n}");
    claim_token(&mut inner.tokens, &token, TokenOwner::Bot(team.to_owned()));
    inner
        .oauth
        .refresh
        .insert(refresh.clone(), (client_id.to_owned(), team.to_owned()));
    inner.oauth.current.insert(team.to_owned(), token.clone());
    (token, refresh)
}
