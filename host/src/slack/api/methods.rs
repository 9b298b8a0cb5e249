//! One function per Slack method the host calls.
//!
//! Body encodings follow Slack's rules: JSON only where the method accepts
//! it (`json_input_supported`), a form body elsewhere, and no body at all
//! where the token is the only argument. The token is never an argument in
//! any body: it travels in `Authorization` only.
//!
//! Every function shares the same error contract, so each `# Errors` section
//! lists only what is specific to the method. In general:
//! [`ApiError::Slack`] for `ok:false` (see [`ApiError::is_fatal`]),
//! [`ApiError::RateLimited`] for 429 or `ratelimited`, [`ApiError::Http`]
//! for other non-2xx statuses, [`ApiError::Transport`] for network failures
//! and timeouts, [`ApiError::Decode`] for an unreadable answer.

use serde::de::IgnoredAny;
use serde_json::json;

use super::client::WebClient;
use super::error::ApiError;
use super::paging::{self, Page};
use super::types::{
    AuthTest, ChannelRecord, ConnectionsOpenWire, ConversationsListWire, ConversationsOpenWire,
    PostMessage, Posted, RtmConnect, RtmConnectWire, UserRecord, UsersListWire,
};
use crate::ids::{ChannelId, Ts, UserId};
use crate::secret::Secret;

/// `users.list` without a limit tries to return everyone and can fail with
/// `limit_required` or HTTP 500 on big workspaces; 200 is the safe ceiling.
const USERS_LIST_MAX: u32 = 200;

/// `conversations.list` requires `limit` under 1000.
const CONVERSATIONS_LIST_MAX: u32 = 999;

/// Conversation types the host tracks. DMs are opened on demand with
/// `conversations.open`, not listed.
const CHANNEL_TYPES: &str = "public_channel,private_channel";

impl WebClient {
    /// `auth.test`: validates `token` and says which team and bot user it
    /// belongs to. Cheap (special rate tier), so it is the first call for a
    /// team.
    ///
    /// # Errors
    ///
    /// A fatal [`ApiError::Slack`] (`invalid_auth`, `token_revoked`, …) when
    /// the token is unusable; otherwise as in the module docs.
    pub async fn auth_test(&self, token: &Secret) -> Result<AuthTest, ApiError> {
        self.call_empty("auth.test", token).await
    }

    /// `rtm.connect`: a fresh single-use RTM WebSocket URL (valid about
    /// 30 s; call again for every reconnect) for a classic bot token.
    ///
    /// # Errors
    ///
    /// Fatal [`ApiError::Slack`] for auth failures, `not_allowed_token_type`
    /// (granular apps cannot use RTM) and `missing_scope`; retryable for
    /// `migration_in_progress` and Slack-side outages.
    pub async fn rtm_connect(&self, token: &Secret) -> Result<RtmConnect, ApiError> {
        self.call_empty::<RtmConnectWire>("rtm.connect", token)
            .await
            .map(RtmConnect::from)
    }

    /// `apps.connections.open`: a fresh Socket Mode WebSocket URL. The
    /// app-level token (`xapp-…`) goes in the header only and the request has
    /// no body; Slack rejects the token as a POST parameter.
    ///
    /// # Errors
    ///
    /// Fatal [`ApiError::Slack`] for auth failures and `missing_scope`
    /// (the token lacks `connections:write`).
    pub async fn apps_connections_open(&self, app_token: &Secret) -> Result<String, ApiError> {
        self.call_empty::<ConnectionsOpenWire>("apps.connections.open", app_token)
            .await
            .map(|wire| wire.url)
    }

    /// `chat.postMessage`: posts plain text, optionally as a thread reply.
    /// Returns where it landed, for later `chat.update` / `reactions.add`.
    ///
    /// # Errors
    ///
    /// Non-fatal [`ApiError::Slack`] for per-message problems such as
    /// `channel_not_found`, `not_in_channel`, `is_archived`, `msg_too_long`.
    pub async fn chat_post_message(
        &self,
        token: &Secret,
        msg: &PostMessage,
    ) -> Result<Posted, ApiError> {
        let mut body = json!({
            "channel": msg.channel.as_str(),
            "text": msg.text,
        });
        if let Some(thread_ts) = &msg.thread_ts {
            body["thread_ts"] = json!(thread_ts.as_str());
        }
        self.call_json("chat.postMessage", token, &body).await
    }

    /// `chat.update`: replaces the text of a message the bot posted.
    ///
    /// # Errors
    ///
    /// Non-fatal [`ApiError::Slack`] such as `message_not_found`,
    /// `cant_update_message`, `edit_window_closed`.
    pub async fn chat_update(
        &self,
        token: &Secret,
        channel: &ChannelId,
        ts: &Ts,
        text: &str,
    ) -> Result<(), ApiError> {
        let body = json!({
            "channel": channel.as_str(),
            "ts": ts.as_str(),
            "text": text,
        });
        self.call_json::<IgnoredAny>("chat.update", token, &body)
            .await
            .map(drop)
    }

    /// `reactions.add`: adds emoji `name` (without colons, e.g. `thumbsup`)
    /// to the message at `ts`.
    ///
    /// # Errors
    ///
    /// Non-fatal [`ApiError::Slack`] such as `already_reacted`,
    /// `invalid_name`, `message_not_found`.
    pub async fn reactions_add(
        &self,
        token: &Secret,
        channel: &ChannelId,
        ts: &Ts,
        name: &str,
    ) -> Result<(), ApiError> {
        let body = json!({
            "channel": channel.as_str(),
            "timestamp": ts.as_str(),
            "name": name,
        });
        self.call_json::<IgnoredAny>("reactions.add", token, &body)
            .await
            .map(drop)
    }

    /// `conversations.open`: the DM channel with `user` (opened if needed),
    /// so a bot can message someone privately.
    ///
    /// # Errors
    ///
    /// Non-fatal [`ApiError::Slack`] such as `user_not_found`,
    /// `user_disabled`, `cannot_dm_bot`.
    pub async fn conversations_open(
        &self,
        token: &Secret,
        user: &UserId,
    ) -> Result<ChannelId, ApiError> {
        self.call_form::<ConversationsOpenWire>(
            "conversations.open",
            token,
            &[("users", user.as_str())],
        )
        .await
        .map(ConversationsOpenWire::into_channel)
    }

    /// `conversations.list`, one page: public and private channels the bot
    /// can see, archived ones excluded. Pass the previous page's
    /// `next_cursor` as `cursor` (`None` for the first page). `limit` is
    /// clamped to 1..=999, as Slack requires it under 1000.
    ///
    /// # Errors
    ///
    /// [`ApiError::Slack`] `invalid_cursor` for a stale or foreign cursor;
    /// `missing_scope` without `channels:read` / `groups:read`.
    pub async fn conversations_list_page(
        &self,
        token: &Secret,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<ChannelRecord>, ApiError> {
        let limit = limit.clamp(1, CONVERSATIONS_LIST_MAX).to_string();
        let mut form = vec![
            ("types", CHANNEL_TYPES),
            ("exclude_archived", "true"),
            ("limit", limit.as_str()),
        ];
        if let Some(cursor) = cursor.filter(|c| !c.is_empty()) {
            form.push(("cursor", cursor));
        }
        let wire: ConversationsListWire =
            self.call_form("conversations.list", token, &form).await?;
        Ok(paging::page(wire.channels, wire.response_metadata))
    }

    /// `users.list`, one page. `limit` is always sent, clamped to 1..=200:
    /// without it Slack tries to return every member at once and can fail
    /// on large workspaces.
    ///
    /// # Errors
    ///
    /// [`ApiError::Slack`] `invalid_cursor` for a stale or foreign cursor;
    /// `missing_scope` without `users:read`.
    pub async fn users_list_page(
        &self,
        token: &Secret,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<UserRecord>, ApiError> {
        let limit = limit.clamp(1, USERS_LIST_MAX).to_string();
        let mut form = vec![("limit", limit.as_str())];
        if let Some(cursor) = cursor.filter(|c| !c.is_empty()) {
            form.push(("cursor", cursor));
        }
        let wire: UsersListWire = self.call_form("users.list", token, &form).await?;
        let users = wire.members.into_iter().map(UserRecord::from).collect();
        Ok(paging::page(users, wire.response_metadata))
    }
}
