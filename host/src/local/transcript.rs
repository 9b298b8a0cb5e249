//! What happened in a local space, line by line, in a stable text form so
//! scripted runs produce transcripts that can be diffed.

use std::fmt;

use crate::ids::{ChannelId, TeamId, Ts, UserId};

/// What kind of thing a line records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKind {
    /// A new message (or threaded reply).
    Message,
    /// A message's text replaced.
    Edit { ts: Ts },
    /// A reaction added to the message `ts`.
    Reaction { ts: Ts, name: String },
    /// A note from the host (status changes, refused input).
    Note,
}

/// One entry of a local transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatLine {
    pub team: TeamId,
    pub channel: ChannelId,
    /// `#general` or `@alice` (a DM with alice).
    pub place: String,
    pub user: UserId,
    pub user_name: String,
    pub text: String,
    pub ts: Ts,
    pub thread_ts: Option<Ts>,
    pub kind: LineKind,
}

/// The short form of a local ts (`1700000000.000042` → `42`).
pub fn short_ts(ts: &Ts) -> &str {
    let tail = ts.as_str().rsplit('.').next().unwrap_or(ts.as_str());
    let trimmed = tail.trim_start_matches('0');
    if trimmed.is_empty() { "0" } else { trimmed }
}

impl fmt::Display for ChatLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}", self.place)?;
        if let Some(thread) = &self.thread_ts {
            write!(f, " thread {}", short_ts(thread))?;
        }
        f.write_str("] ")?;
        match &self.kind {
            LineKind::Message => write!(f, "{}: {}", self.user_name, self.text),
            LineKind::Edit { ts } => {
                write!(
                    f,
                    "{} edited {}: {}",
                    self.user_name,
                    short_ts(ts),
                    self.text
                )
            }
            LineKind::Reaction { ts, name } => {
                write!(
                    f,
                    "{} reacted :{}: to {}",
                    self.user_name,
                    name,
                    short_ts(ts)
                )
            }
            LineKind::Note => write!(f, "! {}", self.text),
        }
    }
}
