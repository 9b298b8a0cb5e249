//! What users do in a local team, as Slack would tell a bot about it: each
//! action changes the world, records one transcript line and returns the
//! typed event(s) the bot receives. Whoever plays the users (a terminal, a
//! script, a test) delivers the events.

use super::space::{LocalError, LocalSpace};
use super::transcript::{ChatLine, LineKind, short_ts};
use super::world::{BOT_NAME, BOT_USER, Reaction};
use crate::chat::UserInfo;
use crate::event::{
    AppMentionEvent, Event, MembershipEvent, MessageEvent, ReactionEvent, SlashCommandEvent,
};
use crate::ids::{ChannelId, TeamId, Ts};

/// Whether a reaction is put on a message or taken off, as the two Slack
/// events name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReactionChange {
    Added,
    Removed,
}

/// `text` with a mention of the bot: as typed when it has one, with `@bot `
/// in front otherwise.
pub fn with_mention(text: &str) -> String {
    let mention = format!("@{BOT_NAME}");
    if text.contains(&mention) {
        text.to_owned()
    } else if text.is_empty() {
        mention
    } else {
        format!("{mention} {text}")
    }
}

/// The `app_mention` Slack's Events API sends next to a channel message
/// that mentions the bot (same ts, same text). `None` for a DM, where
/// Slack sends none, and for a message without a mention.
pub fn app_mention_of(message: &MessageEvent) -> Option<Event> {
    (message.mentions_bot && !message.direct).then(|| {
        Event::AppMention(AppMentionEvent {
            channel: message.channel.clone(),
            user: message.user.clone(),
            text: message.text.clone(),
            ts: message.ts.clone(),
            thread_ts: message.thread_ts.clone(),
        })
    })
}

/// A transcript line of what `user` did in `channel` (shown as `place`).
fn action_line(
    team: &TeamId,
    channel: &ChannelId,
    place: String,
    user: &UserInfo,
    kind: LineKind,
) -> ChatLine {
    ChatLine {
        team: team.clone(),
        channel: channel.clone(),
        place,
        user: user.id.clone(),
        user_name: user.name.clone(),
        text: String::new(),
        ts: Ts::from(""),
        thread_ts: None,
        kind,
    }
}

impl LocalSpace {
    /// A user says `text` in `channel` (in the thread `thread_ts` if
    /// given): records it and returns the event the bot should receive.
    /// `@bot` in the text becomes a mention (`<@U0BOT>`).
    ///
    /// # Errors
    /// [`LocalError`] for an unknown team, user, channel or thread.
    pub fn say(
        &self,
        team: &TeamId,
        user: &str,
        channel: &ChannelId,
        text: &str,
        thread_ts: Option<Ts>,
    ) -> Result<Event, LocalError> {
        let (speaker, place, ts) = self.in_world(team, |world| {
            let speaker = world.speaker(user)?;
            let place = world.known_place(channel)?;
            if let Some(thread) = &thread_ts
                && !world.has_message(channel, thread)
            {
                return Err(LocalError::UnknownMessage {
                    reference: short_ts(thread).to_owned(),
                    place,
                });
            }
            let ts = world.ts();
            world.post(channel, &ts, &speaker.id, text, thread_ts.clone());
            Ok((speaker, place, ts))
        })?;
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

    /// The thread a reply to `reference` in `channel` goes in: `last` (the
    /// channel's newest message), a message number as the transcript shows
    /// it (`3`), or a full ts. A reply to a reply goes in the same thread.
    ///
    /// # Errors
    /// [`LocalError`] for an unknown team or message.
    pub fn thread_root(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        reference: &str,
    ) -> Result<Ts, LocalError> {
        self.in_world(team, |world| world.thread_root(channel, reference))
    }

    /// A user puts their reaction `name` (an emoji, no colons) on a
    /// message, or takes it off.
    ///
    /// # Errors
    /// [`LocalError`] for an unknown team, user or message, a reaction the
    /// user has already put there, or none to take off.
    pub fn react(
        &self,
        team: &TeamId,
        user: &str,
        channel: &ChannelId,
        ts: &Ts,
        name: &str,
        change: ReactionChange,
    ) -> Result<Event, LocalError> {
        let (speaker, line) = self.in_world(team, |world| {
            let speaker = world.speaker(user)?;
            let place = world.known_place(channel)?;
            if !world.has_message(channel, ts) {
                return Err(LocalError::UnknownMessage {
                    reference: short_ts(ts).to_owned(),
                    place,
                });
            }
            let (ts, name) = (ts.clone(), name.to_owned());
            let key = Reaction {
                channel: channel.clone(),
                ts: ts.clone(),
                user: speaker.id.clone(),
                name: name.clone(),
            };
            let changed = match change {
                ReactionChange::Added => world.reactions().insert(key),
                ReactionChange::Removed => world.reactions().remove(&key),
            };
            if !changed {
                let (user, ts) = (speaker.name, short_ts(&ts).to_owned());
                return Err(match change {
                    ReactionChange::Added => LocalError::AlreadyReacted { user, name, ts },
                    ReactionChange::Removed => LocalError::NoReaction { user, name, ts },
                });
            }
            let kind = match change {
                ReactionChange::Added => LineKind::Reaction { ts, name },
                ReactionChange::Removed => LineKind::Unreaction { ts, name },
            };
            let line = action_line(team, channel, place, &speaker, kind);
            Ok((speaker, line))
        })?;
        self.record(line);
        let reaction = ReactionEvent {
            user: speaker.id,
            name: name.to_owned(),
            channel: channel.clone(),
            item_ts: ts.clone(),
        };
        Ok(match change {
            ReactionChange::Added => Event::ReactionAdded(reaction),
            ReactionChange::Removed => Event::ReactionRemoved(reaction),
        })
    }

    /// A user joins a channel. Membership is not tracked (every user may
    /// speak everywhere), so joining twice is two events, as a bot may see
    /// after a leave and a join.
    ///
    /// # Errors
    /// [`LocalError`] for an unknown team or user, or a DM.
    pub fn join(
        &self,
        team: &TeamId,
        user: &str,
        channel: &ChannelId,
    ) -> Result<Event, LocalError> {
        let membership = self.membership(team, user, channel, LineKind::Joined)?;
        Ok(Event::MemberJoinedChannel(membership))
    }

    /// A user leaves a channel (see [`Self::join`]).
    ///
    /// # Errors
    /// [`LocalError`] for an unknown team or user, or a DM.
    pub fn leave(
        &self,
        team: &TeamId,
        user: &str,
        channel: &ChannelId,
    ) -> Result<Event, LocalError> {
        let membership = self.membership(team, user, channel, LineKind::Left)?;
        Ok(Event::MemberLeftChannel(membership))
    }

    fn membership(
        &self,
        team: &TeamId,
        user: &str,
        channel: &ChannelId,
        kind: LineKind,
    ) -> Result<MembershipEvent, LocalError> {
        let (speaker, line) = self.in_world(team, |world| {
            let speaker = world.speaker(user)?;
            world.public_channel(channel)?;
            let line = action_line(team, channel, world.known_place(channel)?, &speaker, kind);
            Ok((speaker, line))
        })?;
        self.record(line);
        Ok(MembershipEvent {
            user: speaker.id,
            channel: channel.clone(),
        })
    }

    /// A user creates `#name`.
    ///
    /// # Errors
    /// [`LocalError`] for an unknown team or user, or a name in use.
    pub fn create_channel(
        &self,
        team: &TeamId,
        user: &str,
        name: &str,
    ) -> Result<Event, LocalError> {
        let (speaker, channel, line) = self.in_world(team, |world| {
            let speaker = world.speaker(user)?;
            let channel = world.add_channel(name)?;
            let place = format!("#{}", channel.name);
            let line = action_line(team, &channel.id, place, &speaker, LineKind::Created);
            Ok((speaker, channel, line))
        })?;
        self.record(line);
        Ok(Event::ChannelCreated {
            channel: channel.id,
            name: channel.name,
            creator: speaker.id,
        })
    }

    /// A user renames a channel to `name`. Slack's `channel_rename` does
    /// not say who did it; the transcript does.
    ///
    /// # Errors
    /// [`LocalError`] for an unknown team or user, a DM, or a name in use.
    pub fn rename_channel(
        &self,
        team: &TeamId,
        user: &str,
        channel: &ChannelId,
        name: &str,
    ) -> Result<Event, LocalError> {
        let line = self.in_world(team, |world| {
            let speaker = world.speaker(user)?;
            let from = world.public_channel(channel)?.name;
            world.rename_channel(channel, name)?;
            let kind = LineKind::Renamed { from };
            Ok(action_line(
                team,
                channel,
                format!("#{name}"),
                &speaker,
                kind,
            ))
        })?;
        self.record(line);
        Ok(Event::ChannelRenamed {
            channel: channel.clone(),
            name: name.to_owned(),
        })
    }

    /// `name` joins the team (Slack's `team_join`).
    ///
    /// # Errors
    /// [`LocalError`] for an unknown team or a name in use.
    pub fn add_user(&self, team: &TeamId, name: &str) -> Result<Event, LocalError> {
        let (user, line) = self.in_world(team, |world| {
            let user = world.add_user(name)?;
            let line = action_line(
                team,
                &ChannelId::from(""),
                "team".to_owned(),
                &user,
                LineKind::TeamJoin,
            );
            Ok((user, line))
        })?;
        self.record(line);
        Ok(Event::TeamJoin { user: user.id })
    }

    /// A user runs the slash command `command` (with its `/`) in `channel`.
    ///
    /// # Errors
    /// [`LocalError`] for an unknown team, user or channel.
    pub fn slash(
        &self,
        team: &TeamId,
        user: &str,
        channel: &ChannelId,
        command: &str,
        text: &str,
    ) -> Result<Event, LocalError> {
        let (speaker, line) = self.in_world(team, |world| {
            let speaker = world.speaker(user)?;
            let kind = LineKind::Slash {
                command: command.to_owned(),
            };
            let mut line = action_line(team, channel, world.known_place(channel)?, &speaker, kind);
            text.clone_into(&mut line.text);
            Ok((speaker, line))
        })?;
        self.record(line);
        Ok(Event::SlashCommand(SlashCommandEvent {
            command: command.to_owned(),
            text: text.to_owned(),
            channel: channel.clone(),
            user: speaker.id,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_added_once_and_never_in_a_dm() {
        assert_eq!(with_mention("hi"), "@bot hi");
        assert_eq!(with_mention("hi @bot"), "hi @bot");
        assert_eq!(with_mention(""), "@bot");
        let space = LocalSpace::new();
        let team = TeamId::from("T1");
        space.add_team(&team);
        let general = ChannelId::from("C0GENERAL");
        let Event::Message(m) = space
            .say(&team, "alice", &general, "@bot hi", None)
            .expect("say")
        else {
            panic!("a message")
        };
        assert_eq!(
            app_mention_of(&m),
            Some(Event::AppMention(AppMentionEvent {
                channel: general,
                user: m.user.clone(),
                text: "<@U0BOT> hi".into(),
                ts: m.ts.clone(),
                thread_ts: None,
            }))
        );
        let dm = space.resolve_place(&team, "alice", "dm").expect("dm");
        let Event::Message(m) = space
            .say(&team, "alice", &dm, "@bot hi", None)
            .expect("say")
        else {
            panic!("a message")
        };
        assert_eq!(app_mention_of(&m), None);
    }
}
