//! A link with nothing to connect: always connected, no events of its own
//! (whoever plays the users feeds the team directly). The local space and
//! benchmarks use it.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::watch;

use super::ChatBackend;
use super::link::Link;
use super::status::LinkStatus;
use crate::team_info::TeamInfo;

/// An always-connected link to a fixed chat.
pub struct FixedLink {
    info: TeamInfo,
    chat: Arc<dyn ChatBackend>,
    status: watch::Sender<LinkStatus>,
}

impl std::fmt::Debug for FixedLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FixedLink")
            .field("team", &self.info.id)
            .finish_non_exhaustive()
    }
}

impl FixedLink {
    pub fn new(info: TeamInfo, chat: Arc<dyn ChatBackend>) -> Self {
        Self {
            info,
            chat,
            status: watch::channel(LinkStatus::Connected).0,
        }
    }
}

#[async_trait]
impl Link for FixedLink {
    fn info(&self) -> &TeamInfo {
        &self.info
    }

    fn chat(&self) -> Arc<dyn ChatBackend> {
        self.chat.clone()
    }

    fn status(&self) -> watch::Receiver<LinkStatus> {
        self.status.subscribe()
    }

    fn activate(&mut self) {}

    async fn close(self: Box<Self>) {
        self.status.send_replace(LinkStatus::Closed);
    }
}
