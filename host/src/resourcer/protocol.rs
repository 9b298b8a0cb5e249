//! Typed messages of the Beep Boop resourcer protocol (`protocols.md` §1).
//!
//! The wire format is loose JSON (string booleans, optional keys, a flat
//! string map of team settings), so it is parsed by hand from a
//! [`serde_json::Value`] here, at the edge, and nothing past this module
//! sees raw JSON. Secrets are split off into [`Secret`]s while parsing, and
//! every `Slack*` key is kept out of the bot's config (see [`Resource`]).

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

pub use super::resource::{Resource, ResourceId};
use crate::secret::Secret;

/// The first (and only) frame a client sends:
/// `{"type":"auth","id":"<BEEPBOOP_ID>","token":"<BEEPBOOP_TOKEN>"}`.
///
/// This is the one place the resourcer token is serialised; `Debug` still
/// prints it as `<redacted>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auth {
    /// `BEEPBOOP_ID`: this bot process.
    pub id: String,
    /// `BEEPBOOP_TOKEN`.
    pub token: Secret,
}

impl Auth {
    /// The frame as JSON text, token included. Send it; never log it.
    pub fn to_json(&self) -> String {
        self.to_value().to_string()
    }

    fn to_value(&self) -> Value {
        serde_json::json!({
            "type": "auth",
            "id": self.id,
            "token": self.token.expose(),
        })
    }
}

impl Serialize for Auth {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

/// A frame from the resourcer, dispatched on its `type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerMessage {
    /// `add_resource`: start serving a team (a duplicate for a known id
    /// is to be ignored by the consumer).
    AddResource(ResourceMessage),
    /// `update_resource`: the team's settings changed (redeploy or config
    /// change); same shape as an add.
    UpdateResource(ResourceMessage),
    /// `remove_resource`: stop serving the team.
    RemoveResource(RemoveMessage),
    /// `auth_result`: its real shape was never seen; the one fixture has
    /// `{"ResourceID":"…","success":"true"}`. `success` is accepted as a
    /// JSON bool or the strings `"true"`/`"false"`; an empty `ResourceID`
    /// reads as `None`.
    AuthResult {
        success: bool,
        resource_id: Option<String>,
    },
    /// Any other `type`: to be logged and ignored, never an error, so a
    /// newer server cannot break an older client.
    Unknown { type_name: String },
}

/// The body of `add_resource` and `update_resource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceMessage {
    /// `msgID`: a UUID, useful only for logs (there are no acks).
    pub msg_id: Option<String>,
    /// `resourceID`.
    pub resource_id: ResourceId,
    /// `resourceType`, e.g. `SlackApp`; seen only on adds.
    pub resource_type: Option<String>,
    /// `isNew`: true once, on first install (for a welcome message).
    /// Absent reads as false.
    pub is_new: bool,
    /// `date`: RFC 3339, kept as text (only ever logged).
    pub date: Option<String>,
    /// `resource`: the team's settings.
    pub resource: Resource,
}

/// The body of `remove_resource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoveMessage {
    /// `msgID`.
    pub msg_id: Option<String>,
    /// `resourceID`.
    pub resource_id: ResourceId,
    /// `date`.
    pub date: Option<String>,
}

/// Why a frame could not be read. Never carries the frame's text (it may
/// hold tokens); carries the `msgID` when there was one, for the log.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    /// serde_json's syntax errors give a position, never the input.
    #[error("malformed JSON: {0}")]
    Json(serde_json::Error),
    #[error("frame is not a JSON object")]
    NotAnObject,
    #[error("missing field `{field}`{}", at(.msg_id))]
    MissingField {
        field: &'static str,
        msg_id: Option<String>,
    },
    #[error("field `{field}` should be {expected}{}", at(.msg_id))]
    WrongType {
        field: &'static str,
        expected: &'static str,
        msg_id: Option<String>,
    },
}

impl ProtocolError {
    /// The `msgID` of the offending frame, if it had one.
    pub fn msg_id(&self) -> Option<&str> {
        match self {
            Self::MissingField { msg_id, .. } | Self::WrongType { msg_id, .. } => msg_id.as_deref(),
            Self::Json(_) | Self::NotAnObject => None,
        }
    }
}

fn at(msg_id: &Option<String>) -> String {
    msg_id
        .as_deref()
        .map(|id| format!(" (msgID {id})"))
        .unwrap_or_default()
}

/// Parses one text frame from the resourcer.
///
/// # Errors
/// [`ProtocolError`] when the text is not a JSON object, has no string
/// `type`, or a known type lacks a required field (`resourceID`;
/// `resource` on add/update; `success` on `auth_result`). An unknown
/// `type` is not an error: it gives [`ServerMessage::Unknown`].
pub fn parse(text: &str) -> Result<ServerMessage, ProtocolError> {
    let value: Value = serde_json::from_str(text).map_err(ProtocolError::Json)?;
    let Value::Object(obj) = value else {
        return Err(ProtocolError::NotAnObject);
    };
    let fields = Fields {
        msg_id: obj.get("msgID").and_then(Value::as_str).map(str::to_owned),
        obj: &obj,
    };
    let type_name = fields.required_str("type")?;
    Ok(match type_name {
        "add_resource" => ServerMessage::AddResource(fields.resource_message()?),
        "update_resource" => ServerMessage::UpdateResource(fields.resource_message()?),
        "remove_resource" => ServerMessage::RemoveResource(RemoveMessage {
            resource_id: fields.resource_id()?,
            date: fields.optional_str("date"),
            msg_id: fields.msg_id,
        }),
        "auth_result" => ServerMessage::AuthResult {
            success: fields.success()?,
            resource_id: fields
                .optional_str("ResourceID")
                .or_else(|| fields.optional_str("resourceID"))
                .filter(|id| !id.is_empty()),
        },
        other => ServerMessage::Unknown {
            type_name: other.to_owned(),
        },
    })
}

/// A frame's top-level object plus its `msgID`, to name in errors.
struct Fields<'a> {
    obj: &'a Map<String, Value>,
    msg_id: Option<String>,
}

impl Fields<'_> {
    fn missing(&self, field: &'static str) -> ProtocolError {
        ProtocolError::MissingField {
            field,
            msg_id: self.msg_id.clone(),
        }
    }

    fn wrong(&self, field: &'static str, expected: &'static str) -> ProtocolError {
        ProtocolError::WrongType {
            field,
            expected,
            msg_id: self.msg_id.clone(),
        }
    }

    fn present(&self, field: &str) -> Option<&Value> {
        self.obj.get(field).filter(|v| !v.is_null())
    }

    fn required_str(&self, field: &'static str) -> Result<&str, ProtocolError> {
        match self.present(field) {
            None => Err(self.missing(field)),
            Some(Value::String(s)) => Ok(s),
            Some(_) => Err(self.wrong(field, "a string")),
        }
    }

    /// Optional metadata is read leniently: a wrong type reads as absent.
    fn optional_str(&self, field: &str) -> Option<String> {
        self.present(field)
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    fn resource_id(&self) -> Result<ResourceId, ProtocolError> {
        self.required_str("resourceID").map(ResourceId::from)
    }

    fn resource_message(&self) -> Result<ResourceMessage, ProtocolError> {
        let resource_id = self.resource_id()?;
        let resource = match self.present("resource") {
            None => return Err(self.missing("resource")),
            Some(Value::Object(map)) => Resource::from_map_in(map, self.msg_id.as_deref()),
            Some(_) => return Err(self.wrong("resource", "an object")),
        };
        Ok(ResourceMessage {
            msg_id: self.msg_id.clone(),
            resource_id,
            resource_type: self.optional_str("resourceType"),
            is_new: self.present("isNew").and_then(loose_bool).unwrap_or(false),
            date: self.optional_str("date"),
            resource,
        })
    }

    fn success(&self) -> Result<bool, ProtocolError> {
        match self.present("success") {
            None => Err(self.missing("success")),
            Some(v) => loose_bool(v).ok_or_else(|| self.wrong("success", "a boolean")),
        }
    }
}

/// A JSON bool, or the strings `"true"`/`"false"` (the JS fixture's style).
fn loose_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot_config::BotConfig;
    use crate::ids::{TeamId, UserId};

    const ADD: &str = r##"{"type":"add_resource","date":"2016-03-18T20:58:52.907804207Z","msgID":"106e930b-1c83-4406-801d-caf04e30da71",
 "resourceID":"75f9c7334807421bb914c1cff8d4486c","resourceType":"SlackApp","isNew":true,
 "resource":{"SlackBotAccessToken":"xoxb-bot-secret","SlackBotUserID":"U0BOT","SlackBotUserName":"bot-name","SlackAccessToken":"xoxp-user-secret",
   "SlackTeamName":"Team","SlackTeamID":"T0TEAM","SlackUserID":"U0USER","SlackIncomingWebhookURL":"https://hooks.slack.com/services/hook-secret",
   "SlackIncomingWebhookChannel":"#chan","SlackIncomingWebhookConfigURL":"https://team.slack.com/services/1","CUSTOM_CONFIG":"value"}}"##;

    fn add_message(text: &str) -> ResourceMessage {
        match parse(text).expect("parses") {
            ServerMessage::AddResource(m) => m,
            other => panic!("expected add_resource, got {other:?}"),
        }
    }

    #[test]
    fn add_resource_from_the_reference() {
        let m = add_message(ADD);
        assert_eq!(
            m.msg_id.as_deref(),
            Some("106e930b-1c83-4406-801d-caf04e30da71")
        );
        assert_eq!(m.resource_id.as_str(), "75f9c7334807421bb914c1cff8d4486c");
        assert_eq!(m.resource_type.as_deref(), Some("SlackApp"));
        assert!(m.is_new);
        assert_eq!(m.date.as_deref(), Some("2016-03-18T20:58:52.907804207Z"));
        let r = &m.resource;
        assert_eq!(r.team_id, Some(TeamId::new("T0TEAM")));
        assert_eq!(r.team_name.as_deref(), Some("Team"));
        assert_eq!(
            r.bot_token.as_ref().map(Secret::expose),
            Some("xoxb-bot-secret")
        );
        assert_eq!(r.app_token, None);
        assert_eq!(r.bot_user_id, Some(UserId::new("U0BOT")));
        assert_eq!(r.bot_user_name.as_deref(), Some("bot-name"));
        assert_eq!(r.installer_user_id, Some(UserId::new("U0USER")));
        assert_eq!(
            r.custom,
            BotConfig::from([("CUSTOM_CONFIG".to_owned(), "value".to_owned())])
        );
    }

    #[test]
    fn secrets_never_reach_custom_nor_debug() {
        let m = add_message(ADD);
        let debug = format!("{m:?}");
        let custom = format!("{:?}", m.resource.custom);
        for secret in ["xoxb-bot-secret", "xoxp-user-secret", "hook-secret"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
            assert!(!custom.contains(secret), "{secret} in {custom}");
        }
        assert!(m.resource.custom.keys().all(|k| !k.starts_with("Slack")));
        assert!(debug.contains("<redacted>"));
        assert!(debug.contains("CUSTOM_CONFIG"));
    }

    #[test]
    fn update_and_remove_shapes() {
        let update = r#"{"type":"update_resource","date":"2016-03-18T20:58:52Z","msgID":"m2","resourceID":"75f9","resource":{"SlackBotAccessToken":"xoxb-2","SlackTeamID":"T1","CUSTOM_CONFIG":"new"}}"#;
        let ServerMessage::UpdateResource(m) = parse(update).expect("parses") else {
            panic!("not an update");
        };
        assert_eq!(m.resource_id, ResourceId::from("75f9"));
        assert!(!m.is_new);
        assert_eq!(m.resource_type, None);
        assert_eq!(m.resource.custom["CUSTOM_CONFIG"], "new");

        let remove = r#"{"type":"remove_resource","date":"d","msgID":"m3","resourceID":"75f9"}"#;
        assert_eq!(
            parse(remove).expect("parses"),
            ServerMessage::RemoveResource(RemoveMessage {
                msg_id: Some("m3".into()),
                resource_id: "75f9".into(),
                date: Some("d".into()),
            })
        );
    }

    #[test]
    fn resource_with_only_custom_config() {
        let text = r#"{"type":"add_resource","resourceID":"r1","resource":{"GREETING":"hi","SlackTeamID":""}}"#;
        let m = add_message(text);
        assert_eq!(m.resource.team_id, None, "empty Slack* value is absent");
        assert_eq!(m.resource.bot_token, None);
        assert_eq!(m.resource.custom["GREETING"], "hi");
        assert!(!m.is_new);
    }

    #[test]
    fn app_token_extension_and_string_is_new() {
        let text = r#"{"type":"add_resource","resourceID":"r1","isNew":"true","resource":{"SlackAppToken":"xapp-1","SlackTeamID":"T1"}}"#;
        let m = add_message(text);
        assert!(m.is_new);
        assert_eq!(
            m.resource.app_token.as_ref().map(Secret::expose),
            Some("xapp-1")
        );
        assert!(!format!("{m:?}").contains("xapp-1"));
    }

    #[test]
    fn non_string_values_are_skipped_not_fatal() {
        let text = r#"{"type":"add_resource","resourceID":"r1","resource":{"N":3,"L":[1],"OK":"yes","SlackTeamID":7}}"#;
        let m = add_message(text);
        assert_eq!(
            m.resource.custom,
            BotConfig::from([("OK".to_owned(), "yes".to_owned())])
        );
        assert_eq!(m.resource.team_id, None);
    }

    #[test]
    fn unknown_type_is_not_an_error() {
        assert_eq!(
            parse(r#"{"type":"hello","whatever":1}"#).expect("parses"),
            ServerMessage::Unknown {
                type_name: "hello".into()
            }
        );
    }

    #[test]
    fn missing_fields_are_named_with_the_msg_id() {
        let err = parse(r#"{"type":"add_resource","msgID":"m9","resource":{}}"#)
            .expect_err("no resourceID");
        assert!(matches!(
            err,
            ProtocolError::MissingField {
                field: "resourceID",
                ..
            }
        ));
        assert_eq!(err.msg_id(), Some("m9"));
        let text = err.to_string();
        assert!(text.contains("resourceID") && text.contains("m9"), "{text}");

        let err = parse(r#"{"type":"remove_resource"}"#).expect_err("no resourceID");
        assert_eq!(err.to_string(), "missing field `resourceID`");

        let err = parse(r#"{"type":"update_resource","resourceID":"r"}"#).expect_err("no resource");
        assert!(err.to_string().contains("`resource`"));

        let err = parse(r#"{"msgID":"m1"}"#).expect_err("no type");
        assert!(err.to_string().contains("`type`"));

        let err = parse(r#"{"type":"add_resource","resourceID":5,"resource":{}}"#)
            .expect_err("numeric resourceID");
        assert!(matches!(err, ProtocolError::WrongType { .. }));
    }

    #[test]
    fn garbage_is_an_error_without_echoing_it() {
        let err = parse("not json xoxb-leak").expect_err("garbage");
        assert!(!err.to_string().contains("xoxb-leak"));
        assert!(matches!(
            parse("[1,2]").expect_err("array"),
            ProtocolError::NotAnObject
        ));
    }

    #[test]
    fn auth_result_accepts_string_or_bool() {
        assert_eq!(
            parse(r#"{"type":"auth_result","ResourceID":"","success":"true"}"#).expect("parses"),
            ServerMessage::AuthResult {
                success: true,
                resource_id: None
            }
        );
        assert_eq!(
            parse(r#"{"type":"auth_result","ResourceID":"r1","success":false}"#).expect("parses"),
            ServerMessage::AuthResult {
                success: false,
                resource_id: Some("r1".into())
            }
        );
        assert!(parse(r#"{"type":"auth_result"}"#).is_err());
    }

    #[test]
    fn auth_frame_carries_the_token_only_when_serialised() {
        let auth = Auth {
            id: "pod-1".into(),
            token: Secret::new("bb-secret"),
        };
        let value: Value = serde_json::from_str(&auth.to_json()).expect("valid JSON");
        assert_eq!(
            value,
            serde_json::json!({"type":"auth","id":"pod-1","token":"bb-secret"})
        );
        assert_eq!(serde_json::to_value(&auth).expect("serialises"), value);
        assert!(!format!("{auth:?}").contains("bb-secret"));
    }
}
