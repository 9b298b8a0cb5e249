//! The `chat.*` methods of contract 0.2.2: rich and ephemeral posts,
//! deleting, permalinks and scheduled messages. JSON bodies where Slack
//! takes them (`blocks` then travels as a JSON array), a form otherwise.

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Value, json};

use super::client::WebClient;
use super::error::ApiError;
use super::types::Posted;
use crate::ids::{ChannelId, Ts, UserId};
use crate::secret::Secret;

/// Arguments of a rich `chat.postMessage` or `chat.scheduleMessage`.
#[derive(Debug, Clone, Copy)]
pub struct RichPost<'a> {
    pub channel: &'a ChannelId,
    pub text: &'a str,
    /// Checked Block Kit JSON.
    pub blocks: Option<&'a str>,
    pub thread_ts: Option<&'a Ts>,
    pub reply_broadcast: bool,
}

impl RichPost<'_> {
    fn body(&self) -> Value {
        let mut body = json!({"channel": self.channel.as_str(), "text": self.text});
        if let Some(blocks) = self.blocks {
            // Checked by the host already; sent as JSON, not as text.
            body["blocks"] = serde_json::from_str(blocks).unwrap_or(Value::Null);
        }
        if let Some(thread_ts) = self.thread_ts {
            body["thread_ts"] = json!(thread_ts.as_str());
            if self.reply_broadcast {
                body["reply_broadcast"] = json!(true);
            }
        }
        body
    }
}

/// A scheduled message from `chat.scheduledMessages.list`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ScheduledRecord {
    pub id: String,
    pub channel_id: ChannelId,
    pub post_at: u64,
    #[serde(default)]
    pub text: String,
}

#[derive(Deserialize)]
struct PermalinkWire {
    permalink: String,
}

#[derive(Deserialize)]
struct ScheduledWire {
    scheduled_message_id: String,
}

#[derive(Deserialize)]
struct ScheduledListWire {
    #[serde(default)]
    scheduled_messages: Vec<ScheduledRecord>,
}

impl WebClient {
    /// `chat.postMessage` with blocks, thread and broadcast.
    ///
    /// # Errors
    /// `invalid_blocks`, `msg_blocks_too_long`, as for plain posts.
    pub async fn chat_post_rich(
        &self,
        token: &Secret,
        post: &RichPost<'_>,
    ) -> Result<Posted, ApiError> {
        self.call_json("chat.postMessage", token, &post.body())
            .await
    }

    /// `chat.postEphemeral`: only `user` sees it.
    ///
    /// # Errors
    /// `user_not_in_channel`, `channel_not_found`.
    pub async fn chat_post_ephemeral(
        &self,
        token: &Secret,
        post: &RichPost<'_>,
        user: &UserId,
    ) -> Result<(), ApiError> {
        let mut body = post.body();
        body["user"] = json!(user.as_str());
        self.call_json::<IgnoredAny>("chat.postEphemeral", token, &body)
            .await
            .map(drop)
    }

    /// `chat.delete`.
    ///
    /// # Errors
    /// `message_not_found`, `cant_delete_message`.
    pub async fn chat_delete(
        &self,
        token: &Secret,
        channel: &ChannelId,
        ts: &Ts,
    ) -> Result<(), ApiError> {
        let body = json!({"channel": channel.as_str(), "ts": ts.as_str()});
        self.call_json::<IgnoredAny>("chat.delete", token, &body)
            .await
            .map(drop)
    }

    /// `chat.getPermalink` (form arguments only).
    ///
    /// # Errors
    /// `message_not_found`, `channel_not_found`.
    pub async fn chat_get_permalink(
        &self,
        token: &Secret,
        channel: &ChannelId,
        ts: &Ts,
    ) -> Result<String, ApiError> {
        let form = [("channel", channel.as_str()), ("message_ts", ts.as_str())];
        let wire: PermalinkWire = self.call_form("chat.getPermalink", token, &form).await?;
        Ok(wire.permalink)
    }

    /// `chat.scheduleMessage`; returns the scheduled message's id.
    ///
    /// # Errors
    /// `time_in_past`, `time_too_far`, `restricted_too_many`.
    pub async fn chat_schedule_message(
        &self,
        token: &Secret,
        post: &RichPost<'_>,
        post_at: u64,
    ) -> Result<String, ApiError> {
        let mut body = post.body();
        body["post_at"] = json!(post_at);
        let wire: ScheduledWire = self.call_json("chat.scheduleMessage", token, &body).await?;
        Ok(wire.scheduled_message_id)
    }

    /// `chat.scheduledMessages.list`, first page (up to 100).
    ///
    /// # Errors
    /// `invalid_channel`.
    pub async fn chat_scheduled_list(
        &self,
        token: &Secret,
        channel: Option<&ChannelId>,
    ) -> Result<Vec<ScheduledRecord>, ApiError> {
        let mut form = vec![("limit", "100")];
        if let Some(channel) = channel {
            form.push(("channel", channel.as_str()));
        }
        let wire: ScheduledListWire = self
            .call_form("chat.scheduledMessages.list", token, &form)
            .await?;
        Ok(wire.scheduled_messages)
    }

    /// `chat.deleteScheduledMessage`.
    ///
    /// # Errors
    /// `invalid_scheduled_message_id`.
    pub async fn chat_delete_scheduled(
        &self,
        token: &Secret,
        channel: &ChannelId,
        id: &str,
    ) -> Result<(), ApiError> {
        let body = json!({"channel": channel.as_str(), "scheduled_message_id": id});
        self.call_json::<IgnoredAny>("chat.deleteScheduledMessage", token, &body)
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_travel_as_json_and_broadcast_only_in_a_thread() {
        let channel = ChannelId::from("C1");
        let thread = Ts::from("1.2");
        let mut post = RichPost {
            channel: &channel,
            text: "fallback",
            blocks: Some(r#"[{"type":"divider"}]"#),
            thread_ts: None,
            reply_broadcast: true,
        };
        assert_eq!(
            post.body(),
            json!({"channel": "C1", "text": "fallback", "blocks": [{"type": "divider"}]})
        );
        post.blocks = None;
        post.thread_ts = Some(&thread);
        assert_eq!(
            post.body(),
            json!({"channel": "C1", "text": "fallback", "thread_ts": "1.2", "reply_broadcast": true})
        );
    }
}
