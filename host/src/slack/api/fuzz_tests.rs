//! Property tests of the Web API answers: whatever body, status and
//! `Retry-After` come back, decoding gives a value or a classified error,
//! never a panic; a well-formed answer reads back what it said.

use std::time::Duration;

use proptest::prelude::*;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use serde::de::IgnoredAny;
use serde_json::{Value, json};

use super::error::ApiError;
use super::response::{check_status, decode, retry_after};
use super::types::{
    AuthTest, ConnectionsOpenWire, ConversationsListWire, ConversationsOpenWire, Posted,
    RtmConnectWire, UsersListWire,
};
use crate::fuzz::{any_bytes, any_json, any_text, config, damaged_text, mutated};

/// Valid answers of every method the host calls.
fn samples() -> Vec<Value> {
    vec![
        json!({"ok":true,"team_id":"T1","team":"Team","user_id":"U1","user":"bot","bot_id":"B1","url":"https://t.slack.com/"}),
        json!({"ok":true,"url":"wss://x/rtm","self":{"id":"U1","name":"bot"},"team":{"id":"T1","name":"Team"}}),
        json!({"ok":true,"url":"wss://x/link"}),
        json!({"ok":true,"channel":{"id":"D1"}}),
        json!({"ok":true,"channel":"C1","ts":"1.2"}),
        json!({"ok":true,"channels":[{"id":"C1","name":"general","is_member":true}],"response_metadata":{"next_cursor":"abc"}}),
        json!({"ok":true,"members":[{"id":"U1","name":"alice","real_name":"","profile":{"real_name":"Alice"}}],"response_metadata":{"next_cursor":""}}),
        json!({"ok":false,"error":"invalid_auth"}),
        json!({"ok":false,"error":"ratelimited"}),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let valid = prop::sample::select(samples());
    prop_oneof![
        valid
            .clone()
            .prop_flat_map(mutated)
            .prop_map(|v| v.to_string().into_bytes()),
        valid
            .prop_flat_map(|v| damaged_text(v.to_string()))
            .prop_map(String::into_bytes),
        any_json().prop_map(|v| v.to_string().into_bytes()),
        any_bytes(),
    ]
}

/// Decodes `body` as every answer type; only classified errors may come.
fn decode_all(body: &[u8], after: Option<Duration>) {
    let _ = decode::<AuthTest>("auth.test", body, after);
    let _ = decode::<RtmConnectWire>("rtm.connect", body, after);
    let _ = decode::<ConnectionsOpenWire>("apps.connections.open", body, after);
    let _ = decode::<ConversationsOpenWire>("conversations.open", body, after);
    let _ = decode::<Posted>("chat.postMessage", body, after);
    let _ = decode::<ConversationsListWire>("conversations.list", body, after);
    let _ = decode::<UsersListWire>("users.list", body, after);
    let _ = decode::<IgnoredAny>("chat.update", body, after);
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_body_decodes_or_is_a_classified_error(body in body(), secs in proptest::option::of(any::<u64>())) {
        decode_all(&body, secs.map(Duration::from_secs));
    }

    #[test]
    fn any_status_and_retry_after_are_classified(status in 100_u16..1000, header in any_text()) {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(&header) {
            headers.insert(RETRY_AFTER, value);
        }
        let after = retry_after(&headers);
        prop_assert!(after.is_none_or(|d| d <= Duration::from_secs(3600)));
        if let Ok(status) = StatusCode::from_u16(status) {
            match check_status("auth.test", status, after) {
                Ok(()) => prop_assert!(status.is_success()),
                Err(ApiError::RateLimited { .. }) => prop_assert_eq!(status, StatusCode::TOO_MANY_REQUESTS),
                Err(_) => prop_assert!(!status.is_success()),
            }
        }
    }

    #[test]
    fn an_auth_test_answer_reads_back_what_it_said(
        team in any_text(),
        name in any_text(),
        user in any_text(),
        bot in any_text(),
    ) {
        let body = json!({"ok":true,"team_id":team,"team":name,"user_id":user,"bot_id":bot}).to_string();
        let auth: AuthTest = decode("auth.test", body.as_bytes(), None).expect("decodes");
        prop_assert_eq!(auth.team_id.as_str(), team.as_str());
        prop_assert_eq!(&auth.team_name, &name);
        prop_assert_eq!(auth.user_id.as_str(), user.as_str());
        prop_assert_eq!(auth.bot_id, Some(bot).filter(|b| !b.is_empty()));
    }

    #[test]
    fn an_error_answer_is_the_error_it_names(code in any_text()) {
        let body = json!({"ok":false,"error":code}).to_string();
        match decode::<AuthTest>("auth.test", body.as_bytes(), None) {
            Err(ApiError::Slack { error, .. }) => prop_assert_eq!(error, code),
            Err(ApiError::RateLimited { .. }) => {
                prop_assert!(code == "ratelimited" || code == "rate_limited");
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }
}
