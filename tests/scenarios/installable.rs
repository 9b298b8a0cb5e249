//! Issue 12's whole story in one scenario: an app whose events come over
//! HTTP is installed into three fake workspaces through a browser-like
//! "Add to Slack" flow; each team's bot answers an HTTP-delivered event
//! and a slash command within Slack's 3 s; an uninstall removes one team;
//! a restart keeps the other two, still answering.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bothost::builder::HostBuilder;
use bothost::host::Host;
use bothost::ids::TeamId;
use bothost::install::{self, InstallSettings, Installer, STATE_TTL};
use bothost::runtime::RuntimeConfig;
use bothost::secret::Secret;
use bothost::spec::{HttpAppSpec, OAuthAppSpec, TeamSource};
use bothost::storage::{Storage, StorageKey, StorageQuota};
use bothost_tests::browser::{add_to_slack_link, follow, new_browser};
use bothost_tests::fake_slack::{ACK_TIMEOUT, EventsApp, FakeSlack, Retries, Workspace};
use bothost_tests::guests;
use bothost_tests::slack_env::fast_tuning;
use reqwest::StatusCode;

const APP: &str = "A7";
const CLIENT_ID: &str = "777.888";
const CLIENT_SECRET: &str = "client-secret-SEVENSEVEN";
const SIGNING_SECRET: &str = "signing-secret-SEVEN";

/// A host on the database in `dir` with one listener for Slack's requests
/// and the install pages, as `bothost serve` wires them; and Slack's side
/// of the app, posting to that listener.
async fn serve(slack: &FakeSlack, dir: &Path) -> (Arc<Host>, EventsApp) {
    let storage = Storage::open(
        &dir.join("bothost.db"),
        StorageKey::from_bytes([9; 32]),
        StorageQuota::default(),
    )
    .expect("storage");
    let runtime = RuntimeConfig {
        max_teams: 8,
        ..RuntimeConfig::default()
    };
    let host = Arc::new(
        HostBuilder::slack(runtime, slack.base_url(), fast_tuning())
            .storage(storage, Duration::from_secs(3600))
            .build()
            .expect("host"),
    );
    host.serve_uninstalls();
    host.add_http_app(HttpAppSpec {
        id: APP.into(),
        signing_secret: Secret::new(SIGNING_SECRET),
    });
    host.resume(|_| true).await.expect("resume");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let installer = Installer::new(
        host.clone(),
        vec![OAuthAppSpec {
            id: APP.into(),
            client_id: CLIENT_ID.into(),
            client_secret: Secret::new(CLIENT_SECRET),
            bot: PathBuf::from(guests::ECHO),
            scopes: vec!["app_mentions:read".into(), "commands".into()],
            token_rotation: false,
            carries_events: true,
        }],
        InstallSettings {
            public_url: base.clone(),
            authorize_url: slack.authorize_url(),
            state_ttl: STATE_TTL,
        },
    )
    .expect("installer");
    installer.start_rotation().await.expect("rotation");
    let routes = host
        .slack_router()
        .expect("a Slack host")
        .merge(install::router(installer));
    bothost::admin::serve_bound(listener, routes, host.tasks(), "Slack request listener");
    (host, slack.events_app(APP, SIGNING_SECRET, &base))
}

/// Alice installs the app into `team` in a fresh browser.
async fn install(slack: &FakeSlack, base: &str, team: &str) {
    let browser = new_browser();
    let link = add_to_slack_link(&browser, base, APP).await;
    slack.approve_next_install(team, &format!("U{team}ALICE"));
    let (status, outcome, _) = follow(&browser, &link).await;
    assert_eq!(
        (status, outcome.as_str()),
        (StatusCode::OK, "installed"),
        "{team}"
    );
}

/// A message mentioning the bot and a slash command, both over HTTP, each
/// acked and answered within 3 s.
async fn answers_over_http(slack: &FakeSlack, app: &EventsApp, team: &str, word: &str) {
    let (channel, user) = (format!("C{team}GENERAL"), format!("U{team}ALICE"));
    let before = slack.posts().len();
    let start = Instant::now();
    let attempts = app
        .message(
            team,
            &channel,
            &user,
            &format!("<@U{team}BOT> {word}"),
            &Retries::default(),
        )
        .await;
    assert_eq!(attempts.len(), 1, "acked at once, never retried");
    assert_eq!(attempts[0].status, Some(200));
    let posts = slack.wait_posts(before + 1).await;
    assert!(start.elapsed() < ACK_TIMEOUT, "answered within 3 s");
    let last = posts.last().expect("a post");
    assert_eq!((last.team.as_str(), last.text.as_str()), (team, word));

    let start = Instant::now();
    let command = format!("{word} by command");
    let answer = app
        .slash_command(team, "/echo", &command, &channel, &user)
        .await;
    assert_eq!(answer.status, Some(200));
    let posts = slack.wait_posts(before + 2).await;
    assert!(start.elapsed() < ACK_TIMEOUT, "answered within 3 s");
    let last = posts.last().expect("a post");
    assert_eq!(
        (last.team.as_str(), last.text.as_str()),
        (team, command.as_str())
    );
}

#[tokio::test]
async fn three_workspaces_install_answer_over_http_one_uninstalls_and_two_survive_a_restart() {
    let teams = ["T1", "T2", "T3"];
    let slack = FakeSlack::start().await;
    for team in teams {
        slack.add_workspace(Workspace::new(team, &format!("xoxb-{team}")));
    }
    slack.add_oauth_app(APP, CLIENT_ID, CLIENT_SECRET, None);
    let dir = std::env::temp_dir().join(format!("bothost-installable-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");

    let (host, app) = serve(&slack, &dir).await;
    let base = app
        .events_url()
        .replace(&format!("/slack/events/{APP}"), "");
    for team in teams {
        install(&slack, &base, team).await;
        assert_eq!(
            host.owner(&TeamId::from(team)),
            Some(TeamSource::OAuth { app: APP.into() })
        );
        answers_over_http(&slack, &app, team, &format!("hello {team}")).await;
    }

    // T2's admin removes the app: Slack says so over HTTP.
    let mut changes = host.changes();
    let attempts = app.app_uninstalled("T2").await;
    assert_eq!(attempts[0].status, Some(200));
    let t2 = TeamId::from("T2");
    tokio::time::timeout(Duration::from_secs(10), async {
        while host.contains(&t2) {
            changes.changed().await.expect("host alive");
        }
    })
    .await
    .expect("T2 removed");
    let installs = host.storage().installs.load().await.expect("installs");
    assert_eq!(installs.len(), 2, "T2's installation and tokens are gone");
    answers_over_http(&slack, &app, "T1", "T1 still here").await;

    host.close().await;
    let (again, app) = serve(&slack, &dir).await;
    assert_eq!(
        bothost_tests::team_ids(&again),
        ["T1", "T3"],
        "two resumed, T2 not"
    );
    for team in ["T1", "T3"] {
        answers_over_http(&slack, &app, team, &format!("again {team}")).await;
    }
    again.close().await;
    slack.shutdown().await;
}
