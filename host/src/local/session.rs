//! A local session: one team in a [`LocalSpace`], served by a real
//! [`TeamManager`] and runtime. Terminal chat, scripts and scenario tests
//! all drive bots through it.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;

use super::space::{LocalError, LocalSpace};
use super::transcript::ChatLine;
use crate::ids::{ChannelId, TeamId, Ts};
use crate::profile::BotConfig;
use crate::runtime::{BotRuntime, RuntimeConfig, RuntimeError};
use crate::shutdown::Shutdown;
use crate::storage::MemoryStore;
use crate::team::{BotStatus, TeamError, TeamManager, TeamSpec};

/// The local team's id.
pub const LOCAL_TEAM: &str = "T0LOCAL";

#[derive(Debug, Error)]
pub enum SessionError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(transparent)]
    Team(#[from] TeamError),
    #[error(transparent)]
    Local(#[from] LocalError),
}

/// One bot serving one simulated team.
#[derive(Debug)]
pub struct LocalSession {
    space: Arc<LocalSpace>,
    manager: TeamManager,
    shutdown: Shutdown,
    team: TeamId,
    status: BotStatus,
    last: Option<(ChannelId, Ts)>,
}

impl LocalSession {
    /// Loads `bot` and starts it for the local team. If `init` fails the
    /// session still starts (the transcript says why), so the config can
    /// be fixed with `/config`.
    ///
    /// # Errors
    /// The runtime cannot start or the component cannot be loaded.
    pub async fn start(
        bot: &Path,
        config: BotConfig,
        runtime: &RuntimeConfig,
    ) -> Result<Self, SessionError> {
        let runtime = Arc::new(BotRuntime::new(runtime)?);
        let space = Arc::new(LocalSpace::new());
        let kv = Arc::new(MemoryStore::new(runtime.limits().storage_quota()));
        let shutdown = Shutdown::new();
        let manager = TeamManager::new(runtime, space.clone(), kv, shutdown.clone());
        let team = TeamId::from(LOCAL_TEAM);
        space.add_team(&team);
        let spec = TeamSpec {
            info: LocalSpace::team_info(LOCAL_TEAM, "Local Team"),
            bot: bot.to_path_buf(),
            config,
        };
        let mut session = Self {
            space,
            manager,
            shutdown,
            team,
            status: BotStatus::Starting,
            last: None,
        };
        match session.manager.add(spec).await {
            Ok(()) | Err(TeamError::InitRefused { .. } | TeamError::Call { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        session.note_status();
        Ok(session)
    }

    pub fn space(&self) -> &Arc<LocalSpace> {
        &self.space
    }

    pub fn manager(&self) -> &TeamManager {
        &self.manager
    }

    pub fn team(&self) -> &TeamId {
        &self.team
    }

    /// The bot's status now.
    pub fn status(&self) -> BotStatus {
        self.manager
            .handle(&self.team)
            .map_or(BotStatus::Stopped, |h| h.status())
    }

    /// Notes a status change in the transcript.
    fn note_status(&mut self) {
        let now = self.status();
        if now != self.status {
            if now != BotStatus::Running || self.status != BotStatus::Starting {
                self.space.note(&self.team, format!("bot {now}"));
            }
            self.status = now;
        }
    }

    async fn settle(&mut self) -> Result<Vec<ChatLine>, SessionError> {
        if let Some(handle) = self.manager.handle(&self.team) {
            handle.flush().await?;
        }
        self.note_status();
        Ok(self.space.take_lines())
    }

    /// `user` says `text` at `place` (`#general`, `random`, `dm`); returns
    /// the transcript lines it produced, the bot's answers included.
    ///
    /// # Errors
    /// Unknown user or place, or the team shutting down.
    pub async fn say(
        &mut self,
        user: &str,
        place: &str,
        text: &str,
    ) -> Result<Vec<ChatLine>, SessionError> {
        let channel = self.space.resolve_place(&self.team, user, place)?;
        let event = self.space.say(&self.team, user, &channel, text, None)?;
        if let crate::event::Event::Message(m) = &event {
            self.last = Some((m.channel.clone(), m.ts.clone()));
        }
        self.deliver(event).await
    }

    /// `user` reacts with `name` to the last message said in the session.
    ///
    /// # Errors
    /// No message yet, unknown user, or the team shutting down.
    pub async fn react(&mut self, user: &str, name: &str) -> Result<Vec<ChatLine>, SessionError> {
        let Some((channel, ts)) = self.last.clone() else {
            return Err(LocalError::UnknownChannel("(no message to react to yet)".into()).into());
        };
        let event = self.space.react(&self.team, user, &channel, &ts, name)?;
        self.deliver(event).await
    }

    /// `user` joins `place`.
    ///
    /// # Errors
    /// Unknown user or place, or the team shutting down.
    pub async fn join(&mut self, user: &str, place: &str) -> Result<Vec<ChatLine>, SessionError> {
        let channel = self.space.resolve_place(&self.team, user, place)?;
        let event = self.space.join(&self.team, user, &channel)?;
        self.deliver(event).await
    }

    async fn deliver(&mut self, event: crate::event::Event) -> Result<Vec<ChatLine>, SessionError> {
        let handle = self
            .manager
            .handle(&self.team)
            .ok_or_else(|| TeamError::UnknownTeam(self.team.clone()))?;
        handle.deliver(event).await?;
        self.settle().await
    }

    /// Lets `duration` pass (timers fire); with a paused clock this is
    /// instant and deterministic.
    ///
    /// # Errors
    /// The team shutting down.
    pub async fn wait(&mut self, duration: Duration) -> Result<Vec<ChatLine>, SessionError> {
        tokio::time::sleep(duration).await;
        self.settle().await
    }

    /// Applies a new config (the bot's `reconfigure`).
    ///
    /// # Errors
    /// The bot refused it, or the team is shutting down.
    pub async fn reconfigure(&mut self, config: BotConfig) -> Result<Vec<ChatLine>, SessionError> {
        let mut spec = self
            .manager
            .spec(&self.team)
            .ok_or_else(|| TeamError::UnknownTeam(self.team.clone()))?;
        spec.config = config;
        if let Err(e) = self.manager.update(spec).await {
            self.space.note(&self.team, format!("config refused: {e}"));
        }
        self.settle().await
    }

    /// The current config.
    pub fn config(&self) -> BotConfig {
        self.manager
            .spec(&self.team)
            .map(|s| s.config)
            .unwrap_or_default()
    }

    /// Shuts the bot down (its `shutdown` runs) and stops every task.
    pub async fn close(self) -> Vec<ChatLine> {
        self.manager.shutdown().await;
        self.shutdown.close().await;
        self.space.take_lines()
    }
}
