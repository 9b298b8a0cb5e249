//! Helpers on the contract's error types.
//!
//! `wit-bindgen` already implements `Display` (via `Debug`) and
//! `std::error::Error` for every type used as a `result` error, so this
//! module adds constructors and `From` conversions that let handlers use `?`
//! on chat, kv and timer calls.

use std::fmt::Display;

use crate::kv::ValueError;
use crate::{BotError, ChatError, KvError, TimerError, UpdateError};

impl BotError {
    /// A [`BotError::Failed`] with `message`.
    pub fn failed(message: impl Display) -> Self {
        BotError::Failed(message.to_string())
    }

    /// A [`BotError::InvalidConfig`] with `message` (say which key and why).
    pub fn config(message: impl Display) -> Self {
        BotError::InvalidConfig(message.to_string())
    }

    /// The message, whichever the case.
    pub fn message(&self) -> &str {
        match self {
            BotError::InvalidConfig(m) | BotError::Failed(m) => m,
        }
    }
}

impl ChatError {
    /// A readable description, used when converting to [`BotError`].
    pub fn describe(&self) -> String {
        match self {
            ChatError::NotFound(what) => format!("not found: {what}"),
            ChatError::TooLong(limit) => format!("message longer than {limit} characters"),
            ChatError::RateLimited => "rate limited".to_owned(),
            ChatError::Refused(why) => format!("refused by Slack: {why}"),
            ChatError::Unavailable(why) => format!("connection unavailable: {why}"),
        }
    }
}

impl KvError {
    /// A readable description, used when converting to [`BotError`].
    pub fn describe(&self) -> String {
        match self {
            KvError::QuotaExceeded => "storage quota exceeded".to_owned(),
            KvError::InvalidKey => "invalid key".to_owned(),
            KvError::Unavailable(why) => format!("storage unavailable: {why}"),
        }
    }
}

impl UpdateError {
    /// A readable description, used when converting to [`BotError`].
    pub fn describe(&self) -> String {
        match self {
            UpdateError::QuotaExceeded => "storage quota exceeded".to_owned(),
            UpdateError::InvalidKey => "invalid key".to_owned(),
            UpdateError::NotANumber => "the value is not a decimal integer".to_owned(),
            UpdateError::Unavailable(why) => format!("storage unavailable: {why}"),
        }
    }
}

impl From<UpdateError> for BotError {
    fn from(e: UpdateError) -> Self {
        BotError::Failed(format!("kv: {}", e.describe()))
    }
}

impl TimerError {
    /// A readable description, used when converting to [`BotError`].
    pub fn describe(&self) -> String {
        match self {
            TimerError::TooMany => "too many timers".to_owned(),
            TimerError::Invalid(why) => format!("invalid timer: {why}"),
        }
    }
}

impl From<ChatError> for BotError {
    fn from(e: ChatError) -> Self {
        BotError::Failed(format!("chat: {}", e.describe()))
    }
}

impl From<KvError> for BotError {
    fn from(e: KvError) -> Self {
        BotError::Failed(format!("kv: {}", e.describe()))
    }
}

impl From<ValueError> for BotError {
    fn from(e: ValueError) -> Self {
        BotError::Failed(format!("kv: {e}"))
    }
}

/// A timer the host refuses is a configuration problem more often than not
/// (zero or huge intervals come from config), hence `InvalidConfig`.
impl From<TimerError> for BotError {
    fn from(e: TimerError) -> Self {
        match e {
            TimerError::Invalid(_) => BotError::InvalidConfig(format!("timer: {}", e.describe())),
            TimerError::TooMany => BotError::Failed(format!("timer: {}", e.describe())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors_and_conversions() {
        assert_eq!(BotError::failed(3), BotError::Failed("3".into()));
        assert_eq!(BotError::config("k").message(), "k");
        assert_eq!(
            BotError::from(ChatError::TooLong(40)),
            BotError::Failed("chat: message longer than 40 characters".into())
        );
        assert_eq!(
            BotError::from(KvError::InvalidKey),
            BotError::Failed("kv: invalid key".into())
        );
        assert!(matches!(
            BotError::from(TimerError::Invalid("0".into())),
            BotError::InvalidConfig(_)
        ));
        // The generated Display is Debug-based but must exist for `?` into
        // `Box<dyn Error>`.
        let boxed: Box<dyn std::error::Error> = Box::new(ChatError::RateLimited);
        assert!(!boxed.to_string().is_empty());
    }
}
