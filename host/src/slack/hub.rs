//! The Slack hub: connects teams (RTM per team, or Socket Mode per app),
//! owns every connection task, and exposes the chat backend bots call
//! through. Adding a team validates its token with `auth.test`, fills its
//! users/channels cache, and starts its link; the caller then starts the
//! bot with the [`TeamInfo`] this returns.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use thiserror::Error;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::api::{ApiError, WebClient};
use super::backend::{LinkRegistry, SlackChat};
use super::events::BotIdentity;
use super::link::TeamLink;
use super::ratelimit::{Method, RateLimiter};
use super::socket_mode::AppLink;
use super::status::LinkStatus;
use super::tuning::Tuning;
use super::{directory_fill, rtm, sink::EventSink, socket_mode};
use crate::ids::TeamId;
use crate::metrics::Metrics;
use crate::profile::TeamInfo;
use crate::secret::Secret;
use crate::shutdown::Shutdown;

/// How a team is connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// A classic app's bot token, one RTM socket per team.
    Rtm,
    /// Events arrive over the Socket Mode link of this app.
    SocketMode { app_id: String },
}

/// A team to connect.
#[derive(Debug, Clone)]
pub struct TeamConnection {
    /// The team the token must belong to (checked with `auth.test`).
    pub team: TeamId,
    /// The bot token (`xoxb-…`), used for the Web API (and RTM).
    pub token: Secret,
    pub transport: Transport,
}

#[derive(Debug, Error)]
pub enum SlackError {
    #[error("team {team}: token check failed: {error}")]
    Auth { team: TeamId, error: ApiError },
    #[error("team {expected}: the token belongs to team {actual}")]
    WrongTeam { expected: TeamId, actual: TeamId },
    #[error("team {team}: unknown Socket Mode app {app_id}")]
    UnknownApp { team: TeamId, app_id: String },
    #[error("team {0} is already connected")]
    AlreadyConnected(TeamId),
}

struct Running {
    scope: Shutdown,
    tasks: Vec<JoinHandle<()>>,
    /// What `activate` starts: the RTM socket, or the app attachment.
    pending: Option<Pending>,
}

enum Pending {
    Rtm(mpsc::Receiver<super::link::RtmOutgoing>),
    App(Arc<AppLink>),
}

impl Running {
    async fn stop(self) {
        self.scope.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Every Slack connection of the host.
pub struct SlackHub {
    web: WebClient,
    tuning: Tuning,
    sink: Arc<dyn EventSink>,
    links: Arc<LinkRegistry>,
    metrics: Arc<Metrics>,
    apps: Mutex<HashMap<String, (Arc<AppLink>, Running)>>,
    teams: Mutex<HashMap<TeamId, Running>>,
    shutdown: Shutdown,
}

impl std::fmt::Debug for SlackHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackHub")
            .field("teams", &self.links.teams().len())
            .finish_non_exhaustive()
    }
}

impl SlackHub {
    pub fn new(
        web: WebClient,
        tuning: Tuning,
        sink: Arc<dyn EventSink>,
        shutdown: Shutdown,
    ) -> Self {
        Self {
            web,
            tuning,
            sink,
            links: Arc::default(),
            metrics: Arc::default(),
            apps: Mutex::default(),
            teams: Mutex::default(),
            shutdown,
        }
    }

    /// A chat backend over a registry.
    pub fn chat(links: Arc<LinkRegistry>, metrics: Arc<Metrics>) -> SlackChat {
        SlackChat::new(links, metrics)
    }

    /// Creates a hub around an existing registry.
    pub fn with_registry(
        web: WebClient,
        tuning: Tuning,
        sink: Arc<dyn EventSink>,
        links: Arc<LinkRegistry>,
        metrics: Arc<Metrics>,
        shutdown: Shutdown,
    ) -> Self {
        Self {
            links,
            metrics,
            ..Self::new(web, tuning, sink, shutdown)
        }
    }

    /// Starts an app's Socket Mode link (idempotent per app id).
    pub fn add_app(&self, app_id: &str, app_token: Secret) {
        let mut apps = self.apps.lock().unwrap_or_else(PoisonError::into_inner);
        if apps.contains_key(app_id) {
            return;
        }
        let app = AppLink::new(
            app_id.to_owned(),
            app_token,
            self.web.clone(),
            self.tuning.clone(),
            self.metrics.clone(),
        );
        let scope = self.shutdown.child();
        let task = self.shutdown.spawn(socket_mode::run(
            app.clone(),
            self.sink.clone(),
            scope.token().clone(),
        ));
        apps.insert(
            app_id.to_owned(),
            (
                app,
                Running {
                    scope,
                    tasks: vec![task],
                    pending: None,
                },
            ),
        );
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

    /// Connects a team: checks the token and fills the users/channels
    /// cache, so the bot can already post and look names up. Events start
    /// flowing only with [`activate`](Self::activate), once the bot is
    /// ready for them. Returns what the bot is told about its team.
    ///
    /// # Errors
    /// A token Slack refuses (or one of another team), an unknown app, or a
    /// team already connected.
    pub async fn connect(&self, conn: TeamConnection) -> Result<TeamInfo, SlackError> {
        if self.links.get(&conn.team).is_some() {
            return Err(SlackError::AlreadyConnected(conn.team));
        }
        let app = match &conn.transport {
            Transport::Rtm => None,
            Transport::SocketMode { app_id } => Some(
                self.apps
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get(app_id)
                    .map(|(app, _)| app.clone())
                    .ok_or_else(|| SlackError::UnknownApp {
                        team: conn.team.clone(),
                        app_id: app_id.clone(),
                    })?,
            ),
        };
        let scope = self.shutdown.child();
        let (limiter, limiter_task) = RateLimiter::new(scope.token().clone());
        let tasks = vec![self.shutdown.spawn(limiter_task)];
        let auth = match self.auth(&limiter, &conn).await {
            Ok(auth) => auth,
            Err(e) => {
                Running {
                    scope,
                    tasks,
                    pending: None,
                }
                .stop()
                .await;
                return Err(e);
            }
        };
        let (rtm_tx, rtm_rx) = mpsc::channel(64);
        let link = TeamLink::new(
            auth.team_id.clone(),
            auth.team_name.clone(),
            conn.token.clone(),
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
        self.links.insert(link.clone());
        let pending = Some(match app {
            None => Pending::Rtm(rtm_rx),
            Some(app) => Pending::App(app),
        });
        self.teams
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                link.team.clone(),
                Running {
                    scope,
                    tasks,
                    pending,
                },
            );
        Ok(TeamInfo {
            id: auth.team_id,
            name: auth.team_name,
            bot_user_id: auth.user_id,
            bot_user_name: auth.user_name,
        })
    }

    /// Starts the team's events: opens its RTM socket or attaches it to its
    /// app's Socket Mode link. Does nothing if already active.
    pub fn activate(&self, team: &TeamId) {
        let mut teams = self.teams.lock().unwrap_or_else(PoisonError::into_inner);
        let (Some(running), Some(link)) = (teams.get_mut(team), self.links.get(team)) else {
            return;
        };
        match running.pending.take() {
            Some(Pending::Rtm(rtm_rx)) => {
                let task = self.shutdown.spawn(rtm::run(
                    link,
                    rtm_rx,
                    self.sink.clone(),
                    running.scope.token().clone(),
                ));
                running.tasks.push(task);
            }
            Some(Pending::App(app)) => app.attach(link),
            None => {}
        }
    }

    async fn auth(
        &self,
        limiter: &RateLimiter,
        conn: &TeamConnection,
    ) -> Result<super::api::AuthTest, SlackError> {
        let auth_err = |error| SlackError::Auth {
            team: conn.team.clone(),
            error,
        };
        let _permit = limiter
            .acquire(Method::AuthTest, None, self.tuning.post_wait)
            .await;
        let auth = self.web.auth_test(&conn.token).await.map_err(auth_err)?;
        if auth.team_id != conn.team {
            return Err(SlackError::WrongTeam {
                expected: conn.team.clone(),
                actual: auth.team_id,
            });
        }
        Ok(auth)
    }

    /// Disconnects a team; returns whether it was connected.
    pub async fn disconnect(&self, team: &TeamId) -> bool {
        let running = self
            .teams
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(team);
        for (app, _) in self
            .apps
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
        {
            app.detach(team);
        }
        let link = self.links.remove(team);
        if let Some(link) = &link {
            link.set_status(LinkStatus::Closed);
        }
        if let Some(running) = running {
            running.stop().await;
        }
        link.is_some()
    }

    /// The Web API client (for one-off calls such as a token check).
    pub fn web(&self) -> &WebClient {
        &self.web
    }

    /// A team's link status.
    pub fn status(&self, team: &TeamId) -> Option<LinkStatus> {
        self.links.get(team).map(|l| l.status())
    }

    /// The team's link (for tests and the admin API).
    pub fn link(&self, team: &TeamId) -> Option<Arc<TeamLink>> {
        self.links.get(team)
    }

    /// Stops every link.
    pub async fn close(&self) {
        let teams: Vec<TeamId> = self.links.teams().iter().map(|l| l.team.clone()).collect();
        for team in teams {
            self.disconnect(&team).await;
        }
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
