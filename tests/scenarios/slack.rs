//! The real host against the fake Slack over loopback sockets: events in,
//! replies out, over RTM and Socket Mode; faults injected on command.

use std::time::Duration;

use bothost::chat::LinkStatus;
use bothost_tests::fake_slack::{Fault, Workspace};
use bothost_tests::slack_env::{SlackEnv, fast_tuning, mention};
use bothost_tests::{config_of, guests};
use serde_json::json;

fn general(ws: &Workspace) -> String {
    format!("C{}GENERAL", ws.team_id)
}

fn alice(ws: &Workspace) -> String {
    format!("U{}ALICE", ws.team_id)
}

/// Team T2 running the echo bot over Socket Mode app A1, connected.
async fn echo_over_socket_mode(env: &SlackEnv) -> Workspace {
    env.app("A1", &["T2"]);
    let ws = env
        .team("T2", guests::ECHO, Some("A1"), config_of(&[]))
        .await;
    env.slack.wait_socket_connected("A1", 1).await;
    ws
}

/// An Events API `message` from alice in #general mentioning the bot.
fn said(ws: &Workspace, text: &str, ts: &str) -> serde_json::Value {
    json!({"type": "message", "channel": general(ws), "user": alice(ws),
        "text": mention(ws, text), "ts": ts, "channel_type": "channel"})
}

#[tokio::test]
async fn rtm_message_in_reply_out() {
    let env = SlackEnv::start().await;
    let ws = env.team("T1", guests::ECHO, None, config_of(&[])).await;
    env.slack.wait_rtm_connected("T1", 1).await;
    env.slack.rtm_message(
        "T1",
        &general(&ws),
        &alice(&ws),
        &mention(&ws, "hello over rtm"),
    );
    let posts = env.slack.wait_posts(1).await;
    assert_eq!(posts[0].team, "T1");
    assert_eq!(posts[0].channel, general(&ws));
    assert_eq!(posts[0].text, "hello over rtm");
    env.close().await;
}

#[tokio::test]
async fn socket_mode_message_in_reply_out_with_ack() {
    let env = SlackEnv::start().await;
    let ws = echo_over_socket_mode(&env).await;
    let event = said(&ws, "hello over socket mode", "1700000000.000100");
    let envelope = env.slack.socket_event("A1", "T2", event);
    let posts = env.slack.wait_posts(1).await;
    assert_eq!(
        (posts[0].team.as_str(), posts[0].text.as_str()),
        ("T2", "hello over socket mode")
    );
    assert_eq!(env.slack.socket_acks("A1"), [envelope]);
    env.close().await;
}

#[tokio::test]
async fn socket_mode_redeliveries_reach_the_bot_once_and_are_acked_each_time() {
    let env = SlackEnv::start().await;
    let ws = echo_over_socket_mode(&env).await;
    let event = said(&ws, "once", "1700000000.000101");
    let envelope = env.slack.socket_event("A1", "T2", event);
    env.slack.socket_redeliver("A1", &envelope);
    env.slack.wait_socket_acks("A1", 2).await;
    // A later, different event proves the redelivery was processed (and
    // dropped) before it.
    let marker = said(&ws, "marker", "1700000000.000102");
    env.slack.socket_event("A1", "T2", marker);
    let posts = env.slack.wait_posts(2).await;
    let texts: Vec<&str> = posts.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(texts, ["once", "marker"]);
    env.close().await;
}

#[tokio::test]
async fn two_teams_at_once_never_cross() {
    let env = SlackEnv::start().await;
    let (one, two) = env.rtm_and_socket_mode(guests::ECHO).await;
    env.slack.rtm_message(
        "T1",
        &general(&one),
        &alice(&one),
        &mention(&one, "for one"),
    );
    let event = said(&two, "for two", "1700000000.000200");
    env.slack.socket_event("A1", "T2", event);
    let mut posts = env.slack.wait_posts(2).await;
    posts.sort_by(|a, b| a.team.cmp(&b.team));
    let seen: Vec<(&str, &str, &str)> = posts
        .iter()
        .map(|p| (p.team.as_str(), p.channel.as_str(), p.text.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("T1", "CT1GENERAL", "for one"),
            ("T2", "CT2GENERAL", "for two")
        ]
    );
    env.close().await;
}

type Inject = fn(&bothost_tests::fake_slack::FakeSlack);

/// After each fault the team reconnects, and what Slack sends after the
/// new `hello` reaches the bot.
#[tokio::test]
async fn rtm_reconnects_after_every_fault_without_losing_events() {
    let env = SlackEnv::start().await;
    let ws = env.team("T1", guests::ECHO, None, config_of(&[])).await;
    env.slack.wait_rtm_connected("T1", 1).await;
    let faults: [(&str, Inject); 4] = [
        ("drop", |s| s.rtm_drop("T1")),
        ("goodbye", |s| s.rtm_goodbye("T1")),
        ("migration", |s| s.rtm_migration("T1")),
        ("expired url", |s| {
            s.expire_next_rtm_url("T1");
            s.rtm_drop("T1");
        }),
    ];
    let mut hellos = 1;
    for (i, (name, inject)) in faults.iter().enumerate() {
        inject(&env.slack);
        // An expired URL costs one extra connect (refused, then retried).
        hellos += 1;
        env.slack.wait_rtm_connected("T1", hellos).await;
        env.slack
            .rtm_message("T1", &general(&ws), &alice(&ws), &mention(&ws, name));
        let posts = env.slack.wait_posts(i + 1).await;
        assert_eq!(posts[i].text, *name, "after {name}");
    }
    assert!(
        env.slack.calls("rtm.connect").len() >= 5,
        "a fresh rtm.connect per connect"
    );
    env.close().await;
}

#[tokio::test]
async fn rtm_declares_a_silent_socket_dead_and_reconnects() {
    let env = SlackEnv::start().await;
    env.team("T1", guests::ECHO, None, config_of(&[])).await;
    env.slack.wait_rtm_connected("T1", 1).await;
    // The next socket never says hello: the host must give up on it and
    // try again.
    env.slack.rtm_set_hello("T1", false);
    env.slack.rtm_drop("T1");
    env.slack.wait_calls("rtm.connect", 3).await;
    env.slack.rtm_set_hello("T1", true);
    env.slack.wait_rtm_connected("T1", 2).await;
    env.close().await;
}

#[tokio::test]
async fn socket_mode_disconnect_is_make_before_break() {
    let env = SlackEnv::start().await;
    let ws = echo_over_socket_mode(&env).await;
    env.slack.socket_disconnect("A1", "refresh_requested");
    env.slack.wait_socket_connected("A1", 2).await;
    let event = said(&ws, "after refresh", "1700000000.000300");
    env.slack.socket_event("A1", "T2", event);
    assert_eq!(env.slack.wait_posts(1).await[0].text, "after refresh");
    env.wait_link("T2", |s| *s == LinkStatus::Connected).await;
    env.close().await;
}

#[tokio::test]
async fn socket_mode_reconnects_when_slack_stops_pinging_or_drops() {
    // Slack pings every 50 ms; the host gives up after 1 s without one: a
    // 20x margin, so a loaded machine never looks like a dead socket, and
    // the exact connection count below catches a spurious reconnect.
    let env = SlackEnv::start_with(bothost::slack::Tuning {
        server_ping_timeout: Duration::from_secs(1),
        ..fast_tuning()
    })
    .await;
    env.app("A1", &["T2"]);
    env.slack
        .socket_set_ping_interval("A1", Some(Duration::from_millis(50)));
    env.team("T2", guests::ECHO, Some("A1"), config_of(&[]))
        .await;
    env.slack.wait_socket_connected("A1", 1).await;
    env.slack.socket_set_ping_interval("A1", None);
    env.slack.wait_socket_connected("A1", 2).await;
    env.slack
        .socket_set_ping_interval("A1", Some(Duration::from_millis(50)));
    env.slack.socket_drop("A1");
    env.slack.wait_socket_connected("A1", 3).await;
    assert!(
        env.slack.socket_pongs("A1") > 0,
        "server pings were answered"
    );
    assert_eq!(
        env.slack.socket_connections("A1"),
        3,
        "one reconnect for the silence, one for the drop, none besides"
    );
    env.close().await;
}

#[tokio::test]
async fn a_429_is_absorbed_and_the_post_waits_for_retry_after() {
    let env = SlackEnv::start().await;
    let ws = env.team("T1", guests::ECHO, None, config_of(&[])).await;
    env.slack.wait_rtm_connected("T1", 1).await;
    env.slack.fail_next(
        "chat.postMessage",
        Fault::RateLimited {
            retry_after_secs: 1,
        },
    );
    env.slack
        .rtm_message("T1", &general(&ws), &alice(&ws), &mention(&ws, "patience"));
    let posts = env.slack.wait_posts(1).await;
    let calls = env.slack.calls("chat.postMessage");
    assert_eq!(calls.len(), 2, "one refused call, one retry");
    assert!(!calls[0].ok && calls[1].ok);
    let waited = calls[1].at.duration_since(calls[0].at);
    assert!(
        waited >= Duration::from_secs(1),
        "retried after {waited:?}, before Retry-After"
    );
    assert_eq!(posts[0].text, "patience");
    env.close().await;
}

#[tokio::test]
async fn a_revoked_token_ends_that_team_only() {
    let env = SlackEnv::start().await;
    let one = env.team("T1", guests::ECHO, None, config_of(&[])).await;
    let two = env.team("T3", guests::ECHO, None, config_of(&[])).await;
    env.slack.wait_rtm_connected("T1", 1).await;
    env.slack.wait_rtm_connected("T3", 1).await;
    env.slack.revoke_token(&one.bot_token);
    let status = env
        .wait_link("T1", |s| matches!(s, LinkStatus::TokenRevoked { .. }))
        .await;
    assert_eq!(
        status,
        LinkStatus::TokenRevoked {
            reason: "token_revoked".into()
        }
    );
    env.slack.rtm_message(
        "T3",
        &general(&two),
        &alice(&two),
        &mention(&two, "still here"),
    );
    assert_eq!(env.slack.wait_posts(1).await[0].team, "T3");
    let connects = env
        .slack
        .calls("rtm.connect")
        .iter()
        .filter(|c| c.team.as_deref() == Some("T1"))
        .count();
    assert_eq!(
        env.slack.rtm_connections("T1"),
        1,
        "no new socket after revocation ({connects} connects)"
    );
    env.close().await;
}

#[tokio::test]
async fn names_resolve_through_the_directory() {
    let env = SlackEnv::start().await;
    let config = config_of(&[
        ("channel", "random"),
        ("interval_secs", "1"),
        ("text", "tick"),
    ]);
    let ws = env.team("T1", guests::CRON, None, config).await;
    let posts = env.slack.wait_posts(1).await;
    assert_eq!(
        posts[0].channel,
        format!("C{}RANDOM", ws.team_id),
        "#random resolved to its id"
    );
    assert_eq!(env.slack.calls("users.list").len(), 1);
    assert_eq!(env.slack.calls("conversations.list").len(), 1);
    env.close().await;
}

#[tokio::test]
async fn malformed_frames_unknown_events_and_own_messages_are_never_fatal() {
    let env = SlackEnv::start().await;
    let (one, two) = env.rtm_and_socket_mode(guests::ECHO).await;

    env.slack.rtm_send_raw("T1", "{not json");
    env.slack
        .rtm_send("T1", json!({"type": "pin_added", "channel_id": "C1"}));
    env.slack.rtm_send(
        "T1",
        json!({"type": "message", "text": "no channel, no ts"}),
    );
    env.slack.rtm_message(
        "T1",
        &general(&one),
        &one.bot_user_id,
        &mention(&one, "my own"),
    );
    env.slack
        .rtm_message("T1", &general(&one), &alice(&one), &mention(&one, "rtm ok"));

    env.slack.socket_send_raw("A1", "garbage");
    env.slack.socket_send_raw(
        "A1",
        r#"{"envelope_id":"e-bad","type":"events_api","payload":{"team_id":"T2"}}"#,
    );
    let stranger = json!({"envelope_id": "e-t9", "type": "events_api", "payload": {"team_id": "T9",
        "event_id": "Ev9", "event": {"type":"message","channel":"C9","user":"U9","text":"x","ts":"1.1"}}});
    env.slack.socket_send_raw("A1", &stranger.to_string());
    let event = said(&two, "socket ok", "1700000000.000400");
    env.slack.socket_event("A1", "T2", event);

    let mut texts: Vec<String> = env
        .slack
        .wait_posts(2)
        .await
        .into_iter()
        .map(|p| p.text)
        .collect();
    texts.sort();
    assert_eq!(
        texts,
        ["rtm ok", "socket ok"],
        "own message not echoed; garbage ignored"
    );
    assert_eq!(
        env.slack.rtm_connections("T1"),
        1,
        "the RTM socket survived"
    );
    assert_eq!(
        env.slack.socket_connections("A1"),
        1,
        "the Socket Mode socket survived"
    );
    env.close().await;
}

#[tokio::test]
async fn an_update_with_a_new_token_reconnects_only_that_team() {
    let env = SlackEnv::start().await;
    let one = env.team("T1", guests::COUNTER, None, config_of(&[])).await;
    env.team("T3", guests::ECHO, None, config_of(&[])).await;
    env.slack.wait_rtm_connected("T1", 1).await;
    env.slack.wait_rtm_connected("T3", 1).await;
    let mut rotated = one.clone();
    rotated.bot_token = "xoxb-T1-rotated".into();
    env.slack.add_workspace(rotated.clone());
    env.host
        .update(bothost::spec::TeamSpec {
            id: "T1".into(),
            bot: guests::COUNTER.into(),
            token: bothost::secret::Secret::new(rotated.bot_token.clone()),
            app: None,
            config: config_of(&[("label", "n")]),
            source: bothost::spec::TeamSource::Admin,
        })
        .await
        .expect("update");
    env.slack.wait_rtm_connected("T1", 2).await;
    assert_eq!(
        env.slack.rtm_connections("T3"),
        1,
        "the other team kept its socket"
    );
    env.slack
        .rtm_message("T1", &general(&one), &alice(&one), "!count");
    assert_eq!(env.slack.wait_posts(1).await[0].text, "n: 1");
    env.close().await;
}

#[tokio::test]
async fn a_slow_slack_is_the_bots_error_not_a_poisoned_instance() {
    // The post deadline is the thing under test; 1 s leaves the second
    // post's round trip a wide margin on a loaded machine.
    let env = SlackEnv::start_with(bothost::slack::Tuning {
        post_wait: Duration::from_secs(1),
        ..fast_tuning()
    })
    .await;
    let ws = env.team("T1", guests::TRAPPER, None, config_of(&[])).await;
    env.slack.wait_rtm_connected("T1", 1).await;
    env.slack
        .fail_next("chat.postMessage", Fault::Slow(Duration::from_secs(3)));
    // The team handles events in order: the second waits for the first,
    // whose post gives up after 1 s.
    env.slack
        .rtm_message("T1", &general(&ws), &alice(&ws), "mem");
    env.slack
        .rtm_message("T1", &general(&ws), &alice(&ws), "mem");
    let posts = env.slack.wait_posts(1).await;
    assert_eq!(
        posts[0].text, "mem: 2 config v=-",
        "the slow post failed for the bot, and the same instance (memory kept) went on"
    );
    let team = env.host.team(&"T1".into()).expect("served");
    assert_eq!(team.bot, bothost::team::BotStatus::Running);
    env.close().await;
}

/// Far over the host's 1 MiB cap on what a Slack socket may send it.
fn oversized_frame(team: &str) -> String {
    json!({"type": "message", "channel": format!("C{team}GENERAL"), "user": format!("U{team}ALICE"),
        "text": "x".repeat(2 * 1024 * 1024), "ts": "1.000001"})
    .to_string()
}

#[tokio::test]
async fn an_oversized_rtm_frame_closes_only_that_socket_which_reconnects() {
    let env = SlackEnv::start().await;
    let one = env.team("T1", guests::ECHO, None, config_of(&[])).await;
    let two = env.team("T2", guests::ECHO, None, config_of(&[])).await;
    env.slack.wait_rtm_connected("T1", 1).await;
    env.slack.wait_rtm_connected("T2", 1).await;
    env.slack.rtm_send_raw("T1", &oversized_frame("T1"));
    env.slack.wait_rtm_connected("T1", 2).await;
    assert_eq!(
        env.slack.rtm_connections("T2"),
        1,
        "the neighbour's socket stayed"
    );
    env.slack.rtm_message(
        "T2",
        &general(&two),
        &alice(&two),
        &mention(&two, "neighbour"),
    );
    assert_eq!(env.slack.wait_posts(1).await[0].text, "neighbour");
    env.slack
        .rtm_message("T1", &general(&one), &alice(&one), &mention(&one, "back"));
    assert_eq!(env.slack.wait_posts(2).await[1].text, "back");
    assert!(
        env.slack.posts().iter().all(|p| !p.text.starts_with("xxx")),
        "the oversized message never reached the bot"
    );
    env.close().await;
}

#[tokio::test]
async fn an_oversized_socket_mode_frame_closes_only_that_socket_which_reconnects() {
    let env = SlackEnv::start().await;
    let rtm = env.team("T1", guests::ECHO, None, config_of(&[])).await;
    env.slack.wait_rtm_connected("T1", 1).await;
    let ws = echo_over_socket_mode(&env).await;
    env.slack.socket_send_raw("A1", &oversized_frame("T2"));
    env.slack.wait_socket_connected("A1", 2).await;
    assert_eq!(
        env.slack.rtm_connections("T1"),
        1,
        "the RTM team's socket stayed"
    );
    env.slack
        .socket_event("A1", "T2", said(&ws, "after", "1700000000.000200"));
    assert_eq!(env.slack.wait_posts(1).await[0].text, "after");
    env.slack
        .rtm_message("T1", &general(&rtm), &alice(&rtm), &mention(&rtm, "rtm"));
    assert_eq!(env.slack.wait_posts(2).await[1].text, "rtm");
    env.close().await;
}
