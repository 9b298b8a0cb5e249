//! What the client did, as scenarios assert on it: messages posted and Web
//! API calls made.

use tokio::time::Instant;

/// A successful `chat.postMessage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    /// Team of the token used.
    pub team: String,
    /// Channel id posted to.
    pub channel: String,
    /// Message text as sent.
    pub text: String,
    /// Thread parent, when replying in a thread.
    pub thread_ts: Option<String>,
    /// The `ts` the fake gave the message.
    pub ts: String,
    /// When the fake accepted it (tokio clock, so paused-clock tests can
    /// measure pacing).
    pub at: Instant,
}

/// One Web API request, whatever its outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// Method name, e.g. `chat.postMessage`.
    pub method: String,
    /// Team of the bot token used, when it was a known bot token.
    pub team: Option<String>,
    /// Query, form or JSON arguments merged into one object (body over
    /// query); the token is never included. Form values are strings, JSON
    /// values keep their type.
    pub params: serde_json::Value,
    /// When the request arrived (tokio clock).
    pub at: Instant,
    /// Whether the answer was `ok:true`.
    pub ok: bool,
}
