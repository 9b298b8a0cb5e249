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
    /// A reaction taken off the message `ts`.
    Unreaction { ts: Ts, name: String },
    /// The user joined the channel of the line.
    Joined,
    /// The user left the channel of the line.
    Left,
    /// The user created the channel of the line.
    Created,
    /// The user renamed the channel of the line, which was `#from`.
    Renamed { from: String },
    /// The user joined the team (the place is `team`).
    TeamJoin,
    /// The user ran a slash command; the line's text is its argument.
    Slash { command: String },
    /// Something else the user of the line did (archived a channel, set a
    /// topic, invited someone): the text says what, after the name.
    Did,
    /// A message only `to` sees.
    Ephemeral { to: String },
    /// Something the host did on request (a new config).
    Info,
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
            LineKind::Unreaction { ts, name } => {
                write!(
                    f,
                    "{} removed :{}: from {}",
                    self.user_name,
                    name,
                    short_ts(ts)
                )
            }
            LineKind::Joined => write!(f, "{} joined", self.user_name),
            LineKind::Left => write!(f, "{} left", self.user_name),
            LineKind::Created => write!(f, "{} created {}", self.user_name, self.place),
            LineKind::Renamed { from } => {
                write!(f, "{} renamed #{from} to {}", self.user_name, self.place)
            }
            LineKind::TeamJoin => write!(f, "{} joined the team", self.user_name),
            LineKind::Slash { command } if self.text.is_empty() => {
                write!(f, "{} ran {command}", self.user_name)
            }
            LineKind::Slash { command } => {
                write!(f, "{} ran {command} {}", self.user_name, self.text)
            }
            LineKind::Did => write!(f, "{} {}", self.user_name, self.text),
            LineKind::Ephemeral { to } => {
                write!(f, "{} (only {to} sees): {}", self.user_name, self.text)
            }
            LineKind::Info => f.write_str(&self.text),
            LineKind::Note => write!(f, "! {}", self.text),
        }
    }
}
