//! Typed ids. Slack ids are strings on the wire; newtypes keep a channel id
//! from being passed where a user id belongs.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a raw id.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The raw id as Slack spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Consumes the id, giving back the raw string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }
    };
}

string_id!(
    /// A team (workspace) the host serves, e.g. `T024BE7LD`. One bot instance per team.
    TeamId
);
string_id!(
    /// A conversation: channel, private channel or DM.
    ChannelId
);
string_id!(
    /// A Slack user (people and bots alike).
    UserId
);
string_id!(
    /// A message timestamp, unique per channel. Never parsed as a float.
    Ts
);
string_id!(
    /// The resourcer's id for one installation of the bot in one team: the
    /// key a resourcer team is tracked by (32-hex and dashed UUIDs both
    /// seen; treated as opaque).
    ResourceId
);
