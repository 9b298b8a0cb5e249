//! A team's users and channels, cached (as djangobot did) so that name ↔
//! id lookups from bots cost no API call. Filled by paging `users.list`
//! and `conversations.list` on connect, kept current from events.

use std::collections::HashMap;

use serde_json::Value;

use crate::chat::{ChannelInfo, UserInfo};
use crate::event::Event;
use crate::ids::{ChannelId, UserId};

/// Users and channels of one team, indexed both ways: a name lookup is a
/// map access, not a scan (it runs inside a bot's call, on its budget).
#[derive(Debug, Default, Clone)]
pub struct Directory {
    users: HashMap<UserId, UserInfo>,
    channels: HashMap<ChannelId, ChannelInfo>,
    user_names: HashMap<String, UserId>,
    channel_names: HashMap<String, ChannelId>,
}

fn key(name: &str) -> String {
    name.to_ascii_lowercase()
}

impl Directory {
    pub fn upsert_user(&mut self, user: UserInfo) {
        if let Some(old) = self.users.get(&user.id) {
            self.user_names.remove(&key(&old.name));
        }
        self.user_names.insert(key(&user.name), user.id.clone());
        self.users.insert(user.id.clone(), user);
    }

    pub fn upsert_channel(&mut self, channel: ChannelInfo) {
        if let Some(old) = self.channels.get(&channel.id) {
            self.channel_names.remove(&key(&old.name));
        }
        self.channel_names
            .insert(key(&channel.name), channel.id.clone());
        self.channels.insert(channel.id.clone(), channel);
    }

    pub fn user(&self, id: &UserId) -> Option<&UserInfo> {
        self.users.get(id)
    }

    pub fn channel(&self, id: &ChannelId) -> Option<&ChannelInfo> {
        self.channels.get(id)
    }

    /// A user by name (without `@`), case-insensitively.
    pub fn user_named(&self, name: &str) -> Option<&UserInfo> {
        let name = name.trim_start_matches('@');
        self.users
            .values()
            .find(|u| u.name.eq_ignore_ascii_case(name))
    }

    /// A channel by name (without `#`), case-insensitively.
    pub fn channel_named(&self, name: &str) -> Option<&ChannelInfo> {
        let name = name.trim_start_matches('#');
        self.channels
            .values()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    pub fn users(&self) -> usize {
        self.users.len()
    }

    pub fn channels(&self) -> usize {
        self.channels.len()
    }

    /// Applies the user objects of `team_join` and `user_change`, which
    /// carry more than the typed event keeps (names, bot flag).
    pub fn observe_raw(&mut self, event: &Value) {
        let kind = event.get("type").and_then(Value::as_str);
        if !matches!(kind, Some("team_join" | "user_change")) {
            return;
        }
        let Some(user) = event.get("user") else {
            return;
        };
        let text = |key: &str| user.get(key).and_then(Value::as_str).unwrap_or_default();
        if text("id").is_empty() {
            return;
        }
        let real_name = match text("real_name") {
            "" => user
                .pointer("/profile/real_name")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            name => name,
        };
        self.upsert_user(UserInfo {
            id: UserId::new(text("id")),
            name: text("name").to_owned(),
            real_name: real_name.to_owned(),
            is_bot: user.get("is_bot").and_then(Value::as_bool).unwrap_or(false),
        });
    }

    /// Applies what an event says about users and channels.
    pub fn observe(&mut self, event: &Event) {
        match event {
            Event::ChannelCreated { channel, name, .. } => self.upsert_channel(ChannelInfo {
                id: channel.clone(),
                name: name.clone(),
                is_private: false,
                is_member: false,
            }),
            Event::ChannelRenamed { channel, name } => {
                if let Some(c) = self.channels.get(channel) {
                    let renamed = ChannelInfo {
                        name: name.clone(),
                        ..c.clone()
                    };
                    self.upsert_channel(renamed);
                }
            }
            Event::TeamJoin { user } if !self.users.contains_key(user) => {
                self.upsert_user(UserInfo {
                    id: user.clone(),
                    name: user.to_string(),
                    real_name: String::new(),
                    is_bot: false,
                });
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_and_changed_users_are_looked_up_by_name() {
        let mut d = Directory::default();
        d.observe_raw(&serde_json::json!({"type": "team_join", "user": {"id": "U9", "name": "carol", "profile": {"real_name": "Carol C"}}}));
        assert_eq!(
            d.user_named("carol").map(|u| u.real_name.as_str()),
            Some("Carol C")
        );
        d.observe_raw(&serde_json::json!({"type": "user_change", "user": {"id": "U9", "name": "caz", "real_name": "Caz"}}));
        assert!(d.user_named("carol").is_none());
        assert_eq!(d.user_named("caz").map(|u| u.id.as_str()), Some("U9"));
    }

    #[test]
    fn lookups_by_name_follow_renames() {
        let mut d = Directory::default();
        d.upsert_channel(ChannelInfo {
            id: "C1".into(),
            name: "general".into(),
            is_private: false,
            is_member: true,
        });
        assert_eq!(
            d.channel_named("#General").map(|c| c.id.as_str()),
            Some("C1")
        );
        d.observe(&Event::ChannelRenamed {
            channel: "C1".into(),
            name: "lobby".into(),
        });
        assert!(d.channel_named("general").is_none());
        assert!(d.channel_named("lobby").is_some());
    }
}
