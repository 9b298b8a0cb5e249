//! One simulated team's state: its users, channels, messages and
//! reactions. Pure data with lookups and checked changes; the space
//! ([`super::space`]) guards it and turns changes into events and
//! transcript lines.

use std::collections::{HashMap, HashSet};

use super::rooms::Rooms;
use super::space::LocalError;
use crate::chat::{ChannelInfo, HistoryMessage, UserInfo};
use crate::ids::{ChannelId, Ts, UserId};

/// The bot's user in every local team.
pub const BOT_USER: &str = "U0BOT";
pub(super) const BOT_NAME: &str = "bot";
const USERS: [(&str, &str, &str); 2] = [
    ("U0ALICE", "alice", "Alice Liddell"),
    ("U0BOB", "bob", "Bob Builder"),
];
const CHANNELS: [(&str, &str); 2] = [("C0GENERAL", "general"), ("C0RANDOM", "random")];
/// Every local ts is this second plus a counter as microseconds, so a
/// message's number in the transcript (`3`) names its ts.
const TS_SECOND: &str = "1700000000";

/// A message as the world remembers it.
#[derive(Debug)]
struct Posted {
    user: UserId,
    text: String,
    /// The thread it was posted in (the root's ts), if any.
    thread_ts: Option<Ts>,
}

/// A reaction: who put which emoji on which message.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(super) struct Reaction {
    pub(super) channel: ChannelId,
    pub(super) ts: Ts,
    pub(super) user: UserId,
    pub(super) name: String,
}

#[derive(Debug)]
pub(super) struct World {
    pub(super) name: String,
    users: Vec<UserInfo>,
    channels: Vec<ChannelInfo>,
    messages: HashMap<(ChannelId, Ts), Posted>,
    /// The newest message of each channel, for "reply to the last one".
    latest: HashMap<ChannelId, Ts>,
    reactions: HashSet<Reaction>,
    next_ts: u64,
    next_channel: u64,
    /// Archived channels, topics, members, scheduled messages.
    pub(super) rooms: Rooms,
}

impl World {
    pub(super) fn new() -> Self {
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
            .map(|(id, name)| channel_info(ChannelId::from(*id), name))
            .collect();
        Self {
            name: String::new(),
            users,
            channels,
            messages: HashMap::new(),
            latest: HashMap::new(),
            reactions: HashSet::new(),
            next_ts: 1,
            next_channel: 1,
            rooms: Rooms::default(),
        }
    }

    /// A new, never used ts.
    pub(super) fn ts(&mut self) -> Ts {
        let ts = ts_number(self.next_ts);
        self.next_ts += 1;
        ts
    }

    pub(super) fn user(&self, id: &UserId) -> Option<&UserInfo> {
        self.users.iter().find(|u| &u.id == id)
    }

    pub(super) fn user_named(&self, name: &str) -> Option<&UserInfo> {
        self.users.iter().find(|u| u.name == name)
    }

    /// The user named `name`, or an error listing who there is.
    pub(super) fn speaker(&self, name: &str) -> Result<UserInfo, LocalError> {
        self.user_named(name)
            .cloned()
            .ok_or_else(|| LocalError::UnknownUser {
                name: name.to_owned(),
                known: or_list(
                    self.users
                        .iter()
                        .filter(|u| !u.is_bot)
                        .map(|u| u.name.clone()),
                ),
            })
    }

    /// A user joins the team; their id is made from their name.
    pub(super) fn add_user(&mut self, name: &str) -> Result<UserInfo, LocalError> {
        if self.user_named(name).is_some() {
            return Err(LocalError::UserExists(name.to_owned()));
        }
        let stem: String = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let mut id = UserId::new(format!("U0{stem}"));
        let mut n = 2;
        while self.user(&id).is_some() {
            id = UserId::new(format!("U0{stem}{n}"));
            n += 1;
        }
        let user = UserInfo {
            id,
            name: name.to_owned(),
            real_name: name.to_owned(),
            is_bot: false,
        };
        self.users.push(user.clone());
        Ok(user)
    }

    /// The DM channel id between the bot and a user.
    pub(super) fn dm_of(user: &UserId) -> ChannelId {
        ChannelId::new(format!("D{}", user.as_str()))
    }

    pub(super) fn channel(&self, id: &ChannelId) -> Option<ChannelInfo> {
        if let Some(c) = self.channels.iter().find(|c| &c.id == id) {
            return Some(c.clone());
        }
        if let Some(names) = self.rooms.group_names(id) {
            return Some(ChannelInfo {
                id: id.clone(),
                name: names.to_owned(),
                is_private: true,
                is_member: true,
            });
        }
        let user = self.user(&UserId::new(id.as_str().strip_prefix('D')?))?;
        Some(ChannelInfo {
            id: id.clone(),
            name: user.name.clone(),
            is_private: true,
            is_member: true,
        })
    }

    pub(super) fn channel_named(&self, name: &str) -> Option<&ChannelInfo> {
        self.channels.iter().find(|c| c.name == name)
    }

    /// A channel by `#name`, `name` or id, or an error listing the places
    /// there are.
    pub(super) fn find_channel(&self, place: &str) -> Result<ChannelId, LocalError> {
        let name = place.trim_start_matches('#');
        self.channels
            .iter()
            .find(|c| c.name == name || c.id.as_str() == name)
            .map(|c| c.id.clone())
            .ok_or_else(|| self.unknown_channel(place))
    }

    /// The place of a channel id ([`Self::place`]), or an error listing the
    /// places there are.
    pub(super) fn known_place(&self, id: &ChannelId) -> Result<String, LocalError> {
        self.place(id)
            .ok_or_else(|| self.unknown_channel(id.as_str()))
    }

    fn unknown_channel(&self, name: &str) -> LocalError {
        LocalError::UnknownChannel {
            name: name.to_owned(),
            known: or_list(
                self.channels
                    .iter()
                    .map(|c| format!("#{}", c.name))
                    .chain(["dm".to_owned()]),
            ),
        }
    }

    /// A channel (not a DM), for joining, leaving and renaming.
    pub(super) fn public_channel(&self, id: &ChannelId) -> Result<ChannelInfo, LocalError> {
        match self.channels.iter().find(|c| &c.id == id) {
            Some(c) => Ok(c.clone()),
            None => Err(LocalError::NotAChannel(self.place(id).unwrap_or_default())),
        }
    }

    /// Creates `#name`. The bot is a member of every local channel, new
    /// ones included, so it can answer there without an invite step.
    pub(super) fn add_channel(&mut self, name: &str) -> Result<ChannelInfo, LocalError> {
        if self.channel_named(name).is_some() {
            return Err(LocalError::ChannelExists(name.to_owned()));
        }
        let id = ChannelId::new(format!("C0NEW{}", self.next_channel));
        self.next_channel += 1;
        let channel = channel_info(id, name);
        self.channels.push(channel.clone());
        Ok(channel)
    }

    /// Renames a channel; its id (and so its messages) stay.
    pub(super) fn rename_channel(&mut self, id: &ChannelId, name: &str) -> Result<(), LocalError> {
        if self.channel_named(name).is_some() {
            return Err(LocalError::ChannelExists(name.to_owned()));
        }
        let channel = self
            .channels
            .iter_mut()
            .find(|c| &c.id == id)
            .ok_or_else(|| LocalError::NotAChannel(id.to_string()))?;
        name.clone_into(&mut channel.name);
        Ok(())
    }

    /// `#general` for channels, `@alice` for a DM.
    pub(super) fn place(&self, id: &ChannelId) -> Option<String> {
        let c = self.channel(id)?;
        Some(if c.is_private {
            format!("@{}", c.name)
        } else {
            format!("#{}", c.name)
        })
    }

    /// Remembers a message (a user's or the bot's).
    pub(super) fn post(
        &mut self,
        channel: &ChannelId,
        ts: &Ts,
        user: &UserId,
        text: &str,
        thread_ts: Option<Ts>,
    ) {
        let posted = Posted {
            user: user.clone(),
            text: text.to_owned(),
            thread_ts,
        };
        self.messages.insert((channel.clone(), ts.clone()), posted);
        self.latest.insert(channel.clone(), ts.clone());
    }

    pub(super) fn has_message(&self, channel: &ChannelId, ts: &Ts) -> bool {
        self.messages.contains_key(&(channel.clone(), ts.clone()))
    }

    /// Forgets a message; whether there was one.
    pub(super) fn delete(&mut self, channel: &ChannelId, ts: &Ts) -> bool {
        self.messages
            .remove(&(channel.clone(), ts.clone()))
            .is_some()
    }

    /// Every user id of the team, the bot's included.
    pub(super) fn user_ids(&self) -> Vec<UserId> {
        self.users.iter().map(|u| u.id.clone()).collect()
    }

    /// A channel's top-level messages, newest first, or a thread's (its
    /// root first), oldest first; strictly between `oldest` and `latest`.
    pub(super) fn history(
        &self,
        channel: &ChannelId,
        thread: Option<&Ts>,
        oldest: Option<&Ts>,
        latest: Option<&Ts>,
    ) -> Vec<HistoryMessage> {
        let replies = |root: &Ts| {
            let n = self
                .messages
                .iter()
                .filter(|((c, ts), p)| {
                    c == channel && ts != root && p.thread_ts.as_ref() == Some(root)
                })
                .count();
            u32::try_from(n).unwrap_or(u32::MAX)
        };
        let mut found: Vec<HistoryMessage> = self
            .messages
            .iter()
            .filter(|((c, _), _)| c == channel)
            .filter(|((_, ts), p)| match thread {
                Some(root) => ts == root || p.thread_ts.as_ref() == Some(root),
                None => p.thread_ts.as_ref().is_none_or(|root| root == ts),
            })
            .filter(|((_, ts), _)| oldest.is_none_or(|o| ts > o) && latest.is_none_or(|l| ts < l))
            .map(|((_, ts), p)| HistoryMessage {
                user: Some(p.user.clone()),
                text: p.text.clone(),
                ts: ts.clone(),
                thread_ts: p.thread_ts.clone(),
                reply_count: replies(ts),
            })
            .collect();
        found.sort_by(|a, b| a.ts.cmp(&b.ts));
        if thread.is_none() {
            found.reverse();
        }
        found
    }

    /// Replaces a message's text; `false` when there is no such message.
    pub(super) fn edit(&mut self, channel: &ChannelId, ts: &Ts, text: &str) -> bool {
        match self.messages.get_mut(&(channel.clone(), ts.clone())) {
            Some(posted) => {
                text.clone_into(&mut posted.text);
                true
            }
            None => false,
        }
    }

    /// The thread a reply to `reference` goes in: the message's own ts, or
    /// its thread's root when it is itself a reply (as Slack threads are
    /// one level deep). `reference` is `last` (the newest message of the
    /// channel), a message number as the transcript shows it, or a ts.
    pub(super) fn thread_root(
        &self,
        channel: &ChannelId,
        reference: &str,
    ) -> Result<Ts, LocalError> {
        let place = || self.place(channel).unwrap_or_else(|| channel.to_string());
        let ts = if reference == "last" {
            self.latest
                .get(channel)
                .cloned()
                .ok_or_else(|| LocalError::NoMessageYet(place()))?
        } else if let Ok(n) = reference.parse::<u64>() {
            ts_number(n)
        } else {
            Ts::from(reference)
        };
        let posted = self
            .messages
            .get(&(channel.clone(), ts.clone()))
            .ok_or_else(|| LocalError::UnknownMessage {
                reference: reference.to_owned(),
                place: place(),
            })?;
        Ok(posted.thread_ts.clone().unwrap_or(ts))
    }

    /// Every reaction on the team's messages.
    pub(super) fn reactions(&mut self) -> &mut HashSet<Reaction> {
        &mut self.reactions
    }
}

fn channel_info(id: ChannelId, name: &str) -> ChannelInfo {
    ChannelInfo {
        id,
        name: name.to_owned(),
        is_private: false,
        is_member: true,
    }
}

/// The ts of message number `n`.
fn ts_number(n: u64) -> Ts {
    Ts::new(format!("{TS_SECOND}.{n:06}"))
}

/// `a`, `a or b`, `a, b or c`: for "try …" hints.
fn or_list(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_list_what_there_is() {
        let mut world = World::new();
        assert_eq!(
            world.speaker("nobody").map(|u| u.name),
            Err(LocalError::UnknownUser {
                name: "nobody".into(),
                known: "alice or bob".into()
            })
        );
        world.add_user("carol").expect("new user");
        world.add_channel("ops").expect("new channel");
        assert_eq!(
            world
                .speaker("dan")
                .map(|u| u.name)
                .map_err(|e| e.to_string()),
            Err("unknown user `dan` (try alice, bob or carol)".into())
        );
        assert_eq!(
            world.find_channel("#nope").map_err(|e| e.to_string()),
            Err("unknown channel `#nope` (try #general, #random, #ops or dm)".into())
        );
    }

    #[test]
    fn replies_to_a_reply_go_to_the_root() {
        let mut world = World::new();
        let general = ChannelId::from("C0GENERAL");
        assert_eq!(
            world.thread_root(&general, "last"),
            Err(LocalError::NoMessageYet("#general".into()))
        );
        let root = world.ts();
        world.post(&general, &root, &UserId::from("U0ALICE"), "root", None);
        let reply = world.ts();
        world.post(
            &general,
            &reply,
            &UserId::from("U0ALICE"),
            "reply",
            Some(root.clone()),
        );
        assert_eq!(world.thread_root(&general, "2"), Ok(root.clone()));
        assert_eq!(world.thread_root(&general, "last"), Ok(root.clone()));
        assert_eq!(world.thread_root(&general, root.as_str()), Ok(root));
        assert!(world.thread_root(&general, "9").is_err());
    }

    #[test]
    fn new_users_get_distinct_ids() {
        let mut world = World::new();
        let a = world.add_user("a.b").expect("a.b");
        let b = world.add_user("ab").expect("ab");
        assert_eq!((a.id.as_str(), b.id.as_str()), ("U0AB", "U0AB2"));
        assert_eq!(
            world.add_user("ab").map(|u| u.name),
            Err(LocalError::UserExists("ab".into()))
        );
    }
}
