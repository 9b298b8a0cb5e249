//! What a local team keeps about its channels beyond their names (contract
//! 0.2.2): archived ones, topics and purposes, members, and the bot's
//! scheduled messages with the tasks that post them.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use tokio_util::task::AbortOnDropHandle;

use crate::chat::{About, ChatError, ScheduledMessage};
use crate::ids::{ChannelId, UserId};

/// A scheduled message and the task that will post it (aborted when the
/// message is deleted or the team goes).
#[derive(Debug)]
pub(super) struct Pending {
    pub(super) message: ScheduledMessage,
    pub(super) _task: AbortOnDropHandle<()>,
}

#[derive(Debug, Default)]
pub(super) struct Rooms {
    archived: HashSet<ChannelId>,
    about: HashMap<(ChannelId, bool), String>,
    /// Members of channels the bot manages; channels absent here have
    /// every user of the team (the local default).
    members: HashMap<ChannelId, BTreeSet<UserId>>,
    pending: Vec<Pending>,
    next_scheduled: u64,
    /// Group DMs the bot opened: id → the names of the users in it.
    groups: BTreeMap<ChannelId, String>,
}

impl Rooms {
    pub(super) fn is_archived(&self, channel: &ChannelId) -> bool {
        self.archived.contains(channel)
    }

    /// Archives or unarchives; Slack's error when it already was.
    pub(super) fn set_archived(
        &mut self,
        channel: &ChannelId,
        archived: bool,
    ) -> Result<(), ChatError> {
        let changed = if archived {
            self.archived.insert(channel.clone())
        } else {
            self.archived.remove(channel)
        };
        match (changed, archived) {
            (true, _) => Ok(()),
            (false, true) => Err(ChatError::Refused("already_archived".into())),
            (false, false) => Err(ChatError::Refused("not_archived".into())),
        }
    }

    pub(super) fn set_about(&mut self, channel: &ChannelId, about: About, text: &str) {
        let key = (channel.clone(), about == About::Purpose);
        self.about.insert(key, text.to_owned());
    }

    /// A channel's members, given everyone in the team for the default.
    pub(super) fn members(&self, channel: &ChannelId, everyone: &[UserId]) -> Vec<UserId> {
        match self.members.get(channel) {
            Some(set) => set.iter().cloned().collect(),
            None => everyone.to_vec(),
        }
    }

    /// Sets the members of a channel outright (a new one, say).
    pub(super) fn set_members(&mut self, channel: &ChannelId, members: &[UserId]) {
        self.members
            .insert(channel.clone(), members.iter().cloned().collect());
    }

    /// Adds (`true`) or removes a member; whether it changed anything.
    pub(super) fn change_member(
        &mut self,
        channel: &ChannelId,
        user: &UserId,
        add: bool,
        everyone: &[UserId],
    ) -> bool {
        let set = self
            .members
            .entry(channel.clone())
            .or_insert_with(|| everyone.iter().cloned().collect());
        if add {
            set.insert(user.clone())
        } else {
            set.remove(user)
        }
    }

    /// The group DM of these users (names, sorted and comma-joined),
    /// opened on first use as `G1`, `G2`, …
    pub(super) fn group(&mut self, names: String) -> ChannelId {
        if let Some((id, _)) = self.groups.iter().find(|(_, n)| **n == names) {
            return id.clone();
        }
        let id = ChannelId::new(format!("G{}", self.groups.len() + 1));
        self.groups.insert(id.clone(), names);
        id
    }

    /// The names of a group DM's users, if `id` is one.
    pub(super) fn group_names(&self, id: &ChannelId) -> Option<&str> {
        self.groups.get(id).map(String::as_str)
    }

    /// A new scheduled message id, `Q1`, `Q2`, …
    pub(super) fn next_id(&mut self) -> String {
        self.next_scheduled += 1;
        format!("Q{}", self.next_scheduled)
    }

    pub(super) fn add_pending(&mut self, pending: Pending) {
        self.pending.push(pending);
    }

    pub(super) fn pending(&self, channel: Option<&ChannelId>) -> Vec<ScheduledMessage> {
        self.pending
            .iter()
            .map(|p| &p.message)
            .filter(|m| channel.is_none_or(|c| &m.channel == c))
            .cloned()
            .collect()
    }

    /// Takes a scheduled message off the list, aborting its task; whether
    /// it was there.
    pub(super) fn remove_pending(&mut self, channel: &ChannelId, id: &str) -> bool {
        let before = self.pending.len();
        self.pending
            .retain(|p| !(p.message.id == id && &p.message.channel == channel));
        self.pending.len() != before
    }
}
