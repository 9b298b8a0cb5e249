//! Slack's side of the Events API over HTTP: signed POSTs to an app's
//! request URLs (events, slash commands, interactivity), with Slack's
//! retries.
//!
//! Signing follows `shared/docs/protocols.md` §7 and is computed here with
//! `hmac`/`sha2` directly, never with the host's code: `v0=` + hex of
//! HMAC-SHA256(signing secret, `v0:{ts}:{raw body}`), the Unix time in
//! `X-Slack-Request-Timestamp`.
//!
//! Retries: Slack retries a request that got no 2xx within 3 s, up to 3
//! times, with `X-Slack-Retry-Num` and `X-Slack-Retry-Reason`, unless the
//! answer carried `X-Slack-No-Retry: 1`. Slack waits (none, 1 min, 5 min)
//! between attempts; the fake waits [`Retries::delays`] on the tokio
//! clock. [`Retries::lost_acks`] makes the fake treat that many good
//! answers as lost (as if they had come too late), so a scenario can make
//! Slack retry a host that answered.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::time::Instant;

use super::FakeSlack;

/// How long Slack waits for an answer.
pub const ACK_TIMEOUT: Duration = Duration::from_secs(3);

/// Slack's retry schedule, and answers to pretend were lost.
#[derive(Debug, Clone)]
pub struct Retries {
    /// Waits before retry 1, 2, 3 (Slack: none, 1 min, 5 min).
    pub delays: [Duration; 3],
    /// Good answers treated as lost (0: none; at most 3 are retried).
    pub lost_acks: u32,
}

impl Default for Retries {
    fn default() -> Self {
        Self {
            delays: [
                Duration::ZERO,
                Duration::from_secs(60),
                Duration::from_secs(300),
            ],
            lost_acks: 0,
        }
    }
}

impl Retries {
    /// No waiting between attempts, and `lost` answers lost.
    pub fn immediate(lost: u32) -> Self {
        Self {
            delays: [Duration::ZERO; 3],
            lost_acks: lost,
        }
    }
}

/// One attempt of a delivery as Slack saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// 0 for the first, then `X-Slack-Retry-Num`.
    pub retry: u32,
    /// The HTTP status, or `None` when no answer came within 3 s.
    pub status: Option<u16>,
    /// The answer's body.
    pub body: String,
    /// From sending to the whole answer.
    pub took: Duration,
    /// The answer said `X-Slack-No-Retry: 1`.
    pub no_retry: bool,
}

/// A signed request as the scenario wants it; fields set to `Some` are
/// used instead of what Slack would send (to tamper with it).
#[derive(Debug, Clone, Default)]
pub struct Tamper {
    /// The timestamp header (and the one signed), e.g. 6 minutes ago.
    pub timestamp: Option<String>,
    /// The signature header, whatever was signed.
    pub signature: Option<String>,
    /// Sign with this secret instead of the app's.
    pub secret: Option<String>,
    /// Leave both signing headers out.
    pub unsigned: bool,
}

/// An app with HTTP request URLs, as Slack holds it: its id, signing
/// secret and where the host serves it.
#[derive(Debug, Clone)]
pub struct EventsApp {
    pub app_id: String,
    secret: String,
    /// `http://HOST:PORT` of the host's Slack listener.
    base: String,
    client: reqwest::Client,
    fake: FakeSlack,
    seq: Arc<AtomicU64>,
}

impl FakeSlack {
    /// An app whose request URLs are `{base}/slack/{events,commands,
    /// interactive}/{app_id}`, signing with `signing_secret`. Its workspaces
    /// are the fake's ([`FakeSlack::add_workspace`]).
    ///
    /// # Panics
    /// If no HTTP client can be built.
    pub fn events_app(&self, app_id: &str, signing_secret: &str, base: &str) -> EventsApp {
        EventsApp {
            app_id: app_id.to_owned(),
            secret: signing_secret.to_owned(),
            base: base.trim_end_matches('/').to_owned(),
            client: reqwest::Client::builder()
                .timeout(ACK_TIMEOUT)
                .build()
                .expect("fake Slack: HTTP client"),
            fake: self.clone(),
            seq: Arc::default(),
        }
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `v0=` + hex HMAC-SHA256 over `v0:{timestamp}:{body}`.
pub fn slack_signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("v0={hex}")
}

impl EventsApp {
    /// The same Slack, for another app id (e.g. one the host does not
    /// serve), with the same signing secret and host.
    #[must_use]
    pub fn with_app_id(&self, app_id: &str) -> EventsApp {
        EventsApp {
            app_id: app_id.to_owned(),
            ..self.clone()
        }
    }

    /// The Events API request URL.
    pub fn events_url(&self) -> String {
        format!("{}/slack/events/{}", self.base, self.app_id)
    }

    fn url(&self, kind: &str) -> String {
        format!("{}/slack/{kind}/{}", self.base, self.app_id)
    }

    /// A fresh `event_id`.
    pub fn next_event_id(&self) -> String {
        format!("EvH{:08}", self.seq.fetch_add(1, Ordering::Relaxed) + 1)
    }

    /// The `event_callback` body for `event` in `team`, with `event_id`.
    pub fn callback(&self, team: &str, event_id: &str, event: Value) -> Value {
        json!({
            "token": "verification-token-not-used",
            "team_id": team,
            "api_app_id": self.app_id,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": unix_now(),
            "authorizations": [{"team_id": team, "user_id": format!("U{team}BOT"), "is_bot": true}],
            "event": event,
        })
    }

    /// Delivers `event` from `team` as Slack does (signed, retried on a
    /// missing or failed answer); returns every attempt.
    pub async fn event(&self, team: &str, event: Value, retries: &Retries) -> Vec<Attempt> {
        let id = self.next_event_id();
        let body = self.callback(team, &id, event).to_string();
        self.deliver("events", "application/json", body.into_bytes(), retries)
            .await
    }

    /// `user` says `text` in `channel` of `team` (a `message` event).
    pub async fn message(
        &self,
        team: &str,
        channel: &str,
        user: &str,
        text: &str,
        retries: &Retries,
    ) -> Vec<Attempt> {
        let ts = format!("1700000000.{:06}", self.seq.load(Ordering::Relaxed) + 1);
        let event = json!({
            "type": "message", "channel": channel, "user": user, "text": text,
            "ts": ts, "event_ts": ts, "channel_type": "channel",
        });
        self.event(team, event, retries).await
    }

    /// `user` runs `command` with `text` in `channel` (form-encoded, like
    /// Slack); returns the attempt (slash commands are not retried).
    pub async fn slash_command(
        &self,
        team: &str,
        command: &str,
        text: &str,
        channel: &str,
        user: &str,
    ) -> Attempt {
        let n = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let trigger = format!("{n}.{n}.fake");
        let pairs = [
            ("token", "verification-token-not-used"),
            ("team_id", team),
            ("team_domain", "fake"),
            ("channel_id", channel),
            ("user_id", user),
            ("command", command),
            ("text", text),
            ("api_app_id", self.app_id.as_str()),
            ("response_url", "http://127.0.0.1:9/unused"),
            ("trigger_id", trigger.as_str()),
        ];
        let body = serde_urlencoded::to_string(pairs).expect("form");
        self.send("commands", FORM, body.into_bytes(), &Tamper::default(), 0)
            .await
    }

    /// Sends an interaction payload (form field `payload`).
    pub async fn interactive(&self, payload: &Value) -> Attempt {
        let body = serde_urlencoded::to_string([("payload", payload.to_string())]).expect("form");
        self.send(
            "interactive",
            FORM,
            body.into_bytes(),
            &Tamper::default(),
            0,
        )
        .await
    }

    /// Slack's check of a new request URL.
    pub async fn url_verification(&self, challenge: &str) -> Attempt {
        let body = json!({"token": "verification-token-not-used", "challenge": challenge, "type": "url_verification"});
        self.send(
            "events",
            JSON,
            body.to_string().into_bytes(),
            &Tamper::default(),
            0,
        )
        .await
    }

    /// The app was removed from `team` (`app_uninstalled`).
    pub async fn app_uninstalled(&self, team: &str) -> Vec<Attempt> {
        self.event(
            team,
            json!({"type": "app_uninstalled"}),
            &Retries::default(),
        )
        .await
    }

    /// Tokens of `team` were revoked: bot tokens of the users `bots`.
    pub async fn tokens_revoked(&self, team: &str, bots: &[&str]) -> Vec<Attempt> {
        let event = json!({"type": "tokens_revoked", "tokens": {"oauth": [], "bot": bots}});
        self.event(team, event, &Retries::default()).await
    }

    /// Posts `body` to `/slack/{kind}/{app}` once, signed unless `tamper`
    /// says otherwise (for refusal scenarios).
    pub async fn send_raw(&self, kind: &str, body: Vec<u8>, tamper: &Tamper) -> Attempt {
        let content_type = if kind == "events" { JSON } else { FORM };
        self.send(kind, content_type, body, tamper, 0).await
    }

    /// Posts `body` with retries as Slack does.
    async fn deliver(
        &self,
        kind: &str,
        content_type: &str,
        body: Vec<u8>,
        retries: &Retries,
    ) -> Vec<Attempt> {
        let mut attempts = Vec::new();
        let mut lost = retries.lost_acks;
        for retry in 0..=3_u32 {
            if let Some(delay) = retry
                .checked_sub(1)
                .and_then(|i| retries.delays.get(i as usize))
                && !delay.is_zero()
            {
                tokio::time::sleep(*delay).await;
            }
            let attempt = self
                .send(kind, content_type, body.clone(), &Tamper::default(), retry)
                .await;
            let no_retry = attempt.no_retry;
            let ok = attempt.status.is_some_and(|s| (200..300).contains(&s));
            attempts.push(attempt);
            let lost_this = ok && lost > 0;
            lost = lost.saturating_sub(u32::from(lost_this));
            if (ok && !lost_this) || no_retry {
                break;
            }
        }
        self.fake.shared.notify();
        attempts
    }

    /// One signed POST.
    async fn send(
        &self,
        kind: &str,
        content_type: &str,
        body: Vec<u8>,
        tamper: &Tamper,
        retry: u32,
    ) -> Attempt {
        let timestamp = tamper
            .timestamp
            .clone()
            .unwrap_or_else(|| unix_now().to_string());
        let secret = tamper.secret.as_deref().unwrap_or(&self.secret);
        let signature = tamper
            .signature
            .clone()
            .unwrap_or_else(|| slack_signature(secret, &timestamp, &body));
        let mut request = self
            .client
            .post(self.url(kind))
            .header("content-type", content_type);
        if !tamper.unsigned {
            request = request
                .header("x-slack-request-timestamp", timestamp)
                .header("x-slack-signature", signature);
        }
        if retry > 0 {
            request = request
                .header("x-slack-retry-num", retry.to_string())
                .header("x-slack-retry-reason", "http_timeout");
        }
        let start = Instant::now();
        let answer = request.body(body).send().await;
        let (status, no_retry, body) = match answer {
            Ok(response) => {
                let status = response.status().as_u16();
                let no_retry = response
                    .headers()
                    .get("x-slack-no-retry")
                    .is_some_and(|v| v == "1");
                (
                    Some(status),
                    no_retry,
                    response.text().await.unwrap_or_default(),
                )
            }
            Err(_) => (None, false, String::new()),
        };
        Attempt {
            retry,
            status,
            body,
            took: start.elapsed(),
            no_retry,
        }
    }
}

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";
