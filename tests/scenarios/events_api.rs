//! The Events API over HTTP: the fake Slack posts signed requests to the
//! host's request URLs on loopback (events, slash commands, url
//! verification, retries, uninstalls); refused requests change nothing.

use std::sync::Arc;
use std::time::Duration;

use bothost::builder::HostBuilder;
use bothost::chat::LinkStatus;
use bothost::ids::TeamId;
use bothost::runtime::RuntimeConfig;
use bothost::storage::{Storage, StorageKey, StorageQuota};
use bothost_tests::fake_slack::{
    ACK_TIMEOUT, Attempt, EventsApp, FakeSlack, Retries, Tamper, Workspace, slack_signature,
};
use bothost_tests::slack_env::{SlackEnv, fast_tuning, mention};
use bothost_tests::{config_of, guests};
use serde_json::json;

const APP: &str = "A9";

fn general(ws: &Workspace) -> String {
    format!("C{}GENERAL", ws.team_id)
}

fn alice(ws: &Workspace) -> String {
    format!("U{}ALICE", ws.team_id)
}

/// A host keeping its registry in a fresh database (in memory, the host
/// keeps no registry rows to look at).
async fn durable_env(test: &str) -> SlackEnv {
    let dir = std::env::temp_dir().join(format!("bothost-events-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let db = dir.join("bothost.db");
    let key = StorageKey::load(None, &|_: &str| None, &db).expect("key file");
    let storage = Storage::open(&db, key, StorageQuota::default()).expect("database");
    let slack = FakeSlack::start().await;
    let runtime = RuntimeConfig {
        max_teams: 8,
        ..RuntimeConfig::default()
    };
    let host = HostBuilder::slack(runtime, slack.base_url(), fast_tuning())
        .storage(storage, Duration::from_secs(3600))
        .build()
        .expect("host");
    let host = Arc::new(host);
    host.serve_uninstalls();
    SlackEnv { slack, host }
}

/// A host serving app A9 over HTTP, with `teams` running `bot` on it, each
/// linked (there is no socket: connected once `auth.test` passed).
async fn http_teams(bot: &str, teams: &[&str]) -> (SlackEnv, EventsApp, Vec<Workspace>) {
    http_teams_on(SlackEnv::start().await, bot, teams).await
}

async fn http_teams_on(
    env: SlackEnv,
    bot: &str,
    teams: &[&str],
) -> (SlackEnv, EventsApp, Vec<Workspace>) {
    let app = env.events_app(APP).await;
    let mut workspaces = Vec::new();
    for team in teams {
        let ws = env.team(team, bot, Some(APP), config_of(&[])).await;
        env.wait_link(team, |s| *s == LinkStatus::Connected).await;
        workspaces.push(ws);
    }
    (env, app, workspaces)
}

/// Alice mentions the bot in #general with `text`.
async fn say(app: &EventsApp, ws: &Workspace, text: &str, retries: &Retries) -> Vec<Attempt> {
    app.message(
        &ws.team_id,
        &general(ws),
        &alice(ws),
        &mention(ws, text),
        retries,
    )
    .await
}

fn acked_once(attempts: &[Attempt]) {
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(attempts[0].status, Some(200), "{attempts:?}");
    assert!(attempts[0].took < ACK_TIMEOUT, "{attempts:?}");
}

/// What the trapper bot got so far (it answers `events` with a report of
/// every event since the last one); the first post of the test.
async fn trapper_report(env: &SlackEnv, app: &EventsApp, ws: &Workspace) -> String {
    let team = &ws.team_id;
    acked_once(
        &app.message(
            team,
            &general(ws),
            &alice(ws),
            "events",
            &Retries::default(),
        )
        .await,
    );
    env.slack.wait_posts(1).await[0].text.clone()
}

fn metric(env: &SlackEnv, line: &str) -> bool {
    env.host.render_metrics().lines().any(|l| l == line)
}

#[tokio::test]
async fn a_message_over_http_is_acked_at_once_and_the_echo_reply_is_posted() {
    let (env, app, ws) = http_teams(guests::ECHO, &["T1"]).await;
    acked_once(&say(&app, &ws[0], "hello over http", &Retries::default()).await);
    let posts = env.slack.wait_posts(1).await;
    assert_eq!(
        (posts[0].team.as_str(), posts[0].channel.as_str()),
        ("T1", general(&ws[0]).as_str())
    );
    assert_eq!(posts[0].text, "hello over http");
    let view = env.host.team(&TeamId::from("T1")).expect("served");
    assert_eq!(view.link, LinkStatus::Connected);
    env.close().await;
}

#[tokio::test]
async fn url_verification_is_answered_with_the_challenge() {
    let (env, app, _) = http_teams(guests::ECHO, &[]).await;
    let answer = app
        .url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
        .await;
    assert_eq!(answer.status, Some(200));
    let body: serde_json::Value = serde_json::from_str(&answer.body).expect("JSON");
    assert_eq!(
        body,
        json!({"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})
    );
    env.close().await;
}

#[tokio::test]
async fn a_slash_command_over_http_reaches_the_bot_as_over_socket_mode() {
    let (env, app, ws) = http_teams(guests::TRAPPER, &["T1"]).await;
    let ws = &ws[0];
    let answer = app
        .slash_command("T1", "/weather", "Paris, France", &general(ws), &alice(ws))
        .await;
    assert_eq!((answer.status, answer.body.as_str()), (Some(200), ""));
    assert!(answer.took < ACK_TIMEOUT);
    assert_eq!(
        trapper_report(&env, &app, ws).await,
        "events: slash_command /weather \"Paris, France\" CT1GENERAL UT1ALICE"
    );
    env.close().await;
}

#[tokio::test]
async fn an_interaction_over_http_reaches_the_bot_without_the_verification_token() {
    let (env, app, ws) = http_teams(guests::TRAPPER, &["T1"]).await;
    let ws = &ws[0];
    let payload = json!({"type": "block_actions", "token": "verification-token-not-used",
        "team": {"id": "T1", "domain": "fake"}, "user": {"id": alice(ws), "team_id": "T1"},
        "trigger_id": "1.1.fake", "actions": []});
    let answer = app.interactive(&payload).await;
    assert_eq!(answer.status, Some(200));
    assert_eq!(
        trapper_report(&env, &app, ws).await,
        "events: other interactive"
    );
    env.close().await;
}

#[tokio::test]
async fn a_retried_event_reaches_the_bot_once() {
    let (env, app, ws) = http_teams(guests::ECHO, &["T1"]).await;
    // The host answers every attempt; Slack acts as if the first two
    // answers came too late and retries.
    let attempts = say(&app, &ws[0], "once", &Retries::immediate(2)).await;
    let seen: Vec<(u32, Option<u16>)> = attempts.iter().map(|a| (a.retry, a.status)).collect();
    assert_eq!(seen, [(0, Some(200)), (1, Some(200)), (2, Some(200))]);
    // A later event proves the retries were handled (and dropped) first:
    // the team's events are handled in order.
    acked_once(&say(&app, &ws[0], "marker", &Retries::default()).await);
    let posts = env.slack.wait_posts(2).await;
    let texts: Vec<&str> = posts.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(texts, ["once", "marker"]);
    env.close().await;
}

#[tokio::test]
async fn refused_requests_are_counted_and_change_nothing() {
    let (env, app, ws) = http_teams(guests::ECHO, &["T1"]).await;
    let ws = &ws[0];
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let body = |text: &str| {
        let id = app.next_event_id();
        let event = json!({"type": "message", "channel": general(ws), "user": alice(ws),
            "text": mention(ws, text), "ts": "1700000000.000001"});
        app.callback("T1", &id, event).to_string().into_bytes()
    };
    let other_body = body("other");
    let at = |timestamp: String| Tamper {
        timestamp: Some(timestamp),
        ..Tamper::default()
    };
    let wrong_secret = Tamper {
        secret: Some("not-the-secret".into()),
        ..Tamper::default()
    };
    let signed_other = Tamper {
        signature: Some(slack_signature(
            "signing-secret-A9",
            &now.to_string(),
            &other_body,
        )),
        ..at(now.to_string())
    };
    let unsigned = Tamper {
        unsigned: true,
        ..Tamper::default()
    };
    let mut big = body(&"x".repeat(1024 * 1024));
    big.truncate(1024 * 1024 + 1);
    let cases: Vec<(&str, Vec<u8>, Tamper, u16)> = vec![
        (
            "signature of another body",
            body("tampered"),
            signed_other,
            401,
        ),
        (
            "wrong secret",
            body("wrong secret"),
            wrong_secret.clone(),
            401,
        ),
        (
            "six minutes old",
            body("stale"),
            at((now - 360).to_string()),
            401,
        ),
        (
            "six minutes ahead",
            body("future"),
            at((now + 360).to_string()),
            401,
        ),
        ("unsigned", body("unsigned"), unsigned, 401),
        (
            "timestamp not a number",
            body("bad ts"),
            at("yesterday".into()),
            400,
        ),
        ("over 1 MiB", big, Tamper::default(), 413),
        (
            "signed but not JSON",
            b"{not json".to_vec(),
            Tamper::default(),
            400,
        ),
    ];
    for (what, body, tamper, status) in cases {
        let answer = app.send_raw("events", body, &tamper).await;
        assert_eq!(answer.status, Some(status), "{what}: {answer:?}");
        assert!(!answer.body.is_empty(), "{what}: a reason is given");
    }
    let unknown = app.with_app_id("A404");
    let answer = unknown
        .send_raw("events", body("unknown app"), &Tamper::default())
        .await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (Some(404), "unknown app\n")
    );
    let answer = app
        .send_raw(
            "commands",
            b"team_id=T1".to_vec(),
            &Tamper {
                secret: Some("not-the-secret".into()),
                ..Tamper::default()
            },
        )
        .await;
    assert_eq!(answer.status, Some(401));

    // Nothing reached the bot: the next good event is the first it answers.
    acked_once(&say(&app, ws, "good", &Retries::default()).await);
    let posts = env.slack.wait_posts(1).await;
    assert_eq!(posts[0].text, "good");
    assert_eq!(env.host.len(), 1);
    for line in [
        "bothost_request_verification_failures_total{reason=\"bad_signature\"} 3",
        "bothost_request_verification_failures_total{reason=\"stale_timestamp\"} 2",
        "bothost_request_verification_failures_total{reason=\"unsigned\"} 1",
        "bothost_request_verification_failures_total{reason=\"bad_timestamp\"} 1",
        "bothost_request_verification_failures_total{reason=\"too_large\"} 1",
        "bothost_request_verification_failures_total{reason=\"malformed\"} 1",
        "bothost_request_verification_failures_total{reason=\"unknown_app\"} 1",
    ] {
        assert!(
            metric(&env, line),
            "{line} in\n{}",
            env.host.render_metrics()
        );
    }
    assert_eq!(env.slack.posts().len(), 1);
    env.close().await;
}

#[tokio::test]
async fn uninstalls_over_http_remove_their_team_and_the_others_keep_running() {
    let env = durable_env("uninstall").await;
    let (env, app, ws) = http_teams_on(env, guests::ECHO, &["T1", "T2", "T3"]).await;
    acked_once(&app.app_uninstalled("T1").await);
    env.wait_link_gone("T1").await;
    // Another app's bot (or a user token) revoked: T2 stays.
    acked_once(&app.tokens_revoked("T2", &["USOMEONEELSE"]).await);
    acked_once(
        &app.tokens_revoked("T3", &[ws[2].bot_user_id.as_str()])
            .await,
    );
    env.wait_link_gone("T3").await;
    let stored: Vec<String> = env
        .host
        .storage()
        .teams
        .load()
        .await
        .expect("registry")
        .into_iter()
        .map(|t| t.spec.id.to_string())
        .collect();
    assert_eq!(stored, ["T2"], "the uninstalled teams' rows are gone");
    assert!(
        metric(&env, "bothost_uninstalls_total 2"),
        "{}",
        env.host.render_metrics()
    );
    // An event for a removed team is acked and goes nowhere.
    acked_once(&say(&app, &ws[0], "anyone?", &Retries::default()).await);
    acked_once(&say(&app, &ws[1], "still here", &Retries::default()).await);
    let posts = env.slack.wait_posts(1).await;
    assert_eq!(
        (posts[0].team.as_str(), posts[0].text.as_str()),
        ("T2", "still here")
    );
    assert_eq!(env.host.len(), 1);
    env.close().await;
}

#[tokio::test]
async fn an_uninstall_over_socket_mode_removes_the_team_too() {
    let env = SlackEnv::start().await;
    env.app("A1", &["T1", "T2"]);
    env.team("T1", guests::ECHO, Some("A1"), config_of(&[]))
        .await;
    let two = env
        .team("T2", guests::ECHO, Some("A1"), config_of(&[]))
        .await;
    env.slack.wait_socket_connected("A1", 1).await;
    env.slack
        .socket_event("A1", "T1", json!({"type": "app_uninstalled"}));
    env.wait_link_gone("T1").await;
    let said = json!({"type": "message", "channel": general(&two), "user": alice(&two),
        "text": mention(&two, "socket survivor"), "ts": "1700000000.000200"});
    env.slack.socket_event("A1", "T2", said);
    assert_eq!(env.slack.wait_posts(1).await[0].text, "socket survivor");
    assert!(metric(&env, "bothost_uninstalls_total 1"));
    env.close().await;
}

/// A free loopback port (bound, read, released: `serve` binds it next).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a loopback port")
        .port()
}

#[tokio::test]
async fn serve_with_an_http_section_answers_slack_at_the_request_url() {
    let slack = FakeSlack::start().await;
    let ws = Workspace::new("T1", "xoxb-T1");
    slack.add_workspace(ws.clone());
    let dir = std::env::temp_dir().join(format!("bothost-events-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let port = free_port();
    let mut config = bothost_tests::serve_config(&slack.base_url(), &dir, &[]);
    config.push_str(&format!(
        "[http]\nbind = \"127.0.0.1:{port}\"\n\n[[apps]]\nid = \"A9\"\nsigning_secret_env = \"A9_SIGNING\"\n\n\
         [[teams]]\nid = \"T1\"\nbot = \"{bot}\"\ntoken_env = \"T1_TOKEN\"\napp = \"A9\"\n",
        bot = guests::ECHO,
    ));
    let _ = std::fs::remove_file(dir.join("bothost.db"));
    let path = dir.join("bothost.toml");
    std::fs::write(&path, config).expect("config");
    let env: bothost::sources::EnvLookup = Arc::new(|var: &str| match var {
        "T1_TOKEN" => Some("xoxb-T1".to_owned()),
        "A9_SIGNING" => Some("signing-secret-A9".to_owned()),
        _ => None,
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let options = bothost::serve::ServeOptions::default();
        bothost::serve::serve(&path, env, &options, async {
            let _ = stopped.await;
        })
        .await
    });
    // The team is served once it has called `auth.test`; the listener is
    // bound before any team starts.
    slack.wait_calls("auth.test", 1).await;
    let app = slack.events_app(
        "A9",
        "signing-secret-A9",
        &format!("http://127.0.0.1:{port}"),
    );
    // `serve` gives no handle to watch the team start: until its bot runs,
    // an event finds no team (acked, dropped, as Slack's would be), so it
    // is said again, a bounded number of times, until the bot answers.
    for _ in 0..2000 {
        acked_once(&say(&app, &ws, "served over http", &Retries::default()).await);
        if !slack.posts().is_empty() {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(slack.wait_posts(1).await[0].text, "served over http");
    stop.send(()).expect("stop");
    server.await.expect("join").expect("serve returned cleanly");
    slack.shutdown().await;
}
