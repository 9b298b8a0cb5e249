//! Strategies for the property tests ("fuzzing") of every parser of
//! outside input: resourcer frames, RTM and Socket Mode frames and events,
//! Web API answers, the config file, the local script language. Each
//! parser's tests live beside it (`fuzz_tests` modules); this module only
//! makes inputs: arbitrary text and bytes, arbitrary JSON, and
//! structure-aware mutations of a valid sample (a field deleted, retyped
//! or replaced by anything, text truncated or spliced), which reach deeper
//! than random bytes ever do.
//!
//! Runs are short: proptest's default of 256 cases per property (or
//! `PROPTEST_CASES`), so the whole set takes seconds in CI. A failure
//! prints the smallest input found; nothing is written to the tree.

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::Config;
use serde_json::{Map, Number, Value};

/// The configuration of every fuzz property.
pub fn config() -> Config {
    Config {
        failure_persistence: None,
        ..Config::default()
    }
}

/// Keys the parsers look for, so generated objects hit real fields, plus
/// anything at all.
const KEYS: &[&str] = &[
    "type",
    "subtype",
    "channel",
    "channel_id",
    "channel_type",
    "user",
    "user_id",
    "text",
    "ts",
    "thread_ts",
    "event_ts",
    "bot_id",
    "team",
    "team_id",
    "id",
    "name",
    "real_name",
    "profile",
    "is_bot",
    "item",
    "reaction",
    "creator",
    "event",
    "event_id",
    "payload",
    "envelope_id",
    "reason",
    "command",
    "ok",
    "error",
    "url",
    "self",
    "members",
    "channels",
    "response_metadata",
    "next_cursor",
    "msgID",
    "resourceID",
    "resource",
    "isNew",
    "success",
    "ResourceID",
    "SlackTeamID",
    "SlackBotAccessToken",
    "SlackAppToken",
];

/// Values of `type` the parsers dispatch on.
const TYPES: &[&str] = &[
    "message",
    "app_mention",
    "reaction_added",
    "reaction_removed",
    "member_joined_channel",
    "member_left_channel",
    "channel_created",
    "channel_rename",
    "team_join",
    "user_change",
    "hello",
    "goodbye",
    "disconnect",
    "events_api",
    "slash_commands",
    "interactive",
    "error",
    "pong",
    "team_migration_started",
    "add_resource",
    "update_resource",
    "remove_resource",
    "auth_result",
];

/// Short text of any Unicode, control characters and escapes included.
pub fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "(?s:.{0,24})",
        "\\PC{0,24}",
        "[\\x00-\\x1f\\x7f\u{1b}\u{202e}\u{feff}]{0,8}",
        prop::sample::select(TYPES).prop_map(str::to_owned),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => any_text(),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        any_text().prop_map(Value::String),
    ]
}

/// Any JSON value, a few levels deep, its objects keyed mostly by the
/// fields the parsers read.
pub fn any_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|fields| Value::Object(fields.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Any JSON object whose `type` is one the parsers know.
pub fn any_typed_object() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(TYPES),
        prop::collection::vec((key(), any_json()), 0..8),
    )
        .prop_map(|(kind, fields)| {
            let mut object: Map<String, Value> = fields.into_iter().collect();
            object.insert("type".into(), Value::from(kind));
            Value::Object(object)
        })
}

/// One step along a path into a JSON value.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    At(usize),
}

/// Every path in `value` (the root included).
fn paths(value: &Value) -> Vec<Vec<Step>> {
    fn walk(value: &Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
        out.push(here.clone());
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    here.push(Step::Key(k.clone()));
                    walk(v, here, out);
                    here.pop();
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    here.push(Step::At(i));
                    walk(v, here, out);
                    here.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), &mut out);
    out
}

fn at_mut<'a>(value: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, step| match step {
        Step::Key(k) => v.get_mut(k.as_str()),
        Step::At(i) => v.get_mut(*i),
    })
}

/// What one mutation does at its place.
#[derive(Debug, Clone)]
enum Mutation {
    /// Removes the field (or array item); at the root, empties it.
    Delete,
    /// Puts any value there.
    Replace(Value),
    /// Swaps a string for a number and anything else for a string.
    Retype,
    /// Adds a field next to it.
    Insert(String, Value),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        Just(Mutation::Delete),
        any_json().prop_map(Mutation::Replace),
        Just(Mutation::Retype),
        (key(), any_json()).prop_map(|(k, v)| Mutation::Insert(k, v)),
    ]
}

fn apply(value: &mut Value, path: &[Step], mutation: Mutation) {
    match mutation {
        Mutation::Delete => match path.split_last() {
            None => *value = Value::Object(Map::new()),
            Some((last, parent)) => match (at_mut(value, parent), last) {
                (Some(Value::Object(map)), Step::Key(k)) => {
                    map.remove(k);
                }
                (Some(Value::Array(items)), Step::At(i)) if *i < items.len() => {
                    items.remove(*i);
                }
                _ => {}
            },
        },
        Mutation::Replace(new) => {
            if let Some(place) = at_mut(value, path) {
                *place = new;
            }
        }
        Mutation::Retype => {
            if let Some(place) = at_mut(value, path) {
                let retyped = match &*place {
                    Value::String(_) => Value::from(7),
                    other => Value::String(other.to_string()),
                };
                *place = retyped;
            }
        }
        Mutation::Insert(k, v) => {
            let parent = match path.split_last() {
                Some((_, parent)) => parent,
                None => path,
            };
            if let Some(Value::Object(map)) = at_mut(value, parent) {
                map.insert(k, v);
            }
        }
    }
}

/// `base` with one to four structure-aware mutations.
pub fn mutated(base: Value) -> impl Strategy<Value = Value> {
    prop::collection::vec((any::<Index>(), mutation()), 1..5).prop_map(move |steps| {
        let mut value = base.clone();
        for (index, mutation) in steps {
            let all = paths(&value);
            let path = &all[index.index(all.len())];
            apply(&mut value, path, mutation);
        }
        value
    })
}

/// `base` cut short, with text spliced in, or with a character dropped:
/// the damage a torn frame or a careless edit does.
pub fn damaged_text(base: String) -> impl Strategy<Value = String> {
    let cut = base.clone();
    let splice = base.clone();
    prop_oneof![
        any::<Index>().prop_map(move |at| {
            let mut end = at.index(cut.len() + 1);
            while !cut.is_char_boundary(end) {
                end -= 1;
            }
            cut[..end].to_owned()
        }),
        (any::<Index>(), any_text()).prop_map(move |(at, text)| {
            let mut at = at.index(splice.len() + 1);
            while !splice.is_char_boundary(at) {
                at -= 1;
            }
            let mut out = splice.clone();
            out.insert_str(at, &text);
            out
        }),
        any::<Index>().prop_map(move |at| {
            let mut out = base.clone();
            if !out.is_empty() {
                let mut at = at.index(out.len());
                while !out.is_char_boundary(at) {
                    at -= 1;
                }
                out.remove(at);
            }
            out
        }),
    ]
}

/// Text frames around valid `samples`: a sample as is, mutated, or
/// damaged as text; any JSON object of a known type; any JSON; any text.
pub fn frames_around(samples: Vec<Value>) -> impl Strategy<Value = String> {
    let valid = prop::sample::select(samples);
    prop_oneof![
        valid.clone().prop_map(|v| v.to_string()),
        valid
            .clone()
            .prop_flat_map(mutated)
            .prop_map(|v| v.to_string()),
        valid.prop_flat_map(|v| damaged_text(v.to_string())),
        any_typed_object().prop_map(|v| v.to_string()),
        any_json().prop_map(|v| v.to_string()),
        any_text(),
    ]
}

/// Any bytes, valid UTF-8 or not.
pub fn any_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..256)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn mutations_apply_anywhere_without_panicking(
            value in mutated(serde_json::json!({"a": [1, {"b": "c"}], "d": null}))
        ) {
            // Reaching here is the property: every path was applied safely.
            let _ = value.to_string();
        }
    }
}
