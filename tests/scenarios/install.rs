//! "Add to Slack" end to end: a browser-like client (cookies kept,
//! redirects followed) installs the app from the host's install page
//! through the fake Slack's authorize page and back to the host's
//! callback; the installed teams' bots answer over Socket Mode, survive a
//! restart, and every refusal (replayed, forged or expired state, missing
//! cookie, denied, unknown app) changes nothing. Rotating tokens are
//! renewed before they expire while the bot keeps answering.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bothost::admin::{self, AdminState};
use bothost::builder::HostBuilder;
use bothost::host::Host;
use bothost::ids::TeamId;
use bothost::install::{self, InstallSettings, Installer, STATE_TTL};
use bothost::runtime::RuntimeConfig;
use bothost::secret::Secret;
use bothost::spec::{AppSpec, OAuthAppSpec, TeamSource};
use bothost::storage::{Storage, StorageKey, StorageQuota};
use bothost_tests::browser::{add_to_slack_link, follow, new_browser};
use bothost_tests::fake_slack::{FakeSlack, Workspace};
use bothost_tests::guests;
use bothost_tests::slack_env::fast_tuning;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::net::TcpListener;

const APP: &str = "A1";
const CLIENT_ID: &str = "111.222";
const CLIENT_SECRET: &str = "client-secret-SECRETSECRET";

/// A host with storage in `dir`, its install routes on a loopback port.
struct Served {
    host: Arc<Host>,
    installer: Arc<Installer>,
    /// `http://127.0.0.1:PORT`.
    base: String,
}

async fn serve(slack: &FakeSlack, dir: &Path, rotation: bool) -> Served {
    let storage = Storage::open(
        &dir.join("bothost.db"),
        StorageKey::from_bytes([7; 32]),
        StorageQuota::default(),
    )
    .expect("storage");
    let runtime = RuntimeConfig {
        max_teams: 8,
        cache_dir: Some(dir.join("cache")),
        ..RuntimeConfig::default()
    };
    let host = Arc::new(
        HostBuilder::slack(runtime, slack.base_url(), fast_tuning())
            .storage(storage, Duration::from_secs(3600))
            .build()
            .expect("host"),
    );
    host.add_app(AppSpec {
        id: APP.into(),
        token: Secret::new(format!("xapp-{APP}")),
    });
    host.resume(|_| true).await.expect("resume");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = OAuthAppSpec {
        id: APP.into(),
        client_id: CLIENT_ID.into(),
        client_secret: Secret::new(CLIENT_SECRET),
        bot: PathBuf::from(guests::ECHO),
        scopes: vec!["app_mentions:read".into(), "chat:write".into()],
        token_rotation: rotation,
        carries_events: true,
    };
    let settings = InstallSettings {
        public_url: base.clone(),
        authorize_url: slack.authorize_url(),
        state_ttl: STATE_TTL,
    };
    let installer = Installer::new(host.clone(), vec![app], settings).expect("installer");
    installer.start_rotation().await.expect("rotation");
    bothost::admin::serve_bound(
        listener,
        install::router(installer.clone()),
        host.tasks(),
        "installs",
    );
    Served {
        host,
        installer,
        base,
    }
}

/// A full install of `team` by alice, in a fresh browser.
async fn install_team(slack: &FakeSlack, base: &str, team: &str) {
    let browser = new_browser();
    let link = add_to_slack_link(&browser, base, APP).await;
    assert!(link.starts_with(&slack.authorize_url()), "{link}");
    assert!(link.contains("client_id=111.222"), "{link}");
    assert!(
        link.contains("scope=app_mentions%3Aread%2Cchat%3Awrite"),
        "{link}"
    );
    slack.approve_next_install(team, &format!("U{team}ALICE"));
    let (status, outcome, _) = follow(&browser, &link).await;
    assert_eq!((status, outcome.as_str()), (StatusCode::OK, "installed"));
}

/// Alice mentions the bot in `team`; waits for the answer.
async fn bot_answers(slack: &FakeSlack, team: &str, text: &str) {
    let before = slack.posts().len();
    let event = json!({"type": "message", "channel": format!("C{team}GENERAL"),
        "user": format!("U{team}ALICE"), "text": format!("<@U{team}BOT> {text}"),
        "ts": format!("1700000001.{:06}", before + 1), "channel_type": "channel"});
    slack.socket_event(APP, team, event);
    let posts = slack.wait_posts(before + 1).await;
    let last = posts.last().expect("a post");
    assert_eq!((last.team.as_str(), last.text.as_str()), (team, text));
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bothost-install-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

async fn fake_with_workspaces(teams: &[&str], rotation: Option<Duration>) -> FakeSlack {
    let slack = FakeSlack::start().await;
    for team in teams {
        slack.add_workspace(Workspace::new(team, &format!("xoxb-{team}")));
    }
    slack.add_app(APP, &format!("xapp-{APP}"), &[]);
    slack.add_oauth_app(APP, CLIENT_ID, CLIENT_SECRET, rotation);
    slack
}

/// What must not change on a refusal.
async fn snapshot(slack: &FakeSlack, served: &Served) -> (Vec<String>, usize, usize) {
    let installs = served
        .host
        .storage()
        .installs
        .load()
        .await
        .expect("installs");
    (
        bothost_tests::team_ids(&served.host),
        installs.len(),
        slack.calls("oauth.v2.access").len(),
    )
}

async fn admin_get(served: &Served, path: &str) -> Value {
    let state = Arc::new(AdminState {
        host: served.host.clone(),
        token: Secret::new("admin-token"),
    });
    let addr = admin::start(
        "127.0.0.1:0".parse().expect("addr"),
        state,
        served.host.tasks(),
    )
    .await
    .expect("admin");
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
        .get(format!("http://{addr}{path}"))
        .bearer_auth("admin-token")
        .send()
        .await
        .expect("admin answer")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn three_workspaces_install_the_app_and_keep_it_across_a_restart() {
    let teams = ["T1", "T2", "T3"];
    let slack = fake_with_workspaces(&teams, None).await;
    let dir = temp_dir("three");
    let served = serve(&slack, &dir, false).await;
    slack.wait_socket_connected(APP, 1).await;
    for team in teams {
        install_team(&slack, &served.base, team).await;
        assert_eq!(
            served.host.owner(&TeamId::from(team)),
            Some(TeamSource::OAuth { app: APP.into() })
        );
        bot_answers(&slack, team, &format!("hello {team}")).await;
    }
    let exchanges = slack.calls("oauth.v2.access");
    assert_eq!(exchanges.len(), 3);
    assert!(exchanges.iter().all(|c| c.params["client_auth"] == "basic"));
    assert!(exchanges.iter().all(|c| c.ok
        && c.params["redirect_uri"] == format!("{}/slack/oauth/{APP}/callback", served.base)));

    // The admin API lists them, never a token.
    let listed = admin_get(&served, "/installations").await;
    let text = listed.to_string();
    assert!(
        !text.contains("xoxb-") && !text.contains("SECRET"),
        "{text}"
    );
    let installs = listed["installations"].as_array().expect("list");
    assert_eq!(installs.len(), 3, "{text}");
    assert_eq!(installs[0]["source"], "oauth");
    assert_eq!(installs[0]["installer"], "UT1ALICE");
    assert_eq!(
        installs[0]["scopes"],
        json!(["app_mentions:read", "chat:write"])
    );
    let teams_view = admin_get(&served, "/teams").await.to_string();
    assert!(teams_view.contains("\"kind\":\"oauth\""), "{teams_view}");
    let metrics = served.host.render_metrics();
    assert!(metrics.contains("bothost_installs_total 3"), "{metrics}");

    // A reinstall updates the team in place: Slack hands out a new token.
    slack.add_workspace(Workspace::new("T2", "xoxb-T2-new"));
    install_team(&slack, &served.base, "T2").await;
    assert_eq!(bothost_tests::team_ids(&served.host), teams);
    let t2 = TeamId::from("T2");
    let spec = served.host.handle(&t2).expect("served").spec();
    assert_eq!(spec.token.expose(), "xoxb-T2-new");
    let stored = served.host.storage().installs.get(&t2).await.expect("read");
    assert_eq!(stored.expect("stored").bot_token.expose(), "xoxb-T2-new");
    slack.revoke_token("xoxb-T2");
    bot_answers(&slack, "T2", "with the new token").await;

    served.host.close().await;
    let again = serve(&slack, &dir, false).await;
    assert_eq!(
        bothost_tests::team_ids(&again.host),
        teams,
        "all three resumed"
    );
    slack.wait_socket_connected(APP, 2).await;
    for team in teams {
        bot_answers(&slack, team, &format!("again {team}")).await;
    }
    again.host.close().await;
    slack.shutdown().await;
}

#[tokio::test]
async fn every_refusal_is_clear_and_changes_nothing() {
    let logs = bothost_tests::capture_logs();
    let slack = fake_with_workspaces(&["T1", "T2"], None).await;
    let dir = temp_dir("refusals");
    let served = serve(&slack, &dir, false).await;
    slack.wait_socket_connected(APP, 1).await;
    install_team(&slack, &served.base, "T1").await;
    let before = snapshot(&slack, &served).await;

    // Replayed: the callback URL of T1's install, once more.
    let browser = new_browser();
    let link = add_to_slack_link(&browser, &served.base, APP).await;
    slack.approve_next_install("T2", "UT2ALICE");
    let (_, outcome, callback) = follow(&browser, &link).await;
    assert_eq!(outcome, "installed");
    let before_t2 = snapshot(&slack, &served).await;
    assert_eq!(
        follow(&browser, &callback).await,
        (
            StatusCode::BAD_REQUEST,
            "replayed_state".into(),
            callback.clone()
        )
    );
    assert_eq!(snapshot(&slack, &served).await, before_t2);
    // Removing the team forgets its installation and tokens too.
    let t2 = TeamId::from("T2");
    served.host.remove(&t2).await;
    let stored = served.host.storage().installs.get(&t2).await;
    assert_eq!(stored.expect("read"), None);
    assert_eq!(snapshot(&slack, &served).await.0, before.0);

    let cases: [(&str, StatusCode); 6] = [
        ("slack_error", StatusCode::BAD_GATEWAY),
        ("forged_state", StatusCode::BAD_REQUEST),
        ("cookie", StatusCode::BAD_REQUEST),
        ("expired_state", StatusCode::BAD_REQUEST),
        ("denied", StatusCode::BAD_REQUEST),
        ("unknown_app", StatusCode::NOT_FOUND),
    ];
    for (reason, status) in cases {
        let before = snapshot(&slack, &served).await;
        let browser = new_browser();
        let (got_status, outcome, _) = match reason {
            "slack_error" => {
                // Approved for a workspace the fake does not know: the code
                // exchange fails.
                let link = add_to_slack_link(&browser, &served.base, APP).await;
                slack.approve_next_install("T9", "UT9ALICE");
                follow(&browser, &link).await
            }
            "forged_state" => {
                let _ = add_to_slack_link(&browser, &served.base, APP).await;
                let forged = format!(
                    "{}/slack/oauth/{APP}/callback?code=code-1&state=bm9wZQ.bm9wZQ",
                    served.base
                );
                follow(&browser, &forged).await
            }
            "cookie" => {
                let link = add_to_slack_link(&browser, &served.base, APP).await;
                slack.approve_next_install("T2", "UT2ALICE");
                // Another browser, without the cookie, follows the link.
                follow(&new_browser(), &link).await
            }
            "expired_state" => {
                let link = add_to_slack_link(&browser, &served.base, APP).await;
                served
                    .installer
                    .clock()
                    .advance(STATE_TTL + Duration::from_secs(1));
                slack.approve_next_install("T2", "UT2ALICE");
                follow(&browser, &link).await
            }
            "denied" => {
                let link = add_to_slack_link(&browser, &served.base, APP).await;
                slack.deny_next_install();
                follow(&browser, &link).await
            }
            _ => {
                let page = browser
                    .get(format!("{}/slack/install/NOPE", served.base))
                    .send()
                    .await
                    .expect("page");
                assert_eq!(page.status(), StatusCode::NOT_FOUND);
                let callback = format!("{}/slack/oauth/NOPE/callback?code=c&state=s", served.base);
                follow(&browser, &callback).await
            }
        };
        assert_eq!((got_status, outcome.as_str()), (status, reason));
        let mut after = snapshot(&slack, &served).await;
        if reason == "slack_error" {
            // The one refusal that reached Slack: its exchange was refused.
            assert_eq!(after.2, before.2 + 1);
            after.2 = before.2;
        }
        assert_eq!(after, before, "{reason} changed something");
    }
    let metrics = served.host.render_metrics();
    for reason in [
        "replayed_state",
        "forged_state",
        "cookie",
        "expired_state",
        "denied",
    ] {
        // The unknown app: its install page and its callback.
        let count = if reason == "unknown_app" { 2 } else { 1 };
        assert!(
            metrics.contains(&format!(
                "bothost_install_refusals_total{{kind=\"{reason}\"}} {count}"
            )),
            "{reason}: {metrics}"
        );
    }
    // T1 was never disturbed.
    bot_answers(&slack, "T1", "still here").await;
    let logs = String::from_utf8_lossy(&logs.lock().expect("logs")).into_owned();
    assert!(logs.contains("install refused"), "the test reads the logs");
    for secret in ["SECRETSECRET", "xoxb-T", "code-", "state="] {
        assert!(!logs.contains(secret), "{secret} in the logs");
    }
    served.host.close().await;
    slack.shutdown().await;
}

#[tokio::test]
async fn a_rotating_token_is_renewed_before_it_expires_and_the_bot_keeps_answering() {
    let slack = fake_with_workspaces(&["T1"], Some(Duration::from_secs(3))).await;
    let dir = temp_dir("rotation");
    let served = serve(&slack, &dir, true).await;
    slack.wait_socket_connected(APP, 1).await;
    let mut refreshes = served.installer.refreshes();
    install_team(&slack, &served.base, "T1").await;
    let first = slack.current_token("T1").expect("a rotating token");
    assert!(first.starts_with("xoxe.xoxb-"), "{first}");
    bot_answers(&slack, "T1", "before").await;
    // Renewed tokens live an hour: one renewal in this test.
    slack.add_oauth_app(
        APP,
        CLIENT_ID,
        CLIENT_SECRET,
        Some(Duration::from_secs(3600)),
    );
    tokio::time::timeout(Duration::from_secs(10), refreshes.wait_for(|n| *n >= 1))
        .await
        .expect("renewed within 10 s")
        .expect("installer alive");
    let renewal = slack.calls("oauth.v2.access");
    assert_eq!(renewal.len(), 2);
    assert_eq!(renewal[1].params["grant_type"], "refresh_token");
    let second = slack.current_token("T1").expect("renewed");
    assert_ne!(first, second);
    let spec = served
        .host
        .handle(&TeamId::from("T1"))
        .expect("served")
        .spec();
    assert_eq!(spec.token.expose(), second, "the team has the new token");
    let stored = served
        .host
        .storage()
        .installs
        .get(&TeamId::from("T1"))
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(stored.bot_token.expose(), second);
    // The old token is dead: the bot answers with the new one.
    slack.revoke_token(&first);
    bot_answers(&slack, "T1", "after").await;
    assert!(
        served
            .host
            .render_metrics()
            .contains("bothost_token_refreshes_total{kind=\"ok\"} 1")
    );
    served.host.close().await;
    slack.shutdown().await;
}

#[tokio::test]
async fn bothost_serve_installs_through_its_http_section() {
    use bothost::serve::ServeOptions;
    use bothost::sources::EnvLookup;

    let slack = fake_with_workspaces(&["T1"], None).await;
    let dir = temp_dir("serve");
    // `public_url` must name the port before `serve` binds it: a port the
    // OS just handed out (and took back) is free in practice.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let config = dir.join("bothost.toml");
    std::fs::write(
        &config,
        format!(
            "[runtime]\nmax_teams = 4\ncache_dir = \"{cache}\"\n\n\
             [slack]\napi_base = \"{api}\"\nauthorize_url = \"{authorize}\"\n\n\
             [storage]\npath = \":memory:\"\n\n\
             [http]\nbind = \"127.0.0.1:{port}\"\npublic_url = \"{base}\"\n\n\
             [[apps]]\nid = \"{APP}\"\napp_token_env = \"APP_TOKEN\"\nclient_id = \"{CLIENT_ID}\"\n\
             client_secret_env = \"CLIENT_SECRET\"\nbot = \"{bot}\"\n\
             scopes = [\"app_mentions:read\", \"chat:write\"]\n",
            cache = dir.join("cache").display(),
            api = slack.base_url(),
            authorize = slack.authorize_url(),
            bot = guests::ECHO,
        ),
    )
    .expect("config");
    let env: EnvLookup = Arc::new(|var: &str| match var {
        "APP_TOKEN" => Some(format!("xapp-{APP}")),
        "CLIENT_SECRET" => Some(CLIENT_SECRET.to_owned()),
        _ => None,
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        bothost::serve::serve(&config, env, &ServeOptions::default(), async {
            let _ = stopped.await;
        })
        .await
    });
    slack.wait_socket_connected(APP, 1).await;
    // The listener is bound during start-up: wait for it (bounded).
    let browser = new_browser();
    let mut tries = 0;
    while browser
        .get(format!("{base}/slack/install/{APP}"))
        .send()
        .await
        .is_err()
    {
        tries += 1;
        assert!(tries < 200, "the [http] listener never answered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    install_team(&slack, &base, "T1").await;
    bot_answers(&slack, "T1", "served and installed").await;
    stop.send(()).expect("stop");
    server.await.expect("join").expect("serve stopped cleanly");
    slack.shutdown().await;
}

#[tokio::test]
async fn a_restarted_host_renews_the_rotating_tokens_it_stored() {
    let slack = fake_with_workspaces(&["T1"], Some(Duration::from_secs(6))).await;
    let dir = temp_dir("rotation-restart");
    let served = serve(&slack, &dir, true).await;
    slack.wait_socket_connected(APP, 1).await;
    install_team(&slack, &served.base, "T1").await;
    let first = slack.current_token("T1").expect("a rotating token");
    // Stopped before the renewal is due (at 80 % of 6 s).
    served.host.close().await;
    assert_eq!(slack.calls("oauth.v2.access").len(), 1, "not renewed yet");
    slack.add_oauth_app(
        APP,
        CLIENT_ID,
        CLIENT_SECRET,
        Some(Duration::from_secs(3600)),
    );

    let again = serve(&slack, &dir, true).await;
    let mut refreshes = again.installer.refreshes();
    slack.wait_socket_connected(APP, 2).await;
    tokio::time::timeout(Duration::from_secs(10), refreshes.wait_for(|n| *n >= 1))
        .await
        .expect("renewed within 10 s of the restart")
        .expect("installer alive");
    let second = slack.current_token("T1").expect("renewed");
    assert_ne!(first, second);
    slack.revoke_token(&first);
    bot_answers(&slack, "T1", "renewed after a restart").await;
    again.host.close().await;
    slack.shutdown().await;
}
