//! The Slack hub: the host's [`Connector`] for Slack teams, and the owner
//! of every Socket Mode app link. Connecting a team validates its token
//! with `auth.test` (under the team's own rate scheduler), fills its
//! users/channels cache, and hands the team's actor a [`SlackLink`] that
//! owns the team's connection tasks; activating it opens the team's RTM
//! socket or attaches it to its app's Socket Mode link, its app's HTTP
//! routes, or both. The hub also owns the apps served over HTTP
//! ([`HttpApps`]) and the queue of [`Uninstall`]s both app transports feed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::DropGuard;

use super::api::WebClient;
use super::events::BotIdentity;
use super::http::{HttpApp, HttpApps};
use super::link::TeamLink;
use super::linked::SlackLink;
use super::ratelimit::{CallError, Method, RateLimiter};
use super::routes::{UNINSTALL_QUEUE, Uninstall};
use super::socket_mode::AppLink;
use super::tuning::Tuning;
use super::{directory_fill, socket_mode};
use crate::chat::{Connector, Link, LinkError};
use crate::event::EventSink;
use crate::metrics::Metrics;
use crate::secret::Secret;
use crate::shutdown::Shutdown;
use crate::spec::TeamSpec;
use crate::team_info::TeamInfo;

/// How a team's events reach the host, chosen when it connects.
pub(super) enum Pending {
    /// The team's own RTM socket (no app).
    Rtm(mpsc::Receiver<super::link::RtmOutgoing>),
    /// Its app's transports.
    App(AppTransport),
}

/// How an app's events reach the host: the choice is made from what the
/// app has (an app token, a signing secret, or both), never from a string.
#[derive(Clone)]
pub(super) enum AppTransport {
    /// The app's Socket Mode link.
    SocketMode(Arc<AppLink>),
    /// The app's HTTP request URLs; there is no socket.
    Http(Arc<HttpApp>),
    /// Both: Slack uses Socket Mode while it is on, the request URLs
    /// otherwise; the team listens on both.
    Both {
        socket: Arc<AppLink>,
        http: Arc<HttpApp>,
    },
}

impl AppTransport {
    fn of(socket: Option<Arc<AppLink>>, http: Option<Arc<HttpApp>>) -> Option<Self> {
        Some(match (socket, http) {
            (Some(socket), Some(http)) => AppTransport::Both { socket, http },
            (Some(socket), None) => AppTransport::SocketMode(socket),
            (None, Some(http)) => AppTransport::Http(http),
            (None, None) => return None,
        })
    }

    pub(super) fn socket(&self) -> Option<&Arc<AppLink>> {
        match self {
            AppTransport::SocketMode(socket) | AppTransport::Both { socket, .. } => Some(socket),
            AppTransport::Http(_) => None,
        }
    }

    pub(super) fn http(&self) -> Option<&Arc<HttpApp>> {
        match self {
            AppTransport::Http(http) | AppTransport::Both { http, .. } => Some(http),
            AppTransport::SocketMode(_) => None,
        }
    }
}

/// An app's Socket Mode tasks (its socket and its rate scheduler).
struct Running {
    scope: Shutdown,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    async fn stop(self) {
        self.scope.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// The Slack side of the host: Web API client, timings, app links.
pub struct SlackHub {
    web: WebClient,
    tuning: Tuning,
    metrics: Arc<Metrics>,
    apps: Mutex<HashMap<String, (Arc<AppLink>, Running)>>,
    /// Apps whose events come over HTTP.
    http: Arc<HttpApps>,
    uninstalls: mpsc::Sender<Uninstall>,
    /// Taken once by whoever applies uninstalls (the host).
    uninstalls_rx: Mutex<Option<mpsc::Receiver<Uninstall>>>,
    shutdown: Shutdown,
    /// Dropping the hub stops every link it started.
    _guard: DropGuard,
}

impl std::fmt::Debug for SlackHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackHub")
            .field(
                "apps",
                &self
                    .apps
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .len(),
            )
            .finish_non_exhaustive()
    }
}

impl SlackHub {
    /// A hub whose links live under `shutdown`.
    pub fn new(web: WebClient, tuning: Tuning, metrics: Arc<Metrics>, shutdown: Shutdown) -> Self {
        let (uninstalls, uninstalls_rx) = mpsc::channel(UNINSTALL_QUEUE);
        Self {
            web,
            tuning,
            http: Arc::new(HttpApps::new(metrics.clone(), uninstalls.clone())),
            metrics,
            apps: Mutex::default(),
            uninstalls,
            uninstalls_rx: Mutex::new(Some(uninstalls_rx)),
            _guard: shutdown.token().clone().drop_guard(),
            shutdown,
        }
    }

    /// Starts an app's Socket Mode link (idempotent per app id).
    pub fn add_app(&self, app_id: &str, app_token: Secret) {
        let mut apps = self.apps.lock().unwrap_or_else(PoisonError::into_inner);
        if apps.contains_key(app_id) {
            return;
        }
        let scope = self.shutdown.child();
        // The app token has its own scheduler: `apps.connections.open` is
        // limited per app, not per team.
        let (limiter, limiter_task) = RateLimiter::new(scope.token().clone());
        let app = AppLink::new(
            app_id.to_owned(),
            app_token,
            self.web.clone(),
            limiter,
            self.tuning.clone(),
            self.metrics.clone(),
            self.uninstalls.clone(),
        );
        let tasks = vec![
            scope.spawn(limiter_task),
            scope.spawn(socket_mode::run(app.clone(), scope.token().clone())),
        ];
        apps.insert(app_id.to_owned(), (app, Running { scope, tasks }));
    }

    /// Stops an app's Socket Mode link; its teams stay registered but get
    /// no events until attached to another app. Returns whether it existed.
    pub async fn remove_app(&self, app_id: &str) -> bool {
        let removed = self
            .apps
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(app_id);
        match removed {
            Some((_, running)) => {
                running.stop().await;
                true
            }
            None => false,
        }
    }

    /// The apps served over HTTP (their request URLs:
    /// [`http::router`](super::http::router)).
    pub fn http_apps(&self) -> &Arc<HttpApps> {
        &self.http
    }

    /// The Slack-facing routes of every HTTP app.
    pub fn http_router(&self) -> axum::Router {
        super::http::router(self.http.clone())
    }

    /// The uninstalls Slack announces (`app_uninstalled`, `tokens_revoked`),
    /// for whoever removes the teams; `None` after the first call.
    pub fn take_uninstalls(&self) -> Option<mpsc::Receiver<Uninstall>> {
        self.uninstalls_rx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    fn app(&self, app_id: &str) -> Option<Arc<AppLink>> {
        self.apps
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(app_id)
            .map(|(app, _)| app.clone())
    }

    async fn auth(
        &self,
        limiter: &RateLimiter,
        spec: &TeamSpec,
    ) -> Result<super::api::AuthTest, LinkError> {
        let auth_err = |error: CallError| {
            let (team, reason) = (spec.id.clone(), error.to_string());
            match error {
                CallError::Api(e) if e.is_fatal() => LinkError::Refused { team, reason },
                _ => LinkError::Unavailable { team, reason },
            }
        };
        let auth = limiter
            .call_once(Method::AuthTest, None, self.tuning.post_wait, || {
                self.web.auth_test(&spec.token)
            })
            .await
            .map_err(auth_err)?;
        if auth.team_id != spec.id {
            return Err(LinkError::WrongTeam {
                expected: spec.id.clone(),
                actual: auth.team_id,
            });
        }
        Ok(auth)
    }

    /// The Web API client (for one-off calls such as a token check).
    pub fn web(&self) -> &WebClient {
        &self.web
    }

    /// Stops every app link (teams' own links are closed by their actors).
    pub async fn close(&self) {
        let apps: Vec<(Arc<AppLink>, Running)> = self
            .apps
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
            .map(|(_, v)| v)
            .collect();
        for (_, running) in apps {
            running.stop().await;
        }
    }
}

#[async_trait]
impl Connector for SlackHub {
    async fn connect(
        &self,
        spec: &TeamSpec,
        sink: Arc<dyn EventSink>,
    ) -> Result<Box<dyn Link>, LinkError> {
        let app = match &spec.app {
            None => None,
            Some(app_id) => Some(
                AppTransport::of(self.app(app_id), self.http.get(app_id)).ok_or_else(|| {
                    LinkError::UnknownApp {
                        team: spec.id.clone(),
                        app: app_id.clone(),
                    }
                })?,
            ),
        };
        let scope = self.shutdown.child();
        let (limiter, limiter_task) = RateLimiter::new(scope.token().clone());
        let mut tasks = vec![scope.spawn(limiter_task)];
        let auth = match self.auth(&limiter, spec).await {
            Ok(auth) => auth,
            Err(e) => {
                scope.cancel();
                for task in tasks.drain(..) {
                    let _ = task.await;
                }
                return Err(e);
            }
        };
        let (rtm_tx, rtm_rx) = mpsc::channel(64);
        let link = TeamLink::new(
            auth.team_id.clone(),
            auth.team_name.clone(),
            spec.token.clone(),
            BotIdentity {
                user_id: auth.user_id.clone(),
                bot_id: auth.bot_id.clone(),
            },
            self.web.clone(),
            limiter,
            self.tuning.clone(),
            self.metrics.clone(),
            app.is_none().then_some(rtm_tx),
        );
        directory_fill::fill(&link).await;
        let pending = match app {
            None => Pending::Rtm(rtm_rx),
            Some(app) => Pending::App(app),
        };
        let info = TeamInfo {
            id: auth.team_id,
            name: auth.team_name,
            bot_user_id: auth.user_id,
            bot_user_name: auth.user_name,
        };
        Ok(Box::new(SlackLink::new(
            info, link, sink, scope, tasks, pending,
        )))
    }
}
