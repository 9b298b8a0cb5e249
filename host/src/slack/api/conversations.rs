//! The `conversations.*` methods of contract 0.2.2: managing channels and
//! their members, reading history. Form bodies, as Slack takes for them
//! (protocols.md §4.1); list arguments are comma-separated.

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::client::WebClient;
use super::error::ApiError;
use super::paging::{self, Page, ResponseMetadata};
use super::types::ChannelRecord;
use crate::ids::{ChannelId, Ts, UserId};
use crate::secret::Secret;

/// A message from `conversations.history` / `.replies`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MessageRecord {
    #[serde(default)]
    pub user: Option<UserId>,
    #[serde(default)]
    pub text: String,
    pub ts: Ts,
    #[serde(default)]
    pub thread_ts: Option<Ts>,
    #[serde(default)]
    pub reply_count: u32,
}

/// Which page of history to read.
#[derive(Debug, Clone, Default)]
pub struct HistoryArgs<'a> {
    pub limit: u32,
    pub oldest: Option<&'a str>,
    pub latest: Option<&'a str>,
    pub cursor: Option<&'a str>,
}

#[derive(Deserialize)]
struct ChannelWire {
    channel: ChannelRecord,
}

#[derive(Deserialize)]
struct MembersWire {
    #[serde(default)]
    members: Vec<UserId>,
    #[serde(default)]
    response_metadata: Option<ResponseMetadata>,
}

#[derive(Deserialize)]
struct MessagesWire {
    #[serde(default)]
    messages: Vec<MessageRecord>,
    #[serde(default)]
    response_metadata: Option<ResponseMetadata>,
}

#[derive(Deserialize)]
struct OpenWire {
    channel: IdOnly,
}

#[derive(Deserialize)]
struct IdOnly {
    id: ChannelId,
}

/// Slack's cap on `limit` for `conversations.members` / `.history`.
const PAGE_MAX: u32 = 999;

impl WebClient {
    async fn call_ok(
        &self,
        method: &'static str,
        token: &Secret,
        form: &[(&str, &str)],
    ) -> Result<(), ApiError> {
        self.call_form::<IgnoredAny>(method, token, form)
            .await
            .map(drop)
    }

    /// `conversations.create`: a new public or private channel.
    ///
    /// # Errors
    /// `name_taken`, `invalid_name_*`, `restricted_action`.
    pub async fn conversations_create(
        &self,
        token: &Secret,
        name: &str,
        is_private: bool,
    ) -> Result<ChannelRecord, ApiError> {
        let private = if is_private { "true" } else { "false" };
        let form = [("name", name), ("is_private", private)];
        let wire: ChannelWire = self.call_form("conversations.create", token, &form).await?;
        Ok(wire.channel)
    }

    /// `conversations.rename`.
    ///
    /// # Errors
    /// `name_taken`, `not_in_channel`, `channel_not_found`.
    pub async fn conversations_rename(
        &self,
        token: &Secret,
        channel: &ChannelId,
        name: &str,
    ) -> Result<ChannelRecord, ApiError> {
        let form = [("channel", channel.as_str()), ("name", name)];
        let wire: ChannelWire = self.call_form("conversations.rename", token, &form).await?;
        Ok(wire.channel)
    }

    /// `conversations.archive` or `conversations.unarchive`.
    ///
    /// # Errors
    /// `already_archived`, `not_archived`, `cant_archive_general`.
    pub async fn conversations_set_archived(
        &self,
        token: &Secret,
        channel: &ChannelId,
        archived: bool,
    ) -> Result<(), ApiError> {
        let method = if archived {
            "conversations.archive"
        } else {
            "conversations.unarchive"
        };
        self.call_ok(method, token, &[("channel", channel.as_str())])
            .await
    }

    /// `conversations.setTopic` (`purpose` false) or `.setPurpose`.
    ///
    /// # Errors
    /// `not_in_channel`, `too_long`, `is_archived`.
    pub async fn conversations_set_about(
        &self,
        token: &Secret,
        channel: &ChannelId,
        purpose: bool,
        text: &str,
    ) -> Result<(), ApiError> {
        let (method, key) = if purpose {
            ("conversations.setPurpose", "purpose")
        } else {
            ("conversations.setTopic", "topic")
        };
        self.call_ok(method, token, &[("channel", channel.as_str()), (key, text)])
            .await
    }

    /// `conversations.invite` with a comma-separated `users`.
    ///
    /// # Errors
    /// `already_in_channel`, `user_not_found`, `cant_invite_self`.
    pub async fn conversations_invite(
        &self,
        token: &Secret,
        channel: &ChannelId,
        users: &[UserId],
    ) -> Result<(), ApiError> {
        let users = join(users);
        let form = [("channel", channel.as_str()), ("users", users.as_str())];
        self.call_ok("conversations.invite", token, &form).await
    }

    /// `conversations.kick`.
    ///
    /// # Errors
    /// `not_in_channel`, `cant_kick_self`, `user_not_found`.
    pub async fn conversations_kick(
        &self,
        token: &Secret,
        channel: &ChannelId,
        user: &UserId,
    ) -> Result<(), ApiError> {
        let form = [("channel", channel.as_str()), ("user", user.as_str())];
        self.call_ok("conversations.kick", token, &form).await
    }

    /// `conversations.members`, one page.
    ///
    /// # Errors
    /// `invalid_cursor`, `channel_not_found`.
    pub async fn conversations_members(
        &self,
        token: &Secret,
        channel: &ChannelId,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<UserId>, ApiError> {
        let limit = limit.clamp(1, PAGE_MAX).to_string();
        let mut form = vec![("channel", channel.as_str()), ("limit", limit.as_str())];
        if let Some(cursor) = cursor.filter(|c| !c.is_empty()) {
            form.push(("cursor", cursor));
        }
        let wire: MembersWire = self
            .call_form("conversations.members", token, &form)
            .await?;
        Ok(paging::page(wire.members, wire.response_metadata))
    }

    /// `conversations.join` (public channels).
    ///
    /// # Errors
    /// `is_archived`, `method_not_supported_for_channel_type`.
    pub async fn conversations_join(
        &self,
        token: &Secret,
        channel: &ChannelId,
    ) -> Result<ChannelRecord, ApiError> {
        let form = [("channel", channel.as_str())];
        let wire: ChannelWire = self.call_form("conversations.join", token, &form).await?;
        Ok(wire.channel)
    }

    /// `conversations.leave`.
    ///
    /// # Errors
    /// `cant_leave_general`, `not_in_channel`.
    pub async fn conversations_leave(
        &self,
        token: &Secret,
        channel: &ChannelId,
    ) -> Result<(), ApiError> {
        self.call_ok(
            "conversations.leave",
            token,
            &[("channel", channel.as_str())],
        )
        .await
    }

    /// `conversations.open` with one or several users (a DM or group DM).
    ///
    /// # Errors
    /// `user_not_found`, `too_many_users`.
    pub async fn conversations_open_many(
        &self,
        token: &Secret,
        users: &[UserId],
    ) -> Result<ChannelId, ApiError> {
        let users = join(users);
        let form = [("users", users.as_str())];
        let wire: OpenWire = self.call_form("conversations.open", token, &form).await?;
        Ok(wire.channel.id)
    }

    /// `conversations.history` (no `thread`) or `conversations.replies`.
    ///
    /// # Errors
    /// `invalid_cursor`, `not_in_channel`, `thread_not_found`.
    pub async fn conversations_history(
        &self,
        token: &Secret,
        channel: &ChannelId,
        thread: Option<&Ts>,
        args: &HistoryArgs<'_>,
    ) -> Result<Page<MessageRecord>, ApiError> {
        let limit = args.limit.clamp(1, PAGE_MAX).to_string();
        let mut form = vec![("channel", channel.as_str()), ("limit", limit.as_str())];
        let optional = [
            ("ts", thread.map(Ts::as_str)),
            ("oldest", args.oldest),
            ("latest", args.latest),
            ("cursor", args.cursor),
        ];
        form.extend(
            optional
                .into_iter()
                .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k, v))),
        );
        let method = if thread.is_some() {
            "conversations.replies"
        } else {
            "conversations.history"
        };
        let wire: MessagesWire = self.call_form(method, token, &form).await?;
        Ok(paging::page(wire.messages, wire.response_metadata))
    }
}

fn join(users: &[UserId]) -> String {
    users
        .iter()
        .map(UserId::as_str)
        .collect::<Vec<_>>()
        .join(",")
}
