//! A local session: one team in a [`LocalSpace`], served by a real
//! [`Host`] (built like every other host, with the local space as its
//! chat). Terminal chat, scripts and scenario tests all drive bots through
//! it.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;

use crate::bot_config::BotConfig;
use crate::builder::{BuildError, HostBuilder};
use crate::event::Event;
use crate::host::Host;
use crate::ids::{ChannelId, TeamId, Ts};
use crate::local::{
    ChatLine, LineKind, LocalError, LocalSpace, ReactionChange, app_mention_of, with_mention,
};
use crate::runtime::RuntimeConfig;
use crate::secret::Secret;
use crate::spec::{TeamSource, TeamSpec};
use crate::storage::Storage;
use crate::team::{BotStatus, TeamError, TeamHandle};
use crate::text::pairs_line;

/// The local team's id.
pub const LOCAL_TEAM: &str = "T0LOCAL";

#[derive(Debug, Error)]
pub enum SessionError {
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Team(#[from] TeamError),
    #[error(transparent)]
    Local(#[from] LocalError),
}

/// One bot serving one simulated team.
#[derive(Debug)]
pub struct LocalSession {
    space: Arc<LocalSpace>,
    host: Host,
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
        Self::start_with(bot, config, runtime, None).await
    }

    /// Like [`start`](Self::start), keeping the bot's key-value state and
    /// timers in `storage` (the embedded database of `--state`), so a
    /// later session with the same storage finds them.
    ///
    /// # Errors
    /// As [`start`](Self::start).
    pub async fn start_with(
        bot: &Path,
        config: BotConfig,
        runtime: &RuntimeConfig,
        storage: Option<Storage>,
    ) -> Result<Self, SessionError> {
        let space = Arc::new(LocalSpace::new());
        let mut builder = HostBuilder::local(runtime.clone(), space.clone());
        if let Some(storage) = storage {
            builder = builder.storage(storage, crate::builder::DEFAULT_RETENTION);
        }
        let host = builder.build()?;
        let team = TeamId::from(LOCAL_TEAM);
        space.name_team(&team, "Local Team");
        let spec = TeamSpec {
            id: team.clone(),
            bot: bot.to_path_buf(),
            token: Secret::new(""),
            app: None,
            config,
            source: TeamSource::Local,
        };
        let mut session = Self {
            space,
            host,
            team,
            status: BotStatus::Starting,
            last: None,
        };
        match session.host.try_add(spec).await {
            Ok(()) | Err(TeamError::InitRefused { .. } | TeamError::Call { .. }) => {}
            Err(e) => {
                session.host.close().await;
                return Err(e.into());
            }
        }
        session.note_status();
        Ok(session)
    }

    pub fn space(&self) -> &Arc<LocalSpace> {
        &self.space
    }

    pub fn host(&self) -> &Host {
        &self.host
    }

    fn handle(&self) -> Result<TeamHandle, TeamError> {
        self.host
            .handle(&self.team)
            .ok_or_else(|| TeamError::UnknownTeam(self.team.clone()))
    }

    pub fn team(&self) -> &TeamId {
        &self.team
    }

    /// The bot's status now.
    pub fn status(&self) -> BotStatus {
        self.host
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
        if let Some(handle) = self.host.handle(&self.team) {
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
        self.say_in(user, place, None, text, false).await
    }

    /// [`Self::say`] in the thread of `thread` (`3`, a ts, or `last`: see
    /// [`LocalSpace::thread_root`]), and with `mention` as a mention of the
    /// bot the way Slack's Events API delivers it: the text gets `@bot` if
    /// it has none, and the bot receives the `message` and then an
    /// `app_mention` for the same ts (none in a DM, as in Slack). A plain
    /// `@bot` in a line is delivered as RTM delivers it: the message only.
    ///
    /// # Errors
    /// Unknown user, place or thread, or the team shutting down.
    pub async fn say_in(
        &mut self,
        user: &str,
        place: &str,
        thread: Option<&str>,
        text: &str,
        mention: bool,
    ) -> Result<Vec<ChatLine>, SessionError> {
        let channel = self.space.resolve_place(&self.team, user, place)?;
        let thread_ts = thread
            .map(|reference| self.space.thread_root(&self.team, &channel, reference))
            .transpose()?;
        let text = if mention {
            with_mention(text)
        } else {
            text.to_owned()
        };
        let event = self
            .space
            .say(&self.team, user, &channel, &text, thread_ts)?;
        let mut events = Vec::new();
        if let Event::Message(m) = &event {
            self.last = Some((m.channel.clone(), m.ts.clone()));
            if mention {
                match app_mention_of(m) {
                    Some(app_mention) => events.push(app_mention),
                    None => self.space.note(
                        &self.team,
                        "no app_mention in a DM: Slack sends only the message there",
                    ),
                }
            }
        }
        events.insert(0, event);
        self.deliver(events).await
    }

    /// Checks that `user` exists and can speak at `place`, for `/as` and
    /// `/in`, so a typo is reported when it is made.
    ///
    /// # Errors
    /// Unknown user or place.
    pub fn check(&self, user: &str, place: &str) -> Result<(), SessionError> {
        self.space.resolve_place(&self.team, user, place)?;
        Ok(())
    }

    /// `user` puts their reaction `name` on the last message a user said
    /// in the session, or takes it off.
    ///
    /// # Errors
    /// No message yet, a reaction already there or none to take off,
    /// unknown user, or the team shutting down.
    pub async fn react(
        &mut self,
        user: &str,
        name: &str,
        change: ReactionChange,
    ) -> Result<Vec<ChatLine>, SessionError> {
        let (channel, ts) = self.last.clone().ok_or(LocalError::NothingToReactTo)?;
        let event = self
            .space
            .react(&self.team, user, &channel, &ts, name, change)?;
        self.deliver(vec![event]).await
    }

    /// `user` joins `place`.
    ///
    /// # Errors
    /// Unknown user or place, a DM, or the team shutting down.
    pub async fn join(&mut self, user: &str, place: &str) -> Result<Vec<ChatLine>, SessionError> {
        let channel = self.space.resolve_place(&self.team, user, place)?;
        let event = self.space.join(&self.team, user, &channel)?;
        self.deliver(vec![event]).await
    }

    /// `user` leaves `place`.
    ///
    /// # Errors
    /// Unknown user or place, a DM, or the team shutting down.
    pub async fn leave(&mut self, user: &str, place: &str) -> Result<Vec<ChatLine>, SessionError> {
        let channel = self.space.resolve_place(&self.team, user, place)?;
        let event = self.space.leave(&self.team, user, &channel)?;
        self.deliver(vec![event]).await
    }

    /// `user` creates the channel `name` (without `#`).
    ///
    /// # Errors
    /// Unknown user, a name in use, or the team shutting down.
    pub async fn create(&mut self, user: &str, name: &str) -> Result<Vec<ChatLine>, SessionError> {
        let event = self.space.create_channel(&self.team, user, name)?;
        self.deliver(vec![event]).await
    }

    /// `user` renames the channel at `place` to `name` (without `#`).
    ///
    /// # Errors
    /// Unknown user or place, a DM, a name in use, or the team shutting
    /// down.
    pub async fn rename(
        &mut self,
        user: &str,
        place: &str,
        name: &str,
    ) -> Result<Vec<ChatLine>, SessionError> {
        let channel = self.space.resolve_place(&self.team, user, place)?;
        let event = self
            .space
            .rename_channel(&self.team, user, &channel, name)?;
        self.deliver(vec![event]).await
    }

    /// `name` joins the team.
    ///
    /// # Errors
    /// A name in use, or the team shutting down.
    pub async fn new_user(&mut self, name: &str) -> Result<Vec<ChatLine>, SessionError> {
        let event = self.space.add_user(&self.team, name)?;
        self.deliver(vec![event]).await
    }

    /// `user` runs the slash command `command` (with its `/`) at `place`.
    ///
    /// # Errors
    /// Unknown user or place, or the team shutting down.
    pub async fn slash(
        &mut self,
        user: &str,
        place: &str,
        command: &str,
        text: &str,
    ) -> Result<Vec<ChatLine>, SessionError> {
        let channel = self.space.resolve_place(&self.team, user, place)?;
        let event = self
            .space
            .slash(&self.team, user, &channel, command, text)?;
        self.deliver(vec![event]).await
    }

    /// Delivers the events in order, then waits for the bot to handle them.
    async fn deliver(&mut self, events: Vec<Event>) -> Result<Vec<ChatLine>, SessionError> {
        let handle = self.handle()?;
        for event in events {
            handle.deliver(event).await?;
        }
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

    /// Applies a new config (the bot's `reconfigure`). The transcript says
    /// `[host] config: k=v …` (the config as it would be typed) when the
    /// bot took it, and `[host] ! config refused: …` when it did not.
    ///
    /// # Errors
    /// The team is shutting down.
    pub async fn reconfigure(&mut self, config: BotConfig) -> Result<Vec<ChatLine>, SessionError> {
        let mut spec = self.handle()?.spec();
        let shown = if config.is_empty() {
            "(empty)".to_owned()
        } else {
            pairs_line(&config)
        };
        spec.config = config;
        let taken = match self.host.update(spec).await {
            Ok(()) => true,
            Err(e) => {
                self.space.note(&self.team, format!("config refused: {e}"));
                false
            }
        };
        let mut lines = self.settle().await?;
        if taken {
            // First, though the bot's own lines from `reconfigure` were
            // recorded before it: the config is what caused them.
            let line =
                LocalSpace::host_line(&self.team, format!("config: {shown}"), LineKind::Info);
            lines.insert(0, line);
        }
        Ok(lines)
    }

    /// The current config.
    pub fn config(&self) -> BotConfig {
        self.host
            .handle(&self.team)
            .map(|h| h.spec().config)
            .unwrap_or_default()
    }

    /// Shuts the bot down (its `shutdown` runs) and stops every task.
    pub async fn close(self) -> Vec<ChatLine> {
        self.host.close().await;
        self.space.take_lines()
    }
}
