//! Property tests of everything the Slack adapter reads from the network:
//! RTM frames, Socket Mode frames and envelopes, events (and the directory
//! updates they carry), slash commands, and the frames the host sends (a
//! round trip). None may panic, whatever arrives.

use std::sync::{Arc, Mutex, PoisonError};

use proptest::prelude::*;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::api::WebClient;
use super::dispatch::dispatch;
use super::events::{BotIdentity, Incoming, parse_event, parse_slash_command};
use super::frames;
use super::link::TeamLink;
use super::ratelimit::RateLimiter;
use super::routes::{AppRoutes, PayloadKind};
use super::rtm::handle_frame;
use super::socket_mode::{Frame, read_frame};
use super::tuning::Tuning;
use crate::event::{Event, EventSink};
use crate::fuzz::{any_json, any_text, any_typed_object, config, frames_around, mutated};
use crate::ids::{ChannelId, TeamId};
use crate::metrics::Metrics;
use crate::secret::Secret;

/// Collects what reaches the bot.
#[derive(Default)]
struct Sink(Mutex<Vec<Event>>);

impl EventSink for Sink {
    fn deliver(&self, event: Event) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event);
    }
}

fn me() -> BotIdentity {
    BotIdentity {
        user_id: "UBOT".into(),
        bot_id: Some("BBOT".into()),
    }
}

/// One client for every case (building one loads TLS roots, which is
/// slow); never called: nothing here makes a request.
fn web() -> WebClient {
    static WEB: std::sync::LazyLock<WebClient> =
        std::sync::LazyLock::new(|| WebClient::new("http://127.0.0.1:9/api/").expect("client"));
    WEB.clone()
}

fn link(rtm: bool) -> Arc<TeamLink> {
    let (limiter, _task) = RateLimiter::new(CancellationToken::new());
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    std::mem::forget(rx);
    TeamLink::new(
        TeamId::from("T1"),
        "team".into(),
        Secret::new("xoxb-fuzz"),
        me(),
        web(),
        limiter,
        Tuning::default(),
        Arc::new(Metrics::default()),
        rtm.then_some(tx),
    )
}

fn app() -> (AppRoutes, Arc<Sink>) {
    // Uninstalls are dropped (nobody serves the queue): logged, harmless.
    let (uninstalls, _) = tokio::sync::mpsc::channel(1);
    let app = AppRoutes::new("A1".into(), uninstalls);
    let sink = Arc::new(Sink::default());
    app.attach(link(false), sink.clone());
    (app, sink)
}

/// Valid samples of each event the parser has a case for.
fn sample_events() -> Vec<Value> {
    vec![
        json!({"type":"message","channel":"C1","user":"U1","text":"hi <@UBOT>","ts":"1.1","thread_ts":"1.0","channel_type":"channel"}),
        json!({"type":"message","subtype":"bot_message","channel":"C1","bot_id":"BX","text":"x","ts":"1.2"}),
        json!({"type":"app_mention","channel":"C1","user":"U1","text":"<@UBOT> hi","ts":"1.3"}),
        json!({"type":"reaction_added","user":"U1","reaction":"tada","item":{"type":"message","channel":"C1","ts":"1.1"}}),
        json!({"type":"reaction_removed","user":"U1","reaction":"tada","item":{"type":"message","channel":"C1","ts":"1.1"}}),
        json!({"type":"member_joined_channel","user":"U1","channel":"C1"}),
        json!({"type":"member_left_channel","user":"U1","channel":"C1"}),
        json!({"type":"channel_created","channel":{"id":"C9","name":"new","creator":"U1"}}),
        json!({"type":"channel_rename","channel":{"id":"C9","name":"newer"}}),
        json!({"type":"team_join","user":{"id":"U7","name":"zed","real_name":"Zed","profile":{"real_name":"Zed Z"}}}),
        json!({"type":"user_change","user":{"id":"U7","name":"zed","is_bot":false}}),
        json!({"type":"pin_added","channel_id":"C1"}),
    ]
}

fn sample_event() -> impl Strategy<Value = Value> {
    prop::sample::select(sample_events())
}

fn mutated_event() -> impl Strategy<Value = Value> {
    sample_event().prop_flat_map(mutated)
}

/// Socket Mode frames as Slack sends them.
fn sample_socket_frames() -> Vec<Value> {
    let events = sample_events().into_iter().map(|event| {
        json!({"envelope_id":"e1","type":"events_api","accepts_response_payload":false,
               "payload":{"team_id":"T1","event_id":"Ev1","event":event}})
    });
    events
        .chain([
            json!({"type":"hello","num_connections":1}),
            json!({"type":"disconnect","reason":"refresh_requested"}),
            json!({"envelope_id":"e2","type":"slash_commands",
                   "payload":{"team_id":"T1","command":"/x","text":"a","channel_id":"C1","user_id":"U1"}}),
            json!({"envelope_id":"e3","type":"interactive",
                   "payload":{"team":{"id":"T1"},"token":"verification","type":"block_actions"}}),
        ])
        .collect()
}

/// Slack ids and timestamps as they come (any text, really).
fn id() -> impl Strategy<Value = String> {
    prop_oneof!["[CDGU][A-Z0-9]{1,10}", any_text()]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parse_event_never_panics(value in prop_oneof![
        mutated_event(),
        any_typed_object(),
        any_json(),
    ]) {
        let _ = parse_event(&value, &me());
    }

    #[test]
    fn parse_slash_command_never_panics(value in prop_oneof![
        mutated(json!({"command":"/x","text":"a","channel_id":"C1","user_id":"U1"})),
        any_json(),
    ]) {
        let _ = parse_slash_command(&value);
    }

    #[test]
    fn a_message_event_reads_back_what_was_sent(
        channel in id(),
        user in id(),
        text in any_text(),
        ts in id(),
        thread in proptest::option::of(id()),
    ) {
        prop_assume!(user != "UBOT");
        let mut value = json!({"type":"message","channel":channel,"user":user,"text":text,"ts":ts});
        if let Some(thread) = &thread {
            value["thread_ts"] = json!(thread);
        }
        let Ok(Incoming::Event(Event::Message(m))) = parse_event(&value, &me()) else {
            panic!("a complete message parses: {value}");
        };
        prop_assert_eq!(m.channel.as_str(), channel.as_str());
        prop_assert_eq!(m.user.as_str(), user.as_str());
        prop_assert_eq!(&m.text, &text);
        prop_assert_eq!(m.ts.as_str(), ts.as_str());
        prop_assert_eq!(m.thread_ts.as_ref().map(|t| t.as_str()), thread.as_deref());
        prop_assert_eq!(m.mentions_bot, text.contains("<@UBOT>"));
    }

    #[test]
    fn dispatch_never_panics_and_keeps_the_directory_usable(
        values in prop::collection::vec(prop_oneof![mutated_event(), any_typed_object()], 1..8)
    ) {
        let link = link(true);
        let sink = Sink::default();
        for value in &values {
            dispatch(&link, &sink, value);
        }
        link.directory(|d| {
            let _ = d.user_named("zed");
            let _ = d.channel_named("new");
        });
    }

    #[test]
    fn rtm_frames_never_panic(
        frames in prop::collection::vec(frames_around(sample_events()), 1..8)
    ) {
        let link = link(true);
        let sink = Sink::default();
        for text in &frames {
            let _ = handle_frame(&link, &sink, text);
        }
    }

    #[test]
    fn socket_mode_frames_never_panic(
        frames in prop::collection::vec(frames_around(sample_socket_frames()), 1..8)
    ) {
        let (app, _sink) = app();
        for text in &frames {
            if let Frame::Envelope { kind, payload, .. } = read_frame(text) {
                app.route(PayloadKind::of_envelope(&kind), &payload);
            }
        }
    }

    #[test]
    fn an_envelope_reads_back_its_id_kind_and_payload(
        id in any_text(),
        kind in any_text(),
        payload in any_json(),
    ) {
        prop_assume!(kind != "disconnect" && kind != "hello");
        let text = json!({"envelope_id": id, "type": kind, "payload": payload}).to_string();
        // Compared with the payload read from its own text: floats are
        // only as exact as their shortest printed form.
        let payload: Value = serde_json::from_str(&payload.to_string()).expect("JSON");
        prop_assert_eq!(
            read_frame(&text),
            Frame::Envelope { id, kind, payload }
        );
    }

    #[test]
    fn interactive_payloads_never_carry_the_verification_token(
        payload in mutated(json!({"team":{"id":"T1"},"token":"verification","type":"block_actions"}))
    ) {
        let (app, sink) = app();
        app.route(PayloadKind::Other("interactive"), &payload);
        for event in sink.0.lock().unwrap_or_else(PoisonError::into_inner).iter() {
            if let Event::Other { raw_json, .. } = event {
                let raw: Value = serde_json::from_str(raw_json).expect("raw JSON");
                prop_assert!(raw.get("token").is_none(), "{}", raw_json);
            }
        }
    }

    #[test]
    fn outgoing_frames_round_trip_or_are_refused(
        channel in any_text(),
        envelope in any_text(),
        id in any::<u64>(),
        time in any::<u64>(),
        padding in 0_usize..20_000,
    ) {
        let channel = format!("{channel}{}", "x".repeat(padding));
        let ping = frames::ping(id, time);
        let typing = frames::typing(id, &ChannelId::new(channel));
        let ack = frames::ack(&envelope);
        for frame in [ping, typing, ack] {
            match frames::encode(&frame) {
                Ok(text) => {
                    prop_assert!(text.len() <= frames::MAX_RTM_FRAME);
                    let back: Value = serde_json::from_str(&text).expect("valid JSON");
                    prop_assert_eq!(back, frame);
                }
                Err(e) => prop_assert!(e.size > frames::MAX_RTM_FRAME),
            }
        }
    }
}
