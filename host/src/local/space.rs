//! A simulated chat space (after shellbot's LocalSpace): a few channels and
//! users per team, no network. It is the chat backend of local runs and of
//! scenario tests, and records everything into a transcript. The teams'
//! state is in [`super::world`]; what users do, as events for the bot, in
//! [`super::actions`].

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use thiserror::Error;
use tokio::sync::Notify;

use super::transcript::{ChatLine, LineKind};
use super::world::{BOT_NAME, BOT_USER, World};
use crate::chat::ChatError;
use crate::ids::{ChannelId, TeamId, Ts, UserId};
use crate::team_info::TeamInfo;

/// Why something a user did in a local team could not happen. Said in the
/// transcript as `[host] ! …`, so each says what there is instead.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LocalError {
    #[error("unknown team {0}")]
    UnknownTeam(TeamId),
    #[error("unknown user `{name}` (try {known})")]
    UnknownUser { name: String, known: String },
    #[error("unknown channel `{name}` (try {known})")]
    UnknownChannel { name: String, known: String },
    #[error("no message to react to yet")]
    NothingToReactTo,
    #[error("no message in {0} yet")]
    NoMessageYet(String),
    #[error("no message {reference} in {place}")]
    UnknownMessage { reference: String, place: String },
    #[error("{user} has already reacted :{name}: to {ts}")]
    AlreadyReacted {
        user: String,
        name: String,
        ts: String,
    },
    #[error("{user} has no :{name}: on {ts} to remove")]
    NoReaction {
        user: String,
        name: String,
        ts: String,
    },
    #[error("#{0} already exists")]
    ChannelExists(String),
    #[error("user `{0}` already exists")]
    UserExists(String),
    #[error("{0} is a DM, not a channel")]
    NotAChannel(String),
}

/// Simulated teams, shared by the local backend and whoever drives it.
#[derive(Debug, Default)]
pub struct LocalSpace {
    worlds: Mutex<HashMap<TeamId, World>>,
    lines: Mutex<Vec<ChatLine>>,
    changed: Notify,
}

impl LocalSpace {
    pub fn new() -> Self {
        Self::default()
    }

    /// The [`TeamInfo`] of a local team with the default bot user.
    pub fn team_info(id: &str, name: &str) -> TeamInfo {
        TeamInfo {
            id: TeamId::from(id),
            name: name.to_owned(),
            bot_user_id: UserId::from(BOT_USER),
            bot_user_name: BOT_NAME.to_owned(),
        }
    }

    /// Creates a team with the default channels and users (once), and
    /// returns what its bot is told about it.
    pub fn add_team(&self, team: &TeamId) -> TeamInfo {
        let mut worlds = self.worlds();
        let world = worlds.entry(team.clone()).or_insert_with(World::new);
        if world.name.is_empty() {
            world.name = format!("Team {team}");
        }
        Self::team_info(team.as_str(), &world.name)
    }

    /// Names a team (before it is connected; `Team <id>` otherwise).
    pub fn name_team(&self, team: &TeamId, name: &str) {
        let mut worlds = self.worlds();
        worlds.entry(team.clone()).or_insert_with(World::new).name = name.to_owned();
    }

    fn worlds(&self) -> MutexGuard<'_, HashMap<TeamId, World>> {
        self.worlds.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a line to the transcript and wakes whoever prints it.
    pub(super) fn record(&self, line: ChatLine) {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
        self.changed.notify_one();
    }

    /// Everything recorded since the last call.
    pub fn take_lines(&self) -> Vec<ChatLine> {
        std::mem::take(&mut *self.lines.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Resolves when a line is recorded (for printing as it happens).
    pub async fn changed(&self) {
        self.changed.notified().await;
    }

    /// Records a host note (`[host] ! …`): something went wrong or needs
    /// attention.
    pub fn note(&self, team: &TeamId, text: impl Into<String>) {
        self.record(Self::host_line(team, text, LineKind::Note));
    }

    /// A host line that is not recorded yet: `[host] …` for [`LineKind::Info`],
    /// `[host] ! …` for [`LineKind::Note`].
    pub fn host_line(team: &TeamId, text: impl Into<String>, kind: LineKind) -> ChatLine {
        ChatLine {
            team: team.clone(),
            channel: ChannelId::from(""),
            place: "host".to_owned(),
            user: UserId::from(""),
            user_name: String::new(),
            text: text.into(),
            ts: Ts::from(""),
            thread_ts: None,
            kind,
        }
    }

    /// Resolves `#name`, `name`, a channel id, or `dm`/`@bot` (the DM
    /// between `user` and the bot).
    ///
    /// # Errors
    /// [`LocalError`] when the team, user or channel does not exist.
    pub fn resolve_place(
        &self,
        team: &TeamId,
        user: &str,
        place: &str,
    ) -> Result<ChannelId, LocalError> {
        self.in_world(team, |world| {
            let speaker = world.speaker(user)?;
            if place == "dm" || place == "@bot" {
                return Ok(World::dm_of(&speaker.id));
            }
            world.find_channel(place)
        })
    }

    /// Runs `f` on a team's world, for the user actions.
    pub(super) fn in_world<R>(
        &self,
        team: &TeamId,
        f: impl FnOnce(&mut World) -> Result<R, LocalError>,
    ) -> Result<R, LocalError> {
        let mut worlds = self.worlds();
        let world = worlds
            .get_mut(team)
            .ok_or_else(|| LocalError::UnknownTeam(team.clone()))?;
        f(world)
    }

    /// Runs `f` on a team's world, for the bot's chat calls.
    pub(super) fn with_world<R>(
        &self,
        team: &TeamId,
        f: impl FnOnce(&mut World) -> Result<R, ChatError>,
    ) -> Result<R, ChatError> {
        let mut worlds = self.worlds();
        let world = worlds
            .get_mut(team)
            .ok_or_else(|| ChatError::Unavailable(format!("no local team {team}")))?;
        f(world)
    }

    pub(super) fn bot_line(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        text: String,
        ts: Ts,
        thread_ts: Option<Ts>,
        kind: LineKind,
    ) -> Result<(), ChatError> {
        let place = self.with_world(team, |w| {
            w.place(channel)
                .ok_or_else(|| ChatError::NotFound(format!("channel {channel}")))
        })?;
        self.record(ChatLine {
            team: team.clone(),
            channel: channel.clone(),
            place,
            user: UserId::from(BOT_USER),
            user_name: BOT_NAME.to_owned(),
            text,
            ts,
            thread_ts,
            kind,
        });
        Ok(())
    }
}
