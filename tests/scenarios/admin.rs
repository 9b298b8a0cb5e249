//! The admin API over real HTTP on loopback, with the host connected to the
//! fake Slack: bearer auth, team management, token checks, metrics, and no
//! secret in any answer or log line.

use std::net::SocketAddr;
use std::sync::Arc;

use bothost::admin::{self, AdminState};
use bothost::bot_config::BotConfig;
use bothost::ids::TeamId;
use bothost::secret::Secret;
use bothost::shutdown::Shutdown;
use bothost::spec::{TeamSource, TeamSpec};
use bothost_tests::fake_slack::Workspace;
use bothost_tests::guests;
use bothost_tests::slack_env::{SlackEnv, mention};
use reqwest::StatusCode;
use serde_json::{Value, json};

const ADMIN_TOKEN: &str = "admin-secret-token";

struct Admin {
    env: SlackEnv,
    base: String,
    http: reqwest::Client,
    scope: Shutdown,
}

impl Admin {
    async fn start() -> Self {
        let env = SlackEnv::start().await;
        let scope = Shutdown::new();
        let state = Arc::new(AdminState {
            host: env.host.clone(),
            token: Secret::new(ADMIN_TOKEN),
        });
        let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
        let bound = admin::start(addr, state, &scope).await.expect("admin api");
        Self {
            env,
            base: format!("http://{bound}"),
            http: reqwest::Client::new(),
            scope,
        }
    }

    /// Sends an authorised request (with a JSON body, if any) and reads the
    /// answer.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        json: Option<&Value>,
    ) -> (StatusCode, String) {
        let mut request = self.req(method, path);
        if let Some(json) = json {
            request = request.json(json);
        }
        body(request.send().await.expect("send")).await
    }

    fn req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(ADMIN_TOKEN)
    }

    async fn close(self) {
        self.scope.close().await;
        self.env.close().await;
    }
}

async fn body(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    (status, response.text().await.expect("body"))
}

#[tokio::test]
async fn refuses_a_missing_or_wrong_bearer_token() {
    let admin = Admin::start().await;
    let url = format!("{}/teams", admin.base);
    let none = admin.http.get(&url).send().await.expect("send");
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    let wrong = admin
        .http
        .get(&url)
        .bearer_auth("nope")
        .send()
        .await
        .expect("send");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong_delete = admin
        .http
        .delete(format!("{}/teams/T1", admin.base))
        .send()
        .await
        .expect("send");
    assert_eq!(wrong_delete.status(), StatusCode::UNAUTHORIZED);
    let health = admin
        .http
        .get(format!("{}/health", admin.base))
        .send()
        .await
        .expect("send");
    assert_eq!(health.status(), StatusCode::OK, "health needs no token");
    let ok = admin
        .req(reqwest::Method::GET, "/teams")
        .send()
        .await
        .expect("send");
    assert_eq!(ok.status(), StatusCode::OK);
    admin.close().await;
}

#[tokio::test]
async fn manages_teams_end_to_end_and_never_shows_a_secret() {
    let logs = bothost_tests::capture_logs();
    let admin = Admin::start().await;
    let ws = Workspace::new("T1", "xoxb-very-secret-T1");
    admin.env.slack.add_workspace(ws.clone());

    let add = json!({"id": "T1", "bot": guests::ECHO, "token": ws.bot_token});
    let (status, text) = admin
        .call(reqwest::Method::POST, "/teams", Some(&add))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let (status, _) = admin
        .call(reqwest::Method::POST, "/teams", Some(&add))
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a second add is refused, not a restart"
    );

    admin.env.slack.wait_rtm_connected("T1", 1).await;
    admin
        .env
        .wait_link("T1", |s| *s == bothost::chat::LinkStatus::Connected)
        .await;
    let (status, list) = admin.call(reqwest::Method::GET, "/teams", None).await;
    assert_eq!(status, StatusCode::OK);
    let list: Value = serde_json::from_str(&list).expect("json");
    assert_eq!(list["teams"][0]["id"], "T1");
    assert_eq!(list["teams"][0]["bot"]["state"], "running");
    assert_eq!(list["teams"][0]["link"]["state"], "connected");
    assert_eq!(list["teams"][0]["component"], guests::ECHO);
    assert_eq!(list["teams"][0]["digest"].as_str().map(str::len), Some(12));

    admin
        .env
        .slack
        .rtm_message("T1", "CT1GENERAL", "UT1ALICE", &mention(&ws, "via admin"));
    assert_eq!(admin.env.slack.wait_posts(1).await[0].text, "via admin");

    let update = json!({"id": "T1", "bot": guests::REPEAT, "token": ws.bot_token, "config": {"prefix": "> "}});
    let (status, text) = admin
        .call(reqwest::Method::PUT, "/teams/T1", Some(&update))
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    admin
        .env
        .slack
        .rtm_message("T1", "CT1GENERAL", "UT1ALICE", "plain");
    assert_eq!(admin.env.slack.wait_posts(2).await[1].text, "> plain");

    let (_, metrics) = admin.call(reqwest::Method::GET, "/metrics", None).await;
    assert!(
        metrics.contains("bothost_teams{bot=\"running\",link=\"connected\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("bothost_events_total{kind=\"message\"} 2"),
        "{metrics}"
    );
    assert!(metrics.contains("bothost_posts_total 2"), "{metrics}");

    let (status, _) = admin.call(reqwest::Method::DELETE, "/teams/T1", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = admin.call(reqwest::Method::DELETE, "/teams/T1", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    for answer in [list.to_string(), metrics, text] {
        assert!(
            !answer.contains("very-secret"),
            "a token leaked into an answer: {answer}"
        );
    }
    admin.close().await;
    let logged = logs.lock().expect("logs").clone();
    let logged = String::from_utf8_lossy(&logged);
    assert!(logged.contains("T1"), "logs were captured");
    assert!(
        !logged.contains("very-secret"),
        "a token leaked into the logs"
    );
    assert!(
        !logged.contains(ADMIN_TOKEN),
        "the admin token leaked into the logs"
    );
}

#[tokio::test]
async fn checks_tokens_and_rejects_bad_bodies() {
    let admin = Admin::start().await;
    let ws = Workspace::new("T7", "xoxb-T7");
    admin.env.slack.add_workspace(ws.clone());
    let (_, good) = admin
        .call(
            reqwest::Method::POST,
            "/tokens/check",
            Some(&json!({"token": "xoxb-T7"})),
        )
        .await;
    let good: Value = serde_json::from_str(&good).expect("json");
    assert_eq!(
        (good["ok"].clone(), good["team_id"].clone()),
        (json!(true), json!("T7"))
    );
    let (_, bad) = admin
        .call(
            reqwest::Method::POST,
            "/tokens/check",
            Some(&json!({"token": "xoxb-nope"})),
        )
        .await;
    let bad: Value = serde_json::from_str(&bad).expect("json");
    assert_eq!(
        (bad["ok"].clone(), bad["error"].clone()),
        (json!(false), json!("invalid_auth"))
    );
    let garbage = admin
        .req(reqwest::Method::POST, "/teams")
        .body("{not json")
        .header("content-type", "application/json")
        .send()
        .await
        .expect("send");
    assert!(garbage.status().is_client_error());
    let unknown_bot = json!({"id": "T7", "bot": "/nonexistent.wasm", "token": "xoxb-T7"});
    let (status, text) = admin
        .call(reqwest::Method::POST, "/teams", Some(&unknown_bot))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(admin.env.host.teams().is_empty(), "nothing half-added");
    assert_eq!(
        admin.env.slack.rtm_connections("T7"),
        0,
        "the bot file is checked before any connection is made"
    );
    admin.close().await;
}

#[tokio::test]
async fn an_add_while_slack_is_down_is_accepted_and_retried_a_refused_token_is_not() {
    let admin = Admin::start().await;
    let ws = Workspace::new("T1", "xoxb-T1");
    admin.env.slack.add_workspace(ws.clone());
    admin
        .env
        .slack
        .fail_next("auth.test", bothost_tests::fake_slack::Fault::Http(503));
    let team = json!({"id": "T1", "bot": guests::ECHO, "token": "xoxb-T1"});
    let (status, text) = admin
        .call(reqwest::Method::POST, "/teams", Some(&team))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    let answer: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(answer["state"]["bot"]["state"], "pending", "{text}");
    assert_eq!(answer["state"]["source"]["kind"], "admin", "{text}");
    admin
        .env
        .host
        .handle(&"T1".into())
        .expect("registered")
        .wait_for(|s| *s == bothost::team::BotStatus::Running)
        .await
        .expect("started by itself");

    let refused = json!({"id": "T2", "bot": guests::ECHO, "token": "xoxb-unknown"});
    let (status, text) = admin
        .call(reqwest::Method::POST, "/teams", Some(&refused))
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{text}");
    assert!(
        !admin.env.host.contains(&"T2".into()),
        "a refused token is the caller's to fix: nothing registered"
    );
    admin.close().await;
}

/// Sends `body` as JSON text to `POST /teams` with the admin token.
async fn post_raw(admin: &Admin, raw: &str, content_type: &str) -> (StatusCode, Value) {
    let response = admin
        .req(reqwest::Method::POST, "/teams")
        .body(raw.to_owned())
        .header("content-type", content_type)
        .send()
        .await
        .expect("send");
    let (status, text) = body(response).await;
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (status, json)
}

#[tokio::test]
async fn every_refusal_answers_in_the_api_shape_and_is_logged_without_secrets() {
    let logs = bothost_tests::capture_logs();
    let admin = Admin::start().await;
    let cases = [
        ("{not json", "application/json", StatusCode::BAD_REQUEST),
        (
            r#"{"id": 7, "bot": "b.wasm", "token": "xoxb-secret-in-body"}"#,
            "application/json",
            StatusCode::BAD_REQUEST,
        ),
        (
            r#"{"id": "T1", "bot": "b.wasm", "token": "xoxb-secret-in-body", "colour": "red"}"#,
            "application/json",
            StatusCode::BAD_REQUEST,
        ),
        (
            r#"{"id": "not a team id!", "bot": "b.wasm", "token": "xoxb-secret-in-body"}"#,
            "application/json",
            StatusCode::BAD_REQUEST,
        ),
        (
            r#"{"id": "", "bot": "b.wasm", "token": "xoxb-secret-in-body"}"#,
            "application/json",
            StatusCode::BAD_REQUEST,
        ),
        ("id=T1", "text/plain", StatusCode::UNSUPPORTED_MEDIA_TYPE),
    ];
    for (body, content_type, expected) in cases {
        let (status, json) = post_raw(&admin, body, content_type).await;
        assert_eq!(status, expected, "{body}: {json}");
        assert_eq!(json["ok"], false, "{body}: {json}");
        assert!(
            json["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{json}"
        );
    }
    let (_, json) = post_raw(
        &admin,
        r#"{"id": "not a team id!", "bot": "b.wasm", "token": "x"}"#,
        "application/json",
    )
    .await;
    let error = json["error"].as_str().expect("error");
    assert!(error.contains("is not a Slack team id"), "{error}");
    let (_, json) = post_raw(
        &admin,
        r#"{"id": "T1", "bot": "b.wasm", "token": "x", "colour": "red"}"#,
        "application/json",
    )
    .await;
    assert!(
        json["error"]
            .as_str()
            .expect("error")
            .contains("unknown field `colour`")
    );

    // The path's id is checked too; unknown routes and methods answer JSON.
    for (method, path, expected) in [
        (
            reqwest::Method::DELETE,
            "/teams/not-an-id",
            StatusCode::BAD_REQUEST,
        ),
        (reqwest::Method::GET, "/nowhere", StatusCode::NOT_FOUND),
        (
            reqwest::Method::PATCH,
            "/teams",
            StatusCode::METHOD_NOT_ALLOWED,
        ),
    ] {
        let (status, text) = admin.call(method.clone(), path, None).await;
        assert_eq!(status, expected, "{method} {path}: {text}");
        let json: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(json["ok"], false, "{text}");
    }
    assert!(admin.env.host.teams().is_empty(), "nothing was added");

    let wrong = admin
        .http
        .get(format!("{}/teams", admin.base))
        .bearer_auth("guessed-admin-token")
        .send()
        .await
        .expect("send");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    admin.close().await;

    let logged = logs.lock().expect("logs").clone();
    let logged = String::from_utf8_lossy(&logged);
    assert!(logged.contains("admin: request body refused"), "{logged}");
    assert!(logged.contains("reason=\"wrong bearer token\""), "{logged}");
    assert!(logged.contains("path=\"/teams\""), "{logged}");
    for secret in ["xoxb-secret-in-body", "guessed-admin-token", ADMIN_TOKEN] {
        assert!(!logged.contains(secret), "{secret} leaked into the logs");
    }
}

#[tokio::test]
async fn changes_are_logged_with_team_source_and_outcome() {
    let logs = bothost_tests::capture_logs();
    let admin = Admin::start().await;
    let ws = Workspace::new("T3", "xoxb-T3");
    admin.env.slack.add_workspace(ws.clone());
    let add = json!({"id": "T3", "bot": guests::ECHO, "token": ws.bot_token});
    let (status, text) = admin
        .call(reqwest::Method::POST, "/teams", Some(&add))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let missing = json!({"id": "T4", "bot": "/nonexistent.wasm", "token": "xoxb-T4"});
    let (status, _) = admin
        .call(reqwest::Method::POST, "/teams", Some(&missing))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = admin.call(reqwest::Method::DELETE, "/teams/T3", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    admin.close().await;
    let logged = logs.lock().expect("logs").clone();
    let logged = String::from_utf8_lossy(&logged);
    let line = |needle: &str| {
        logged
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle}: {logged}"))
            .to_owned()
    };
    let added = line("admin: team added");
    assert!(
        added.contains("INFO") && added.contains("team=T3"),
        "{added}"
    );
    assert!(added.contains("source=\"admin\""), "{added}");
    let refused = line("admin: add refused");
    assert!(
        refused.contains("WARN") && refused.contains("team=T4"),
        "{refused}"
    );
    assert!(refused.contains("status=422"), "{refused}");
    assert!(refused.contains("nonexistent.wasm"), "says why: {refused}");
    assert!(line("admin: team removed").contains("team=T3"));
}

#[tokio::test]
async fn status_prints_the_teams_of_a_running_host() {
    use bothost::cli::status::{self, StatusError};
    let admin = Admin::start().await;
    let ws = Workspace::new("T5", "xoxb-T5");
    admin.env.slack.add_workspace(ws.clone());
    let add = json!({"id": "T5", "bot": guests::ECHO, "token": ws.bot_token});
    let (status, text) = admin
        .call(reqwest::Method::POST, "/teams", Some(&add))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    admin
        .env
        .wait_link("T5", |s| *s == bothost::chat::LinkStatus::Connected)
        .await;
    admin
        .env
        .slack
        .rtm_message("T5", "CT5GENERAL", "UT5ALICE", &mention(&ws, "counted"));
    admin.env.slack.wait_posts(1).await;

    let read = status::fetch(&admin.base, &Secret::new(ADMIN_TOKEN))
        .await
        .expect("status");
    let raw: Value = serde_json::from_str(&read.raw).expect("--json prints the API's answer");
    assert_eq!(raw["teams"][0]["id"], "T5");
    let table = status::render(&read);
    let row = table.lines().nth(1).expect("a row");
    for cell in ["T5", "admin", "echo.wasm", "running", "connected"] {
        assert!(row.contains(cell), "{cell} missing: {table}");
    }
    assert!(row.ends_with(" -"), "no error: {row}");
    assert!(
        table.contains("events 1, dropped 0, posts 1, traps 0"),
        "{table}"
    );

    let wrong = status::fetch(&admin.base, &Secret::new("not-the-token"))
        .await
        .expect_err("401");
    assert!(matches!(wrong, StatusError::Unauthorized { .. }), "{wrong}");
    assert!(wrong.to_string().contains("401"), "{wrong}");
    let base = admin.base.clone();
    admin.close().await;

    let refused = status::fetch(&base, &Secret::new(ADMIN_TOKEN))
        .await
        .expect_err("nothing listens");
    assert_eq!(
        refused.to_string(),
        format!(
            "cannot reach the admin API at {base}: connection refused (is `bothost serve` running with an [admin] section? set --url or BOTHOST_ADMIN_URL)"
        )
    );
}

#[tokio::test]
async fn the_operator_may_change_another_source_s_team_and_is_told_so() {
    let logs = bothost_tests::capture_logs();
    let admin = Admin::start().await;
    let ws = Workspace::new("T1", "xoxb-T1");
    admin.env.slack.add_workspace(ws.clone());
    let t1 = TeamId::from("T1");
    admin
        .env
        .host
        .add_as(TeamSpec {
            id: t1.clone(),
            bot: guests::ECHO.into(),
            token: Secret::new("xoxb-T1"),
            app: None,
            config: BotConfig::new(),
            source: TeamSource::File,
        })
        .await
        .expect("the file's team");

    let update = json!({"id": "T1", "bot": guests::REPEAT, "token": "xoxb-T1"});
    let (status, text) = admin
        .call(reqwest::Method::PUT, "/teams/T1", Some(&update))
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let answer: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(answer["owner"]["kind"], "file", "{text}");
    assert!(
        answer["warning"]
            .as_str()
            .is_some_and(|w| w.contains("belongs to the teams file")),
        "{text}"
    );
    assert_eq!(
        admin.env.host.owner(&t1),
        Some(TeamSource::File),
        "the team keeps its owner"
    );

    let (status, text) = admin.call(reqwest::Method::DELETE, "/teams/T1", None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let answer: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(answer["owner"]["kind"], "file", "{text}");
    assert!(!admin.env.host.contains(&t1));

    let (status, text) = admin.call(reqwest::Method::GET, "/conflicts", None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    admin.close().await;
    let logged = String::from_utf8_lossy(&logs.lock().expect("logs")).into_owned();
    assert!(
        logged.contains("the operator updates a team another source owns")
            && logged.contains("the operator removes a team another source owns"),
        "{logged}"
    );
}

#[tokio::test]
async fn release_answers_for_unknown_and_unquarantined_teams() {
    let admin = Admin::start().await;
    let (status, text) = admin
        .call(reqwest::Method::POST, "/teams/T9/release", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{text}");
    admin
        .env
        .team("T1", guests::ECHO, None, Default::default())
        .await;
    let (status, text) = admin
        .call(reqwest::Method::POST, "/teams/T1/release", None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{text}");
    let answer: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(answer["ok"], false, "{text}");
    admin.close().await;
}
