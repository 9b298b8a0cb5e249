//! The local space as a [`Connector`]: connecting a team creates its
//! simulated world (users, channels) and gives its bot a chat bound to it.
//! Nothing to check, nothing to reconnect: the link is always connected.
//! Events are driven by whoever plays the users (a terminal, a script, a
//! test), straight into the team's handle, so the sink is not needed.

use std::sync::Arc;

use async_trait::async_trait;

use super::chat::LocalChat;
use super::space::LocalSpace;
use crate::chat::{Connector, FixedLink, Link, LinkError};
use crate::event::EventSink;
use crate::spec::TeamSpec;

/// Connects teams to a [`LocalSpace`].
#[derive(Debug, Clone)]
pub struct LocalConnector {
    space: Arc<LocalSpace>,
}

impl LocalConnector {
    pub fn new(space: Arc<LocalSpace>) -> Self {
        Self { space }
    }
}

#[async_trait]
impl Connector for LocalConnector {
    async fn connect(
        &self,
        spec: &TeamSpec,
        _sink: Arc<dyn EventSink>,
    ) -> Result<Box<dyn Link>, LinkError> {
        let info = self.space.add_team(&spec.id);
        let chat = Arc::new(LocalChat {
            space: self.space.clone(),
            team: spec.id.clone(),
        });
        Ok(Box::new(FixedLink::new(info, chat)))
    }
}
