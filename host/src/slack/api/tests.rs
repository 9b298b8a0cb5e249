//! Tests against a tiny axum server on 127.0.0.1:0 standing in for Slack.
//! Nothing here sends traffic anywhere but loopback.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use reqwest::Url;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::{ApiError, PostMessage, WebClient};
use crate::ids::{ChannelId, TeamId, Ts, UserId};
use crate::secret::Secret;

const TOKEN: &str = "xoxb-1111-2222-SeCrEtToKeNvAlUe";

fn token() -> Secret {
    Secret::new(TOKEN)
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Bytes,
}

impl Seen {
    fn header(&self, name: impl axum::http::header::AsHeaderName) -> Option<&str> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("header is ASCII"))
    }

    fn body_text(&self) -> String {
        String::from_utf8(self.body.to_vec()).expect("body is UTF-8")
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("body is JSON")
    }

    /// The form body as decoded pairs.
    fn form(&self) -> Vec<(String, String)> {
        let url = Url::parse(&format!("http://x/?{}", self.body_text())).expect("form parses");
        url.query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// Asserts the one place the token may appear, and that it appears
    /// nowhere else.
    fn assert_token_only_in_header(&self) {
        assert_eq!(
            self.header(AUTHORIZATION),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        assert!(!self.path.contains(TOKEN), "token in path");
        assert!(
            !self.query.as_deref().unwrap_or("").contains(TOKEN),
            "token in query"
        );
        assert!(!self.body_text().contains(TOKEN), "token in body");
        assert!(
            !self.body_text().contains("token"),
            "token parameter in body"
        );
    }
}

/// What the server answers.
#[derive(Debug, Clone)]
struct Reply {
    status: StatusCode,
    headers: Vec<(&'static str, String)>,
    body: String,
    delay: Option<Duration>,
}

impl Reply {
    fn json(body: Value) -> Self {
        Self::raw(StatusCode::OK, &body.to_string())
    }

    fn raw(status: StatusCode, body: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/json".to_owned())],
            body: body.to_owned(),
            delay: None,
        }
    }

    fn status(code: u16) -> Self {
        Self::raw(
            StatusCode::from_u16(code).expect("valid status"),
            r#"{"ok":false,"error":"whatever"}"#,
        )
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    fn delayed(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    fn into_response(self) -> Response {
        let mut response = (self.status, self.body).into_response();
        for (name, value) in self.headers {
            response.headers_mut().insert(
                name,
                HeaderValue::from_str(&value).expect("valid header value"),
            );
        }
        response
    }
}

/// A loopback stand-in for Slack that records every request.
struct Server {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    /// Answers every request with `reply`.
    async fn start(reply: Reply) -> Self {
        Self::route(move |_| reply.clone()).await
    }

    /// Answers each request with `reply(path)`.
    async fn route(reply: impl Fn(&str) -> Reply + Clone + Send + Sync + 'static) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let app = Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let log = Arc::clone(&log);
                let reply = reply(uri.path());
                async move {
                    log.lock().expect("log lock").push(Seen {
                        method,
                        path: uri.path().to_owned(),
                        query: uri.query().map(str::to_owned),
                        headers,
                        body,
                    });
                    if let Some(delay) = reply.delay {
                        tokio::time::sleep(delay).await;
                    }
                    reply.into_response()
                }
            },
        );
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("test server runs");
        });
        Self {
            base: format!("http://{addr}/api/"),
            seen,
        }
    }

    fn client(&self) -> WebClient {
        WebClient::new(&self.base).expect("loopback base is valid")
    }

    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().expect("log lock").clone()
    }

    /// The single request made so far, checked to be a POST to `method`
    /// with the token only in the header.
    fn only_request(&self, method: &str) -> Seen {
        let requests = self.requests();
        assert_eq!(requests.len(), 1, "expected exactly one request");
        let seen = requests.into_iter().next().expect("one request");
        assert_eq!(seen.method, Method::POST);
        assert_eq!(seen.path, format!("/api/{method}"));
        assert_eq!(seen.query, None, "no query string");
        seen.assert_token_only_in_header();
        seen
    }
}

/// An error from `auth.test` against a server answering `reply`.
async fn auth_test_error(reply: Reply) -> ApiError {
    let server = Server::start(reply).await;
    server
        .client()
        .auth_test(&token())
        .await
        .expect_err("call fails")
}

fn slack_error(error: &str) -> Reply {
    Reply::json(json!({"ok": false, "error": error}))
}

// --- decoding ---------------------------------------------------------------

#[tokio::test]
async fn auth_test_decodes_and_sends_token_only_in_header() {
    let server = Server::start(Reply::json(json!({
        "ok": true,
        "url": "https://subarachnoid.slack.com/",
        "team": "Subarachnoid Workspace",
        "user": "grace",
        "team_id": "T12345678",
        "user_id": "W12345678",
        "bot_id": "B0001",
        "is_enterprise_install": false,
        "some_future_field": {"nested": [1, 2, 3]}
    })))
    .await;
    let auth = server
        .client()
        .auth_test(&token())
        .await
        .expect("auth.test ok");
    assert_eq!(auth.team_id, TeamId::from("T12345678"));
    assert_eq!(auth.team_name, "Subarachnoid Workspace");
    assert_eq!(auth.user_id, UserId::from("W12345678"));
    assert_eq!(auth.user_name, "grace");
    assert_eq!(auth.bot_id.as_deref(), Some("B0001"));
    assert_eq!(auth.url, "https://subarachnoid.slack.com/");

    let seen = server.only_request("auth.test");
    assert!(seen.body.is_empty());
    let agent = seen.header(USER_AGENT).expect("user agent set");
    assert!(agent.starts_with("bothost/"), "{agent}");
}

#[tokio::test]
async fn auth_test_tolerates_missing_optional_fields() {
    let server = Server::start(Reply::json(
        json!({"ok": true, "team_id": "T1", "user_id": "U1"}),
    ))
    .await;
    let auth = server
        .client()
        .auth_test(&token())
        .await
        .expect("auth.test ok");
    assert_eq!(auth.bot_id, None);
    assert_eq!(auth.team_name, "");
    assert_eq!(auth.url, "");
}

#[tokio::test]
async fn rtm_connect_decodes() {
    let server = Server::start(Reply::json(json!({
        "ok": true,
        "url": "wss://cerberus-xxxx.lb.slack-msgs.com/websocket/abc",
        "self": {"id": "U4X318ZMZ", "name": "robotoverlord"},
        "team": {"id": "T2U81E2FP", "name": "SlackDemo", "domain": "slackdemo"}
    })))
    .await;
    let rtm = server
        .client()
        .rtm_connect(&token())
        .await
        .expect("rtm.connect ok");
    assert_eq!(
        rtm.url,
        "wss://cerberus-xxxx.lb.slack-msgs.com/websocket/abc"
    );
    assert_eq!(rtm.self_id, UserId::from("U4X318ZMZ"));
    assert_eq!(rtm.self_name, "robotoverlord");
    assert_eq!(rtm.team_id, TeamId::from("T2U81E2FP"));
    assert_eq!(rtm.team_name, "SlackDemo");
    server.only_request("rtm.connect");
}

#[tokio::test]
async fn apps_connections_open_sends_no_body() {
    let url = "wss://wss-somethiing.slack.com/link/?ticket=12348&app_id=5678";
    let server = Server::start(Reply::json(json!({"ok": true, "url": url}))).await;
    let got = server
        .client()
        .apps_connections_open(&token())
        .await
        .expect("apps.connections.open ok");
    assert_eq!(got, url);
    let seen = server.only_request("apps.connections.open");
    assert!(seen.body.is_empty(), "no body at all");
    assert_eq!(
        seen.header(CONTENT_TYPE),
        None,
        "no body, so no content type"
    );
}

// --- request encodings --------------------------------------------------------

#[tokio::test]
async fn chat_post_message_sends_json() {
    let server = Server::start(Reply::json(json!({
        "ok": true,
        "channel": "C123ABC456",
        "ts": "1503435956.000247",
        "message": {"type": "message", "text": "hi", "ts": "1503435956.000247"}
    })))
    .await;
    let msg = PostMessage::new(ChannelId::from("C123ABC456"), "hi \"there\" & more")
        .in_thread(Ts::from("1503435000.000100"));
    let posted = server
        .client()
        .chat_post_message(&token(), &msg)
        .await
        .expect("post ok");
    assert_eq!(posted.channel, ChannelId::from("C123ABC456"));
    assert_eq!(posted.ts, Ts::from("1503435956.000247"));

    let seen = server.only_request("chat.postMessage");
    assert_eq!(
        seen.header(CONTENT_TYPE),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        seen.json(),
        json!({
            "channel": "C123ABC456",
            "text": "hi \"there\" & more",
            "thread_ts": "1503435000.000100"
        })
    );
}

#[tokio::test]
async fn chat_post_message_without_thread_omits_thread_ts() {
    let server = Server::start(Reply::json(
        json!({"ok": true, "channel": "C1", "ts": "1.2"}),
    ))
    .await;
    let msg = PostMessage::new(ChannelId::from("C1"), "top level");
    server
        .client()
        .chat_post_message(&token(), &msg)
        .await
        .expect("post ok");
    let seen = server.only_request("chat.postMessage");
    assert_eq!(seen.json(), json!({"channel": "C1", "text": "top level"}));
}

#[tokio::test]
async fn chat_update_and_reactions_add_send_json() {
    let server = Server::start(Reply::json(
        json!({"ok": true, "channel": "C1", "ts": "1.2"}),
    ))
    .await;
    let client = server.client();
    let (channel, ts) = (ChannelId::from("C1"), Ts::from("1.2"));
    client
        .chat_update(&token(), &channel, &ts, "edited")
        .await
        .expect("update ok");
    client
        .reactions_add(&token(), &channel, &ts, "thumbsup")
        .await
        .expect("reaction ok");

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for seen in &requests {
        seen.assert_token_only_in_header();
        assert_eq!(
            seen.header(CONTENT_TYPE),
            Some("application/json; charset=utf-8")
        );
    }
    assert_eq!(requests[0].path, "/api/chat.update");
    assert_eq!(
        requests[0].json(),
        json!({"channel": "C1", "ts": "1.2", "text": "edited"})
    );
    assert_eq!(requests[1].path, "/api/reactions.add");
    assert_eq!(
        requests[1].json(),
        json!({"channel": "C1", "timestamp": "1.2", "name": "thumbsup"})
    );
}

#[tokio::test]
async fn conversations_open_sends_form_and_returns_channel() {
    let server = Server::start(Reply::json(json!({
        "ok": true,
        "no_op": true,
        "channel": {"id": "D069C7QFK", "created": 1460147748}
    })))
    .await;
    let channel = server
        .client()
        .conversations_open(&token(), &UserId::from("U1"))
        .await
        .expect("open ok");
    assert_eq!(channel, ChannelId::from("D069C7QFK"));
    let seen = server.only_request("conversations.open");
    assert_eq!(
        seen.header(CONTENT_TYPE),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(seen.form(), vec![("users".to_owned(), "U1".to_owned())]);
}

// --- paging -----------------------------------------------------------------

#[tokio::test]
async fn conversations_list_pages() {
    let server = Server::start(Reply::json(json!({
        "ok": true,
        "channels": [
            {"id": "C1", "name": "general", "is_channel": true, "is_member": true, "is_private": false},
            {"id": "G2", "name": "secret", "is_private": true},
            {"id": "D3", "is_im": true}
        ],
        "response_metadata": {"next_cursor": "dGVhbTpDMDYxRkE1UEI="}
    })))
    .await;
    let page = server
        .client()
        .conversations_list_page(&token(), Some("Y3Vyc29y"), 5000)
        .await
        .expect("list ok");
    assert_eq!(page.next_cursor.as_deref(), Some("dGVhbTpDMDYxRkE1UEI="));
    assert!(!page.is_last());
    assert_eq!(page.items.len(), 3);
    assert_eq!(page.items[0].id, ChannelId::from("C1"));
    assert_eq!(page.items[0].name, "general");
    assert!(page.items[0].is_member && !page.items[0].is_private);
    assert!(page.items[1].is_private && !page.items[1].is_member);
    assert!(page.items[2].is_im);
    assert_eq!(page.items[2].name, "");

    let seen = server.only_request("conversations.list");
    let form = seen.form();
    let get = |key: &str| form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    assert_eq!(get("types"), Some("public_channel,private_channel"));
    assert_eq!(get("exclude_archived"), Some("true"));
    assert_eq!(get("limit"), Some("999"), "limit clamped under 1000");
    assert_eq!(get("cursor"), Some("Y3Vyc29y"));
}

#[tokio::test]
async fn empty_or_missing_next_cursor_ends_paging() {
    let server = Server::route(|path| {
        if path.ends_with("users.list") {
            Reply::json(json!({
                "ok": true,
                "members": [],
                "response_metadata": {"next_cursor": ""}
            }))
        } else {
            Reply::json(json!({"ok": true, "channels": []}))
        }
    })
    .await;
    let client = server.client();
    let users = client
        .users_list_page(&token(), None, 100)
        .await
        .expect("users ok");
    assert_eq!(users.next_cursor, None);
    assert!(users.is_last());
    let channels = client
        .conversations_list_page(&token(), None, 100)
        .await
        .expect("channels ok");
    assert_eq!(channels.next_cursor, None);
    assert!(channels.items.is_empty());

    for seen in server.requests() {
        seen.assert_token_only_in_header();
        assert!(
            seen.form().iter().all(|(k, _)| k != "cursor"),
            "no cursor on the first page"
        );
    }
}

#[tokio::test]
async fn users_list_decodes_and_always_sends_limit() {
    let server = Server::start(Reply::json(json!({
        "ok": true,
        "members": [
            {"id": "W1", "team_id": "T1", "name": "spengler", "real_name": "Egon Spengler",
             "deleted": false, "is_bot": false, "profile": {"real_name": "ignored"}},
            {"id": "W2", "name": "bot", "is_bot": true, "profile": {"real_name": "Botty"}},
            {"id": "W3", "deleted": true}
        ],
        "response_metadata": {"next_cursor": "next"}
    })))
    .await;
    let page = server
        .client()
        .users_list_page(&token(), Some("cur"), 1000)
        .await
        .expect("users ok");
    assert_eq!(page.next_cursor.as_deref(), Some("next"));
    let [a, b, c] = page.items.as_slice() else {
        panic!("three users expected, got {:?}", page.items);
    };
    assert_eq!(a.id, UserId::from("W1"));
    assert_eq!(
        (a.name.as_str(), a.real_name.as_str()),
        ("spengler", "Egon Spengler")
    );
    assert!(!a.is_bot && !a.deleted);
    assert_eq!(b.real_name, "Botty", "falls back to profile.real_name");
    assert!(b.is_bot);
    assert_eq!((c.name.as_str(), c.real_name.as_str()), ("", ""));
    assert!(c.deleted);

    let seen = server.only_request("users.list");
    assert_eq!(
        seen.form(),
        vec![
            ("limit".to_owned(), "200".to_owned()),
            ("cursor".to_owned(), "cur".to_owned())
        ]
    );
}

// --- error classification -----------------------------------------------------

#[tokio::test]
async fn slack_errors_are_classified() {
    for (code, fatal, retryable) in [
        ("invalid_auth", true, false),
        ("token_revoked", true, false),
        ("account_inactive", true, false),
        ("not_allowed_token_type", true, false),
        ("channel_not_found", false, false),
        ("missing_scope", false, false),
        ("migration_in_progress", false, true),
        ("internal_error", false, true),
    ] {
        let err = auth_test_error(slack_error(code)).await;
        assert_eq!(
            err,
            ApiError::Slack {
                method: "auth.test",
                error: code.to_owned()
            }
        );
        assert_eq!(err.is_fatal(), fatal, "{code} fatal");
        assert_eq!(err.is_retryable(), retryable, "{code} retryable");
        assert_eq!(err.code(), code);
        assert_eq!(err.retry_after(), None);
    }
}

#[tokio::test]
async fn missing_scope_is_fatal_only_for_connect_methods() {
    let server = Server::start(slack_error("missing_scope")).await;
    let client = server.client();
    let connect = client
        .apps_connections_open(&token())
        .await
        .expect_err("fails");
    assert!(connect.is_fatal());
    let rtm = client.rtm_connect(&token()).await.expect_err("fails");
    assert!(rtm.is_fatal());
    let post = client
        .chat_post_message(&token(), &PostMessage::new(ChannelId::from("C1"), "x"))
        .await
        .expect_err("fails");
    assert!(!post.is_fatal());
    assert_eq!(post.code(), "missing_scope");
}

#[tokio::test]
async fn http_429_with_retry_after_is_rate_limited() {
    let err = auth_test_error(Reply::status(429).header("retry-after", "7")).await;
    assert_eq!(
        err,
        ApiError::RateLimited {
            method: "auth.test",
            retry_after: Duration::from_secs(7)
        }
    );
    assert!(err.is_retryable());
    assert!(!err.is_fatal());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(err.code(), "ratelimited");
}

#[tokio::test]
async fn rate_limit_without_usable_retry_after_defaults_to_30s() {
    let thirty = Some(Duration::from_secs(30));
    let missing = auth_test_error(Reply::status(429)).await;
    assert_eq!(missing.retry_after(), thirty);
    let garbage =
        auth_test_error(Reply::status(429).header("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"))
            .await;
    assert_eq!(garbage.retry_after(), thirty);
    for code in ["ratelimited", "rate_limited"] {
        let in_body = auth_test_error(slack_error(code)).await;
        assert!(
            matches!(in_body, ApiError::RateLimited { .. }),
            "{in_body:?}"
        );
        assert_eq!(in_body.retry_after(), thirty);
        assert!(in_body.is_retryable());
    }
    let in_body_with_header =
        auth_test_error(slack_error("ratelimited").header("retry-after", "3")).await;
    assert_eq!(
        in_body_with_header.retry_after(),
        Some(Duration::from_secs(3))
    );
}

#[tokio::test]
async fn http_5xx_is_retryable() {
    for status in [500, 502, 503, 504] {
        let err = auth_test_error(Reply::status(status)).await;
        assert_eq!(
            err,
            ApiError::Http {
                method: "auth.test",
                status
            }
        );
        assert!(err.is_retryable(), "{status}");
        assert!(!err.is_fatal(), "{status}");
        assert_eq!(err.code(), format!("http_{status}"));
    }
    let other = auth_test_error(Reply::status(501)).await;
    assert!(!other.is_retryable());
}

#[tokio::test]
async fn http_404_is_fatal() {
    let err = auth_test_error(Reply::status(404)).await;
    assert!(err.is_fatal());
    assert!(!err.is_retryable());
    assert_eq!(err.code(), "http_404");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let err =
        auth_test_error(Reply::status(302).header("location", "http://127.0.0.1:9/elsewhere"))
            .await;
    assert_eq!(
        err,
        ApiError::Http {
            method: "auth.test",
            status: 302
        }
    );
    assert_eq!(err.code(), "http_3xx");
    assert!(!err.is_fatal() && !err.is_retryable());
}

#[tokio::test]
async fn unreadable_answers_are_decode_errors() {
    for body in [
        "{not json",
        "<html>Bad gateway</html>",
        r#"{"team_id":"T1","user_id":"U1"}"#,
        r#"{"ok":"yes"}"#,
        r#"{"ok":false}"#,
        r#"{"ok":true,"team_id":"T1"}"#,
        "[]",
        "",
    ] {
        let err = auth_test_error(Reply::raw(StatusCode::OK, body)).await;
        assert!(
            matches!(
                err,
                ApiError::Decode {
                    method: "auth.test",
                    ..
                }
            ),
            "{body:?} gave {err:?}"
        );
        assert!(!err.is_fatal() && !err.is_retryable());
        assert_eq!(err.code(), "decode");
    }
}

#[tokio::test]
async fn timeout_is_a_retryable_transport_error() {
    let server = Server::start(
        Reply::json(json!({"ok": true, "team_id": "T1", "user_id": "U1"}))
            .delayed(Duration::from_secs(10)),
    )
    .await;
    let err = server
        .client()
        .with_timeout(Duration::from_millis(200))
        .auth_test(&token())
        .await
        .expect_err("times out");
    let ApiError::Transport { method, message } = &err else {
        panic!("expected transport error, got {err:?}");
    };
    assert_eq!(*method, "auth.test");
    assert!(message.contains("timed out"), "{message}");
    assert!(err.is_retryable());
    assert_eq!(err.code(), "transport");
}

/// A port nothing listens on: bound, then released.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    listener.local_addr().expect("addr").port()
}

#[tokio::test]
async fn connection_refused_is_a_retryable_transport_error() {
    let port = closed_port().await;
    let client = WebClient::new(&format!("http://127.0.0.1:{port}/api/")).expect("valid base");
    let err = client.auth_test(&token()).await.expect_err("refused");
    assert!(matches!(err, ApiError::Transport { .. }), "{err:?}");
    assert!(err.is_retryable());
}

// --- base URL -----------------------------------------------------------------

#[test]
fn invalid_bases_are_rejected() {
    for base in [
        "not a url",
        "/api/",
        "ftp://slack.com/api/",
        "http://slack.com/api/?x=1",
        "http://slack.com/api/#frag",
        "http://user:pw@slack.com/api/",
    ] {
        let err = WebClient::new(base).expect_err(base);
        assert!(matches!(err, ApiError::InvalidBase(_)), "{base}: {err:?}");
        assert_eq!(err.code(), "invalid_base");
        assert!(!err.is_fatal() && !err.is_retryable());
    }
}

#[tokio::test]
async fn base_without_trailing_slash_still_appends_method() {
    let server = Server::start(Reply::json(
        json!({"ok": true, "team_id": "T1", "user_id": "U1"}),
    ))
    .await;
    let base = server.base.trim_end_matches('/');
    WebClient::new(base)
        .expect("valid base")
        .auth_test(&token())
        .await
        .expect("auth ok");
    server.only_request("auth.test");
}

// --- no token in any output -----------------------------------------------------

#[tokio::test]
async fn no_error_variant_prints_the_token() {
    let mut errors = vec![
        auth_test_error(slack_error("invalid_auth")).await,
        auth_test_error(Reply::status(429).header("retry-after", "7")).await,
        auth_test_error(Reply::status(500)).await,
        auth_test_error(Reply::raw(StatusCode::OK, "{not json")).await,
        WebClient::new(&format!("http://x:{TOKEN}@127.0.0.1/api/")).expect_err("credentials"),
        WebClient::new(&format!("http://127.0.0.1/api/?token={TOKEN}")).expect_err("query"),
        WebClient::new(&format!("{TOKEN}://127.0.0.1/api/")).expect_err("scheme"),
    ];

    // Transport: connection refused, and a token that cannot be a header
    // value (the failure must not echo it).
    let port = closed_port().await;
    let refused = WebClient::new(&format!("http://127.0.0.1:{port}/api/")).expect("valid base");
    errors.push(refused.auth_test(&token()).await.expect_err("refused"));
    let server = Server::start(slack_error("invalid_auth")).await;
    let bad_token = Secret::new(format!("{TOKEN}\n"));
    errors.push(
        server
            .client()
            .auth_test(&bad_token)
            .await
            .expect_err("bad header"),
    );
    assert!(server.requests().is_empty(), "bad header never sent");

    let kinds: Vec<&str> = errors.iter().map(ApiError::code).collect();
    for kind in [
        "invalid_auth",
        "ratelimited",
        "http_500",
        "decode",
        "invalid_base",
        "transport",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    for err in &errors {
        let printed = format!("{err} | {err:?}");
        assert!(!printed.contains(TOKEN), "token leaked: {printed}");
        assert!(
            !printed.contains("SeCrEt"),
            "token fragment leaked: {printed}"
        );
    }
}

#[tokio::test]
async fn client_debug_holds_no_token() {
    let server = Server::start(Reply::json(
        json!({"ok": true, "team_id": "T1", "user_id": "U1"}),
    ))
    .await;
    let client = server.client();
    client.auth_test(&token()).await.expect("auth ok");
    assert!(!format!("{client:?}").contains(TOKEN));
}

#[tokio::test]
async fn an_answer_larger_than_the_cap_is_refused_not_read_whole() {
    let padding = "x".repeat(super::client::MAX_RESPONSE_BYTES);
    let huge = format!(r#"{{"ok":true,"url":"ws://x","pad":"{padding}"}}"#);
    let error = auth_test_error(Reply::raw(StatusCode::OK, &huge)).await;
    assert!(
        matches!(&error, ApiError::Decode { message, .. } if message.contains("larger than")),
        "{error:?}"
    );
}
