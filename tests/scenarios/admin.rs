//! The admin API over real HTTP on loopback, with the host connected to the
//! fake Slack: bearer auth, team management, token checks, metrics, and no
//! secret in any answer or log line.

use std::net::SocketAddr;
use std::sync::Arc;

use bothost::admin::{self, AdminState};
use bothost::secret::Secret;
use bothost::shutdown::Shutdown;
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
        .wait_link("T1", |s| *s == bothost::slack::LinkStatus::Connected)
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
    assert!(
        admin.env.host.hub().link(&"T7".into()).is_none(),
        "its link was closed again"
    );
    admin.close().await;
}
