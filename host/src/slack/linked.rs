//! A connected Slack team, as its actor owns it: the team's link state,
//! its connection tasks (rate scheduler, RTM socket) and where its events
//! go. Activating it opens the RTM socket or attaches the team to its
//! app's transports (Socket Mode link, HTTP routes); closing (or dropping)
//! it stops them.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::DropGuard;

use super::backend::SlackChat;
use super::hub::{AppTransport, Pending};
use super::link::{RtmOutgoing, TeamLink};
use super::rtm;
use crate::chat::{ChatBackend, Link, LinkStatus};
use crate::event::EventSink;
use crate::shutdown::Shutdown;
use crate::team_info::TeamInfo;

/// One team's link to Slack.
pub struct SlackLink {
    info: TeamInfo,
    link: Arc<TeamLink>,
    sink: Arc<dyn EventSink>,
    scope: Shutdown,
    tasks: Vec<JoinHandle<()>>,
    /// The RTM socket's outgoing queue, until the socket is opened.
    rtm: Option<mpsc::Receiver<RtmOutgoing>>,
    /// The app the team's events come through.
    app: Option<AppTransport>,
    active: bool,
    /// Dropping the link stops its tasks, even if `close` never ran.
    _guard: DropGuard,
}

impl std::fmt::Debug for SlackLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackLink")
            .field("team", &self.link.team)
            .field("status", &self.link.status())
            .finish_non_exhaustive()
    }
}

impl SlackLink {
    pub(super) fn new(
        info: TeamInfo,
        link: Arc<TeamLink>,
        sink: Arc<dyn EventSink>,
        scope: Shutdown,
        tasks: Vec<JoinHandle<()>>,
        pending: Pending,
    ) -> Self {
        Self {
            info,
            link,
            sink,
            _guard: scope.token().clone().drop_guard(),
            scope,
            tasks,
            rtm: None,
            app: None,
            active: false,
        }
        .with(pending)
    }

    fn with(mut self, pending: Pending) -> Self {
        match pending {
            Pending::Rtm(outgoing) => self.rtm = Some(outgoing),
            Pending::App(app) => self.app = Some(app),
        }
        self
    }
}

#[async_trait]
impl Link for SlackLink {
    fn info(&self) -> &TeamInfo {
        &self.info
    }

    fn chat(&self) -> Arc<dyn ChatBackend> {
        Arc::new(SlackChat::new(self.link.clone()))
    }

    fn status(&self) -> watch::Receiver<LinkStatus> {
        self.link.subscribe()
    }

    fn activate(&mut self) {
        if std::mem::replace(&mut self.active, true) {
            return;
        }
        if let Some(outgoing) = self.rtm.take() {
            let task = self.scope.spawn(rtm::run(
                self.link.clone(),
                outgoing,
                self.sink.clone(),
                self.scope.token().clone(),
            ));
            self.tasks.push(task);
        }
        if let Some(app) = &self.app {
            if let Some(http) = app.http() {
                http.attach(self.link.clone(), self.sink.clone());
            }
            match app.socket() {
                Some(socket) => socket.attach(self.link.clone(), self.sink.clone()),
                // No socket: the team is reachable once `auth.test` passed
                // and its request URL is served.
                None => self.link.set_status(LinkStatus::Connected),
            }
        }
    }

    async fn close(mut self: Box<Self>) {
        if let Some(app) = &self.app {
            if let Some(socket) = app.socket() {
                socket.detach(&self.link.team);
            }
            if let Some(http) = app.http() {
                http.detach(&self.link.team);
            }
        }
        self.scope.cancel();
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
        self.link.set_status(LinkStatus::Closed);
    }
}
