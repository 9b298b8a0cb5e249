//! A fake Slack for integration tests: one HTTP + WebSocket server on
//! `127.0.0.1` (port chosen by the OS) that speaks the real wire protocols
//! (Web API methods, RTM, Socket Mode; and, as a client, signed Events API
//! requests to the host's request URLs), records what the client sends and
//! injects faults on command. The real host is pointed at
//! [`FakeSlack::base_url`] and talks to it over real loopback sockets, so
//! its HTTP client, WebSocket client, backoff and liveness code all run.
//!
//! The protocol reference is `shared/docs/protocols.md` §§2–6 (§7 for the
//! OAuth install, in `oauth.rs`). Where Slack's
//! behaviour is undocumented the fake picks something plausible and says so
//! in the item's docs.
//!
//! Lifetime: every task of the fake is owned by it. [`FakeSlack::shutdown`]
//! stops them and waits; dropping the last handle stops them too (without
//! waiting).
//!
//! Clocks: timestamps ([`Post::at`], [`Call::at`]), ticket expiry (30 s),
//! [`Fault::Slow`] and Socket Mode pings use the tokio clock, so scenarios
//! may run under a paused clock; the 10 s limit of the `wait_*` helpers is
//! wall-clock time so that a paused clock cannot trip it early.

mod conn;
mod contract;
mod events_http;
mod faults;
mod methods;
mod oauth;
mod recording;
mod rtm;
mod socket_mode;
mod state;
mod wait;
mod web_api;
mod workspace;

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::json;
use tokio::net::TcpListener;

pub use events_http::{ACK_TIMEOUT, Attempt, EventsApp, Retries, Tamper, slack_signature};
pub use faults::Fault;
pub use recording::{Call, Post};
pub use workspace::{BOT_NAME, Workspace};

use state::{AppState, Shared, TeamState, TokenOwner};
use wait::wait_for;

/// Handle to a running fake Slack; clones share the same server.
#[derive(Clone)]
pub struct FakeSlack {
    shared: Arc<Shared>,
    // Stops the server when the last handle goes.
    _owner: Arc<Owner>,
}

/// Cancels every task of the fake when dropped.
#[derive(Debug)]
struct Owner(Arc<Shared>);

impl Drop for Owner {
    fn drop(&mut self) {
        self.0.cancel.cancel();
        self.0.tracker.close();
    }
}

impl fmt::Debug for FakeSlack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeSlack")
            .field("addr", &self.shared.addr)
            .finish_non_exhaustive()
    }
}

impl FakeSlack {
    /// Starts a fake with no workspaces on `127.0.0.1:0`.
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub async fn start() -> FakeSlack {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("fake Slack: bind 127.0.0.1:0");
        let addr = listener
            .local_addr()
            .expect("fake Slack: local address of the listener");
        let shared = Arc::new(Shared::new(addr));
        let app = router(shared.clone());
        let stop = shared.cancel.clone().cancelled_owned();
        // Graceful shutdown also waits for every HTTP connection task axum
        // spawned; WebSocket tasks are tracked separately.
        shared.tracker.spawn(async move {
            if let Err(error) = axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await
            {
                eprintln!("fake Slack: server failed: {error}");
            }
        });
        FakeSlack {
            _owner: Arc::new(Owner(shared.clone())),
            shared,
        }
    }

    /// Web API base, e.g. `http://127.0.0.1:PORT/api/`; append the method
    /// name (`base_url() + "auth.test"`).
    pub fn base_url(&self) -> String {
        format!("http://{}/api/", self.shared.addr)
    }

    /// The address the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// Installs a workspace; its bot token becomes valid. Adding the same
    /// team again replaces it (and forgets its opened DMs).
    ///
    /// # Panics
    /// If the token already belongs to another team or an app.
    pub fn add_workspace(&self, ws: Workspace) {
        let mut inner = self.shared.lock();
        let owner = TokenOwner::Bot(ws.team_id.clone());
        claim_token(&mut inner.tokens, &ws.bot_token, owner);
        inner.teams.insert(
            ws.team_id.clone(),
            TeamState {
                ws,
                ims: Default::default(),
                rooms: Default::default(),
            },
        );
    }

    /// Registers a Socket Mode app with its app-level token, installed in
    /// `teams` (add those workspaces too, for their bot tokens).
    ///
    /// # Panics
    /// If the token already belongs to a workspace or another app.
    pub fn add_app(&self, app_id: &str, app_token: &str, teams: &[&str]) {
        let mut inner = self.shared.lock();
        claim_token(
            &mut inner.tokens,
            app_token,
            TokenOwner::App(app_id.to_owned()),
        );
        inner.apps.insert(app_id.to_owned(), AppState::new(teams));
    }

    /// Queues `fault` for the next call of `method` (FIFO: each call takes
    /// one). Faults apply before authentication and even to methods the
    /// fake does not implement.
    pub fn fail_next(&self, method: &str, fault: Fault) {
        self.shared
            .lock()
            .faults
            .entry(method.to_owned())
            .or_default()
            .push_back(fault);
    }

    /// Waits until every fault queued for `method` has been taken by a
    /// call: the call has arrived (a [`Fault::Slow`] one is now being
    /// held).
    ///
    /// # Panics
    /// After 10 s (wall clock).
    pub async fn wait_faults_taken(&self, method: &str) {
        wait_for(
            &self.shared,
            &format!("the faults queued for {method} to be taken"),
            |inner| {
                format!(
                    "still queued: {}",
                    inner
                        .faults
                        .get(method)
                        .map_or(0, std::collections::VecDeque::len)
                )
            },
            |inner| {
                inner
                    .faults
                    .get(method)
                    .is_none_or(std::collections::VecDeque::is_empty)
                    .then_some(())
            },
        )
        .await;
    }

    /// Revokes `token`: later calls with it get `token_revoked`, its unused
    /// WebSocket URLs stop working, and sockets opened with it (RTM for a
    /// bot token, Socket Mode for an app token) are closed with code 1000.
    /// (What Slack sends on such a socket is undocumented.)
    pub fn revoke_token(&self, token: &str) {
        let targets: Vec<_> = {
            let mut inner = self.shared.lock();
            inner.revoked.insert(token.to_owned());
            let rtm = inner.rtm.values().flat_map(|rtm| rtm.live.iter());
            let apps = inner.apps.values().flat_map(|app| app.live.iter());
            rtm.chain(apps)
                .filter(|live| live.token == token)
                .cloned()
                .collect()
        };
        for target in targets {
            target.command(conn::Command::Close(1000, "token_revoked"));
        }
    }

    /// Successful `chat.postMessage` calls, in order.
    pub fn posts(&self) -> Vec<Post> {
        self.shared.lock().posts.clone()
    }

    /// Waits until at least `n` messages were posted; returns all posts.
    ///
    /// # Panics
    /// After 10 s (wall clock), listing the posts and calls so far.
    pub async fn wait_posts(&self, n: usize) -> Vec<Post> {
        wait_for(
            &self.shared,
            &format!("{n} posts"),
            |inner| {
                let calls: Vec<_> = inner
                    .calls
                    .iter()
                    .map(|c| format!("{}(ok={})", c.method, c.ok))
                    .collect();
                format!("posts so far: {:#?}; calls: {calls:?}", inner.posts)
            },
            |inner| (inner.posts.len() >= n).then(|| inner.posts.clone()),
        )
        .await
    }

    /// Every call of `method` (ok or not), in the order they were answered.
    pub fn calls(&self, method: &str) -> Vec<Call> {
        self.shared
            .lock()
            .calls
            .iter()
            .filter(|call| call.method == method)
            .cloned()
            .collect()
    }

    /// Waits until `method` was called at least `n` times; returns those
    /// calls. (Not in the original brief: lets a scenario wait for, say,
    /// the host's `rtm.connect` retry.)
    ///
    /// # Panics
    /// After 10 s (wall clock), listing the calls so far.
    pub async fn wait_calls(&self, method: &str, n: usize) -> Vec<Call> {
        wait_for(
            &self.shared,
            &format!("{n} calls of {method}"),
            |inner| format!("calls so far: {:#?}", inner.calls),
            |inner| {
                let calls: Vec<Call> = inner
                    .calls
                    .iter()
                    .filter(|call| call.method == method)
                    .cloned()
                    .collect();
                (calls.len() >= n).then_some(calls)
            },
        )
        .await
    }

    /// Stops the server and every socket (clients see close code 1001) and
    /// waits for all of the fake's tasks to end.
    pub async fn shutdown(self) {
        self.shared.cancel.cancel();
        self.shared.tracker.close();
        self.shared.tracker.wait().await;
    }
}

fn claim_token(
    tokens: &mut std::collections::HashMap<String, TokenOwner>,
    token: &str,
    owner: TokenOwner,
) {
    if let Some(previous) = tokens.get(token) {
        let same_owner = previous == &owner;
        assert!(
            same_owner,
            "fake Slack: token {token:?} already belongs to {previous:?}"
        );
    }
    tokens.insert(token.to_owned(), owner);
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/{method}", get(web_api::handle).post(web_api::handle))
        .route("/api/oauth.v2.access", axum::routing::post(oauth::access))
        .route("/oauth/v2/authorize", get(oauth::authorize))
        .route("/rtm/{ticket}", get(rtm::upgrade))
        .route("/link", get(socket_mode::upgrade))
        .route("/link/", get(socket_mode::upgrade))
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                Json(json!({"ok": false, "error": "unknown_method"})),
            )
        })
        .with_state(shared)
}
