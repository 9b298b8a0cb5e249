//! Property tests of the resourcer's frames: whatever the server sends,
//! parsing gives a message or a [`ProtocolError`], never a panic, and never
//! echoes a secret; a well-formed frame reads back what it said, with its
//! `Slack*` secrets kept out of the bot's config.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::protocol::{ServerMessage, parse};
use crate::fuzz::{any_text, config, frames_around};

fn samples() -> Vec<Value> {
    vec![
        json!({"type":"add_resource","date":"2016-03-18T20:58:52Z","msgID":"m1","resourceID":"r1","resourceType":"SlackApp","isNew":true,
               "resource":{"SlackBotAccessToken":"xoxb-secret","SlackTeamID":"T1","SlackAppToken":"xapp-secret","CUSTOM":"v"}}),
        json!({"type":"update_resource","msgID":"m2","resourceID":"r1","resource":{"SlackTeamID":"T1","CUSTOM":"w"}}),
        json!({"type":"remove_resource","msgID":"m3","resourceID":"r1","date":"d"}),
        json!({"type":"auth_result","ResourceID":"","success":"true"}),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_frame_parses_or_is_an_error_without_secrets(text in frames_around(samples())) {
        match parse(&text) {
            Ok(message) => {
                let debug = format!("{message:?}");
                prop_assert!(!debug.contains("xoxb-secret") && !debug.contains("xapp-secret"), "{}", debug);
            }
            Err(e) => {
                let shown = e.to_string();
                prop_assert!(!shown.contains("xoxb-secret") && !shown.contains("xapp-secret"), "{}", shown);
            }
        }
    }

    #[test]
    fn a_resource_reads_back_its_ids_and_custom_config(
        msg_id in any_text(),
        resource_id in any_text(),
        team in "T[A-Z0-9]{1,10}",
        token in "xoxb-[a-z0-9]{1,20}",
        custom in prop::collection::btree_map("[A-RT-Za-z_][A-Za-z0-9_]{0,10}", any_text(), 0..6),
        update in any::<bool>(),
    ) {
        let mut resource: Map<String, Value> = custom
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect();
        resource.insert("SlackTeamID".into(), json!(team));
        resource.insert("SlackBotAccessToken".into(), json!(token));
        let kind = if update { "update_resource" } else { "add_resource" };
        let text = json!({"type": kind, "msgID": msg_id, "resourceID": resource_id, "resource": resource}).to_string();
        let m = match parse(&text).expect("a complete frame parses") {
            ServerMessage::AddResource(m) if !update => m,
            ServerMessage::UpdateResource(m) if update => m,
            other => panic!("wrong kind: {other:?}"),
        };
        prop_assert_eq!(m.msg_id.as_deref(), Some(msg_id.as_str()));
        prop_assert_eq!(m.resource_id.as_str(), resource_id.as_str());
        prop_assert_eq!(m.resource.team_id.as_ref().map(|t| t.as_str()), Some(team.as_str()));
        prop_assert_eq!(m.resource.bot_token.as_ref().map(|t| t.expose()), Some(token.as_str()));
        prop_assert_eq!(&m.resource.custom, &custom);
    }
}
