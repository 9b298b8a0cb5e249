//! The Slack workspaces (teams) the fake knows: who is in them, which
//! channels exist and which bot token acts for them.

/// A Slack workspace installed in the fake, with one bot user whose token
/// the host under test uses.
///
/// Ids are plain strings so scenarios can spell them out; [`Workspace::new`]
/// derives every id from the team id so two workspaces never share a user or
/// channel id (a host that mixes teams up then fails loudly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// `T…` id, as in `auth.test`'s `team_id`.
    pub team_id: String,
    /// Display name (`auth.test`'s `team`); the `domain` is derived from it.
    pub team_name: String,
    /// The `xoxb-…` token the host uses for this workspace.
    pub bot_token: String,
    /// The bot's user id (`auth.test`'s `user_id`, RTM `self.id`).
    pub bot_user_id: String,
    /// The bot's `B…` id (`auth.test`'s `bot_id`, `bot_id` on its messages).
    pub bot_id: String,
    /// Human members as `(id, name)`; the bot user is listed separately.
    pub users: Vec<(String, String)>,
    /// Public channels as `(id, name)`; the bot is a member of all of them.
    pub channels: Vec<(String, String)>,
}

/// The bot user's name in every workspace (`auth.test`'s `user`, RTM
/// `self.name`, `users.list`): the brief's [`Workspace`] has no field for it.
pub const BOT_NAME: &str = "bot";

impl Workspace {
    /// A workspace named "Team `<team_id>`" with bot user `U<team>BOT`, bot
    /// id `B<team>`, users `alice` (`U<team>ALICE`) and `bob`
    /// (`U<team>BOB`), channels `general` (`C<team>GENERAL`) and `random`
    /// (`C<team>RANDOM`).
    pub fn new(team_id: &str, bot_token: &str) -> Self {
        let pair = |prefix: &str, suffix: &str, name: &str| {
            (format!("{prefix}{team_id}{suffix}"), name.to_owned())
        };
        Self {
            team_id: team_id.to_owned(),
            team_name: format!("Team {team_id}"),
            bot_token: bot_token.to_owned(),
            bot_user_id: format!("U{team_id}BOT"),
            bot_id: format!("B{team_id}"),
            users: vec![pair("U", "ALICE", "alice"), pair("U", "BOB", "bob")],
            channels: vec![
                pair("C", "GENERAL", "general"),
                pair("C", "RANDOM", "random"),
            ],
        }
    }

    /// The workspace's subdomain (`<domain>.slack.com`), derived from its
    /// name the way Slack suggests one: lower case, non-alphanumerics as `-`.
    pub fn domain(&self) -> String {
        self.team_name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect()
    }

    /// The name of the user `id`, if it is a member (the bot included).
    pub fn user_name(&self, id: &str) -> Option<&str> {
        if id == self.bot_user_id {
            return Some(BOT_NAME);
        }
        self.users
            .iter()
            .find(|(uid, _)| uid == id)
            .map(|(_, name)| name.as_str())
    }

    /// The name of the public channel `id`, if it exists.
    pub fn channel_name(&self, id: &str) -> Option<&str> {
        self.channels
            .iter()
            .find(|(cid, _)| cid == id)
            .map(|(_, name)| name.as_str())
    }
}
