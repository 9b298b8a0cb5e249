//! A team's settings as the resourcer sends them, and the id it keys them
//! by. Secrets become [`Secret`]s here, and every `Slack*` key is kept
//! out of the bot's [`BotConfig`].

use std::fmt;

use serde_json::{Map, Value};

use crate::bot_config::BotConfig;
pub use crate::ids::ResourceId;
use crate::ids::{TeamId, UserId};
use crate::secret::Secret;

/// A team's settings, from the flat string map under `resource`.
///
/// Every `Slack*` key is optional (a resource may hold only custom config)
/// and an empty string counts as absent. Keys read:
/// - `SlackTeamID`, `SlackTeamName`, `SlackBotUserID`, `SlackBotUserName`;
/// - `SlackBotAccessToken`: the bot token (RTM and Web API);
/// - `SlackAppToken`: **our own extension**, not part of Beep Boop: an
///   app-level `xapp-` token for teams served over Slack Socket Mode
///   instead of RTM;
/// - `SlackUserID`: the user who installed the bot (welcome DM on
///   `isNew`).
///
/// Every other `Slack*` key (`SlackAccessToken`, `SlackIncomingWebhookURL`,
/// …) is dropped: they are secrets or Slack metadata the bot has no use
/// for. Keys not starting with `Slack` are the bot's custom config.
///
/// `Debug` redacts the tokens and lists only the custom config's keys,
/// since operators often put API keys there too.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Resource {
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
    pub bot_token: Option<Secret>,
    pub app_token: Option<Secret>,
    pub bot_user_id: Option<UserId>,
    pub bot_user_name: Option<String>,
    /// `SlackUserID`: who installed the bot.
    pub installer_user_id: Option<UserId>,
    /// Every key not starting with `Slack`.
    pub custom: BotConfig,
}

impl Resource {
    /// Reads a resource map. Never fails: a value that is not a string
    /// is skipped with a warning (naming the key, never the value), so
    /// one odd key does not cost the team its bot.
    pub fn from_map(map: &Map<String, Value>) -> Self {
        Self::from_map_in(map, None)
    }

    pub(super) fn from_map_in(map: &Map<String, Value>, msg_id: Option<&str>) -> Self {
        let mut resource = Self::default();
        for (key, value) in map {
            let Value::String(text) = value else {
                tracing::warn!(
                    key = key.as_str(),
                    kind = json_kind(value),
                    msg_id,
                    "resourcer: resource value is not a string; key ignored"
                );
                continue;
            };
            if !key.starts_with("Slack") {
                resource.custom.insert(key.clone(), text.clone());
                continue;
            }
            if text.is_empty() {
                continue;
            }
            let text = text.clone();
            match key.as_str() {
                "SlackTeamID" => match TeamId::parse(&text) {
                    Ok(id) => resource.team_id = Some(id),
                    // A team id is no secret: naming it helps the operator.
                    Err(e) => tracing::warn!(
                        key = key.as_str(),
                        msg_id,
                        error = %e,
                        "resourcer: SlackTeamID refused; the resource has no team"
                    ),
                },
                "SlackTeamName" => resource.team_name = Some(text),
                "SlackBotAccessToken" => resource.bot_token = Some(Secret::new(text)),
                "SlackAppToken" => resource.app_token = Some(Secret::new(text)),
                "SlackBotUserID" => resource.bot_user_id = Some(UserId::new(text)),
                "SlackBotUserName" => resource.bot_user_name = Some(text),
                "SlackUserID" => resource.installer_user_id = Some(UserId::new(text)),
                _ => {}
            }
        }
        resource
    }
}

impl fmt::Debug for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resource")
            .field("team_id", &self.team_id)
            .field("team_name", &self.team_name)
            .field("bot_token", &self.bot_token)
            .field("app_token", &self.app_token)
            .field("bot_user_id", &self.bot_user_id)
            .field("bot_user_name", &self.bot_user_name)
            .field("installer_user_id", &self.installer_user_id)
            .field("custom_keys", &self.custom.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().expect("an object")
    }

    #[test]
    fn only_non_slack_keys_are_custom_config() {
        let r = Resource::from_map(&map(serde_json::json!({
            "SlackBotAccessToken": "xoxb-secret",
            "SlackAccessToken": "xoxp-secret",
            "SlackIncomingWebhookURL": "https://hooks.slack.com/services/hook-secret",
            "SlackFutureKey": "whatever",
            "Slack": "bare",
            "slack_lowercase": "custom",
            "API_KEY": "sk-custom-secret",
        })));
        assert_eq!(
            r.custom.keys().map(String::as_str).collect::<Vec<_>>(),
            ["API_KEY", "slack_lowercase"]
        );
        let debug = format!("{r:?}");
        for secret in [
            "xoxb-secret",
            "xoxp-secret",
            "hook-secret",
            "sk-custom-secret",
        ] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
    }

    #[test]
    fn a_malformed_team_id_leaves_the_resource_without_a_team() {
        let r = Resource::from_map(&map(serde_json::json!({
            "SlackTeamID": "not a team id!",
            "SlackBotAccessToken": "xoxb-secret",
        })));
        assert_eq!(r.team_id, None);
        let r = Resource::from_map(&map(serde_json::json!({"SlackTeamID": "T024BE7LD"})));
        assert_eq!(r.team_id, Some(TeamId::new("T024BE7LD")));
    }

    #[test]
    fn resource_ids_are_plain_strings() {
        let id = ResourceId::from("75f9");
        assert_eq!(id.to_string(), "75f9");
        assert_eq!(format!("{id:?}"), "ResourceId(\"75f9\")");
        assert_eq!(serde_json::to_value(&id).expect("serialises"), "75f9");
        assert_eq!(id.clone().into_string(), id.as_str());
    }
}
