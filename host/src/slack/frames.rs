//! Client frames for RTM and Socket Mode, encoded with the size cap Slack
//! enforces: an RTM frame over 16 KB disconnects the client. And the cap
//! on what the host reads from Slack's sockets.

use serde_json::{Value, json};
use thiserror::Error;

use crate::ids::ChannelId;

/// Largest frame the host sends on an RTM socket, in bytes.
pub const MAX_RTM_FRAME: usize = 16 * 1024;

/// Largest message (and WebSocket frame) the host reads from a Slack
/// socket, in bytes: 1 MiB. Slack's own events are far smaller (a
/// message's text is at most 40,000 characters, 160 KB in the worst UTF-8;
/// its blocks and attachments add tens of KB; a Socket Mode envelope wraps
/// one event), while the WebSocket library's default (64 MiB) would let one
/// socket make the host buffer 64 MiB. A larger message fails the read:
/// that socket is dropped and reconnects, no other is touched.
pub const MAX_INCOMING_MESSAGE: usize = 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("frame of {size} bytes is over the {MAX_RTM_FRAME}-byte limit")]
pub struct FrameTooLarge {
    pub size: usize,
}

/// Serialises a frame, refusing one Slack would disconnect us for.
///
/// # Errors
/// [`FrameTooLarge`] when the JSON is over [`MAX_RTM_FRAME`] bytes.
pub fn encode(frame: &Value) -> Result<String, FrameTooLarge> {
    let text = frame.to_string();
    if text.len() > MAX_RTM_FRAME {
        return Err(FrameTooLarge { size: text.len() });
    }
    Ok(text)
}

pub fn ping(id: u64, time_ms: u64) -> Value {
    json!({"id": id, "type": "ping", "time": time_ms})
}

pub fn typing(id: u64, channel: &ChannelId) -> Value {
    json!({"id": id, "type": "typing", "channel": channel.as_str()})
}

/// A Socket Mode acknowledgement.
pub fn ack(envelope_id: &str) -> Value {
    json!({"envelope_id": envelope_id})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_over_16_kb_are_refused() {
        let small = json!({"id": 1, "type": "message", "channel": "C1", "text": "x".repeat(100)});
        assert!(encode(&small).is_ok());
        let big =
            json!({"id": 1, "type": "message", "channel": "C1", "text": "x".repeat(MAX_RTM_FRAME)});
        assert!(matches!(encode(&big), Err(FrameTooLarge { size }) if size > MAX_RTM_FRAME));
    }
}
