//! Typed client for the few Slack Web API methods the host itself calls.
//!
//! Bots never talk to Slack directly; the host does it on their behalf, for
//! many teams at once, so this client is deliberately small and strict:
//!
//! - every token travels only in `Authorization: Bearer` (never in a URL,
//!   query string or body), and no error or `Debug` output ever contains one;
//! - every response is checked for `ok` before anything else is read, because
//!   Slack reports API failures as HTTP 200 with `{"ok":false,"error":…}`;
//! - failures are classified ([`ApiError::is_fatal`],
//!   [`ApiError::is_retryable`]) so a team supervisor can decide between
//!   stopping a team, backing off, or reporting a one-off failure, without
//!   knowing Slack's error vocabulary.
//!
//! The client does not retry or sleep by itself: rate limits are per team and
//! per method, and only the caller knows whether waiting is worth it.

mod client;
mod conversations;
mod error;
mod messages;
mod methods;
mod oauth;
mod paging;
mod response;
mod types;

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod tests;

pub use client::WebClient;
pub use conversations::{HistoryArgs, MessageRecord};
pub use error::ApiError;
pub use messages::{RichPost, ScheduledRecord};
pub use oauth::{OAuthAccess, OAuthGrant};
pub use paging::Page;
pub use types::{AuthTest, ChannelRecord, PostMessage, Posted, RtmConnect, UserRecord};
