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

/// Why a string is not a team id an operator may configure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TeamIdError {
    #[error(
        "a team id cannot be empty (expected T or E followed by capitals and digits, e.g. T024BE7LD)"
    )]
    Empty,
    #[error(
        "{0:?} is not a Slack team id (expected T or E followed by 1 to 31 capitals and digits, e.g. T024BE7LD)"
    )]
    Malformed(String),
}

impl TeamId {
    /// Longest id accepted: Slack's are about ten characters; the bound
    /// keeps a pasted token or path from passing as an id.
    const MAX_LEN: usize = 32;

    /// Checks an id that an operator or a resourcer hands in (config file,
    /// admin API, resourcer). Slack spells workspace ids `T…` and Enterprise
    /// Grid org ids `E…`, followed by capitals and digits; anything else is
    /// a typo that would otherwise only show up as a team that never
    /// receives an event. Ids read from Slack's own wire are not checked
    /// (`TeamId::new`): Slack is the authority there.
    ///
    /// # Errors
    /// [`TeamIdError`] saying what is accepted.
    pub fn parse(id: &str) -> Result<Self, TeamIdError> {
        let mut chars = id.chars();
        let well_formed = matches!(chars.next(), Some('T' | 'E'))
            && id.len() >= 2
            && id.len() <= Self::MAX_LEN
            && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        match id {
            "" => Err(TeamIdError::Empty),
            _ if well_formed => Ok(Self(id.to_owned())),
            _ => Err(TeamIdError::Malformed(id.to_owned())),
        }
    }

    /// `#[serde(deserialize_with)]` for the places operators write team
    /// ids ([`TeamSpec`](crate::spec::TeamSpec), the config file's
    /// `[[teams]]`), so a bad id is refused where it is read.
    ///
    /// # Errors
    /// Not a string, or not a team id ([`TeamId::parse`]).
    pub fn deserialize_checked<'de, D>(deserializer: D) -> Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::{TeamId, TeamIdError};

    #[test]
    fn team_ids_are_slack_shaped() {
        for good in ["T024BE7LD", "E0123ABCD", "T1", "T0LOCAL"] {
            assert_eq!(
                TeamId::parse(good).map(TeamId::into_string),
                Ok(good.to_owned())
            );
        }
        assert_eq!(TeamId::parse(""), Err(TeamIdError::Empty));
        for bad in [
            "not a team id!",
            "T",
            "t024",
            "U024BE7LD",
            "T024-BE",
            " T1",
            "T1 ",
        ] {
            let err = TeamId::parse(bad).expect_err(bad).to_string();
            assert!(err.contains("is not a Slack team id"), "{err}");
        }
        assert!(TeamId::parse(&format!("T{}", "A".repeat(40))).is_err());
    }
}
