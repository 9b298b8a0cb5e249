//! A simulated chat space (after shellbot's LocalSpace): a few channels and
//! users per team, no network. It is the chat backend of local runs and of
//! scenario tests, and records everything into a transcript.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use thiserror::Error;
use tokio::sync::Notify;

use super::transcript::{ChatLine, LineKind};
use crate::chat::{ChannelInfo, ChatBackend, ChatError, MessageRef, OutgoingMessage, UserInfo};
use crate::event::{Event, MembershipEvent, MessageEvent, ReactionEvent};
use crate::ids::{ChannelId, TeamId, Ts, UserId};
use crate::profile::TeamInfo;

/// The bot's user in every local team.
pub const BOT_USER: &str = "U0BOT";
const BOT_NAME: &str = "bot";
const USERS: [(&str, &str, &str); 2] = [
    ("U0ALICE", "alice", "Alice Liddell"),
    ("U0BOB", "bob", "Bob Builder"),
];
const CHANNELS: [(&str, &str); 2] = [("C0GENERAL", "general"), ("C0RANDOM", "random")];

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LocalError {
    #[error("unknown team {0}")]
    UnknownTeam(TeamId),
    #[error("unknown user `{0}` (try alice or bob)")]
    UnknownUser(String),
    #[error("unknown channel `{0}` (try #general, #random or dm)")]
    UnknownChannel(String),
}

#[derive(Debug)]
struct World {
    users: Vec<UserInfo>,
    channels: Vec<ChannelInfo>,
    messages: HashMap<(ChannelId, Ts), String>,
    next_ts: u64,
}

impl World {
    fn new() -> Self {
        let mut users: Vec<UserInfo> = USERS
            .iter()
            .map(|(id, name, real)| UserInfo {
                id: UserId::from(*id),
                name: (*name).to_owned(),
                real_name: (*real).to_owned(),
                is_bot: false,
            })
            .collect();
        users.push(UserInfo {
            id: UserId::from(BOT_USER),
            name: BOT_NAME.to_owned(),
            real_name: "Local Bot".to_owned(),
            is_bot: true,
        });
        let channels = CHANNELS
            .iter()
            .map(|(id, name)| ChannelInfo {
                id: ChannelId::from(*id),
                name: (*name).to_owned(),
                is_private: false,
                is_member: true,
            })
            .collect();
        Self {
            users,
            channels,
            messages: HashMap::new(),
            next_ts: 1,
        }
    }

    fn ts(&mut self) -> Ts {
        let ts = Ts::new(format!("1700000000.{:06}", self.next_ts));
        self.next_ts += 1;
        ts
    }

    fn user(&self, id: &UserId) -> Option<&UserInfo> {
        self.users.iter().find(|u| &u.id == id)
    }

    fn user_named(&self, name: &str) -> Option<&UserInfo> {
        self.users.iter().find(|u| u.name == name)
    }

    /// The DM channel id between the bot and a user.
    fn dm_of(user: &UserId) -> ChannelId {
        ChannelId::new(format!("D{}", user.as_str()))
    }

    fn channel(&self, id: &ChannelId) -> Option<ChannelInfo> {
        if let Some(c) = self.channels.iter().find(|c| &c.id == id) {
            return Some(c.clone());
        }
        let user = self.user(&UserId::new(id.as_str().strip_prefix('D')?))?;
        Some(ChannelInfo {
            id: id.clone(),
            name: user.name.clone(),
            is_private: true,
            is_member: true,
        })
    }

    /// `#general` for channels, `@alice` for a DM.
    fn place(&self, id: &ChannelId) -> Option<String> {
        let c = self.channel(id)?;
        Some(if c.is_private {
            format!("@{}", c.name)
        } else {
            format!("#{}", c.name)
        })
    }
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

    /// Creates a team with the default channels and users.
    pub fn add_team(&self, team: &TeamId) {
        self.worlds().entry(team.clone()).or_insert_with(World::new);
    }

    fn worlds(&self) -> MutexGuard<'_, HashMap<TeamId, World>> {
        self.worlds.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, line: ChatLine) {
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

    /// Records a host note in the transcript.
    pub fn note(&self, team: &TeamId, text: impl Into<String>) {
        self.record(ChatLine {
            team: team.clone(),
            channel: ChannelId::from(""),
            place: "host".to_owned(),
            user: UserId::from(""),
            user_name: String::new(),
            text: text.into(),
            ts: Ts::from(""),
            thread_ts: None,
            kind: LineKind::Note,
        });
    }

    /// The user named `user` in `team`.
    fn speaker(&self, team: &TeamId, user: &str) -> Result<UserInfo, LocalError> {
        let worlds = self.worlds();
        let world = worlds
            .get(team)
            .ok_or_else(|| LocalError::UnknownTeam(team.clone()))?;
        world
            .user_named(user)
            .cloned()
            .ok_or_else(|| LocalError::UnknownUser(user.to_owned()))
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
        let worlds = self.worlds();
        let world = worlds
            .get(team)
            .ok_or_else(|| LocalError::UnknownTeam(team.clone()))?;
        let speaker = world
            .user_named(user)
            .ok_or_else(|| LocalError::UnknownUser(user.to_owned()))?;
        if place == "dm" || place == "@bot" {
            return Ok(World::dm_of(&speaker.id));
        }
        let name = place.trim_start_matches('#');
        world
            .channels
            .iter()
            .find(|c| c.name == name || c.id.as_str() == name)
            .map(|c| c.id.clone())
            .ok_or_else(|| LocalError::UnknownChannel(place.to_owned()))
    }

    /// A user says `text` in `channel`: records it and returns the event
    /// the bot should receive. `@bot` in the text becomes a mention.
    ///
    /// # Errors
    /// [`LocalError`] for an unknown team, user or channel.
    pub fn say(
        &self,
        team: &TeamId,
        user: &str,
        channel: &ChannelId,
        text: &str,
        thread_ts: Option<Ts>,
    ) -> Result<Event, LocalError> {
        let mut worlds = self.worlds();
        let world = worlds
            .get_mut(team)
            .ok_or_else(|| LocalError::UnknownTeam(team.clone()))?;
        let speaker = world
            .user_named(user)
            .ok_or_else(|| LocalError::UnknownUser(user.to_owned()))?
            .clone();
        let place = world
            .place(channel)
            .ok_or_else(|| LocalError::UnknownChannel(channel.to_string()))?;
        let ts = world.ts();
        world
            .messages
            .insert((channel.clone(), ts.clone()), text.to_owned());
        drop(worlds);
        let wire_text = text.replace(&format!("@{BOT_NAME}"), &format!("<@{BOT_USER}>"));
        self.record(ChatLine {
            team: team.clone(),
            channel: channel.clone(),
            place,
            user: speaker.id.clone(),
            user_name: speaker.name,
            text: text.to_owned(),
            ts: ts.clone(),
            thread_ts: thread_ts.clone(),
            kind: LineKind::Message,
        });
        Ok(Event::Message(MessageEvent {
            direct: channel.as_str().starts_with('D'),
            mentions_bot: wire_text.contains(&format!("<@{BOT_USER}>")),
            channel: channel.clone(),
            user: speaker.id,
            text: wire_text,
            ts,
            thread_ts,
            subtype: None,
        }))
    }

    /// A user reacts to a message: the event the bot receives.
    ///
    /// # Errors
    /// [`LocalError`] for an unknown team or user.
    pub fn react(
        &self,
        team: &TeamId,
        user: &str,
        channel: &ChannelId,
        ts: &Ts,
        name: &str,
    ) -> Result<Event, LocalError> {
        let speaker = self.speaker(team, user)?;
        Ok(Event::ReactionAdded(ReactionEvent {
            user: speaker.id,
            name: name.to_owned(),
            channel: channel.clone(),
            item_ts: ts.clone(),
        }))
    }

    /// A user joins a channel: the event the bot receives.
    ///
    /// # Errors
    /// [`LocalError`] for an unknown team or user.
    pub fn join(
        &self,
        team: &TeamId,
        user: &str,
        channel: &ChannelId,
    ) -> Result<Event, LocalError> {
        let speaker = self.speaker(team, user)?;
        Ok(Event::MemberJoinedChannel(MembershipEvent {
            user: speaker.id,
            channel: channel.clone(),
        }))
    }

    fn with_world<R>(
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

    fn bot_line(
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

#[async_trait]
impl ChatBackend for LocalSpace {
    async fn post(&self, team: &TeamId, message: OutgoingMessage) -> Result<MessageRef, ChatError> {
        let ts = self.with_world(team, |w| {
            w.channel(&message.channel)
                .ok_or_else(|| ChatError::NotFound(format!("channel {}", message.channel)))?;
            let ts = w.ts();
            w.messages
                .insert((message.channel.clone(), ts.clone()), message.text.clone());
            Ok(ts)
        })?;
        self.bot_line(
            team,
            &message.channel,
            message.text,
            ts.clone(),
            message.thread_ts,
            LineKind::Message,
        )?;
        Ok(MessageRef {
            channel: message.channel,
            ts,
        })
    }

    async fn update(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        ts: &Ts,
        text: String,
    ) -> Result<(), ChatError> {
        self.with_world(team, |w| {
            match w.messages.get_mut(&(channel.clone(), ts.clone())) {
                Some(old) => {
                    old.clone_from(&text);
                    Ok(())
                }
                None => Err(ChatError::NotFound(format!("message {ts}"))),
            }
        })?;
        self.bot_line(
            team,
            channel,
            text,
            ts.clone(),
            None,
            LineKind::Edit { ts: ts.clone() },
        )
    }

    async fn react(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        ts: &Ts,
        name: &str,
    ) -> Result<(), ChatError> {
        self.with_world(team, |w| {
            if w.messages.contains_key(&(channel.clone(), ts.clone())) {
                Ok(())
            } else {
                Err(ChatError::NotFound(format!("message {ts}")))
            }
        })?;
        let kind = LineKind::Reaction {
            ts: ts.clone(),
            name: name.to_owned(),
        };
        self.bot_line(team, channel, String::new(), ts.clone(), None, kind)
    }

    async fn typing(&self, team: &TeamId, channel: &ChannelId) -> Result<(), ChatError> {
        self.with_world(team, |w| {
            w.channel(channel)
                .map(|_| ())
                .ok_or_else(|| ChatError::NotFound(format!("channel {channel}")))
        })
    }

    async fn open_direct(&self, team: &TeamId, user: &UserId) -> Result<ChannelId, ChatError> {
        self.with_world(team, |w| {
            w.user(user)
                .map(|u| World::dm_of(&u.id))
                .ok_or_else(|| ChatError::NotFound(format!("user {user}")))
        })
    }

    async fn user_info(&self, team: &TeamId, user: &UserId) -> Result<UserInfo, ChatError> {
        self.with_world(team, |w| {
            w.user(user)
                .cloned()
                .ok_or_else(|| ChatError::NotFound(format!("user {user}")))
        })
    }

    async fn channel_info(
        &self,
        team: &TeamId,
        channel: &ChannelId,
    ) -> Result<ChannelInfo, ChatError> {
        self.with_world(team, |w| {
            w.channel(channel)
                .ok_or_else(|| ChatError::NotFound(format!("channel {channel}")))
        })
    }

    async fn find_user(&self, team: &TeamId, name: &str) -> Result<Option<UserInfo>, ChatError> {
        self.with_world(team, |w| Ok(w.user_named(name).cloned()))
    }

    async fn find_channel(
        &self,
        team: &TeamId,
        name: &str,
    ) -> Result<Option<ChannelInfo>, ChatError> {
        self.with_world(team, |w| {
            Ok(w.channels.iter().find(|c| c.name == name).cloned())
        })
    }
}
