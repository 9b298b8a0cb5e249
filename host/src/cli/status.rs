//! `bothost status`: what a running host serves, read from its admin API
//! (`GET /teams`, `GET /metrics`) and printed as a table, so an operator
//! needs neither curl nor the JSON shape. Counters are host-wide: the host
//! keeps events and posts per kind, not per team (per-team label sets would
//! grow with every team), so the totals follow the table.

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value};
use thiserror::Error;

use crate::secret::Secret;

/// Why the status could not be read.
#[derive(Debug, Error)]
pub enum StatusError {
    #[error(
        "no admin token: {var} is not set (export the host's admin token, the value of the variable its [admin] token_env names, or pick another variable with --token-env)"
    )]
    MissingToken { var: String },
    #[error(
        "cannot reach the admin API at {url}: connection refused (is `bothost serve` running with an [admin] section? set --url or BOTHOST_ADMIN_URL)"
    )]
    Refused { url: String },
    #[error("cannot reach the admin API at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error(
        "the admin API at {url} refused the token (401 Unauthorized): the variable holds another token than the host's [admin] token_env"
    )]
    Unauthorized { url: String },
    #[error("the admin API at {url} answered {status}: {error}")]
    Http {
        url: String,
        status: u16,
        error: String,
    },
    #[error("the admin API at {url} answered something unexpected: {reason}")]
    Unexpected { url: String, reason: String },
}

/// One row of `GET /teams`, read leniently: fields the table does not
/// show are ignored, so a newer host still prints.
#[derive(Debug, Clone, Deserialize)]
pub struct TeamRow {
    pub id: String,
    pub source: Source,
    #[serde(default)]
    pub component: String,
    #[serde(default)]
    pub digest: String,
    pub bot: State,
    pub link: State,
}

/// Where a team came from (`{"kind": "resourcer", "resource": "…"}`,
/// `{"kind": "oauth", "app": "…"}`).
#[derive(Debug, Clone, Deserialize)]
pub struct Source {
    pub kind: String,
    #[serde(default)]
    pub resource: Option<String>,
    #[serde(default)]
    pub app: Option<String>,
}

/// A bot or link status: its `state` and whatever details it carries.
#[derive(Debug, Clone, Deserialize)]
pub struct State {
    pub state: String,
    #[serde(flatten)]
    pub details: Map<String, Value>,
}

impl State {
    /// The reason a faulted, failed or broken status carries, if any.
    fn error(&self) -> Option<&str> {
        ["last_error", "reason"]
            .iter()
            .find_map(|k| self.details.get(*k).and_then(Value::as_str))
            .filter(|e| !e.is_empty())
    }
}

/// Host-wide counters from `/metrics`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub events: u64,
    pub dropped: u64,
    pub posts: u64,
    pub traps: u64,
    pub reconnects: u64,
}

impl Totals {
    /// Sums the counters of Prometheus text (every label set of a name).
    pub fn from_metrics(text: &str) -> Self {
        let mut totals = Self::default();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let Some((series, value)) = line.rsplit_once(' ') else {
                continue;
            };
            let name = series.split('{').next().unwrap_or(series);
            let Ok(value) = value.parse::<f64>() else {
                continue;
            };
            // Counters are whole numbers; the text format writes floats.
            let value = value as u64;
            match name {
                "bothost_events_total" => totals.events += value,
                "bothost_events_dropped_total" => totals.dropped += value,
                "bothost_posts_total" => totals.posts += value,
                "bothost_traps_total" => totals.traps += value,
                "bothost_reconnects_total" => totals.reconnects += value,
                _ => {}
            }
        }
        totals
    }
}

/// What `bothost status` read.
#[derive(Debug, Clone)]
pub struct Status {
    /// The `GET /teams` answer as sent (what `--json` prints).
    pub raw: String,
    pub teams: Vec<TeamRow>,
    pub totals: Totals,
}

/// Reads the teams and counters of the host whose admin API is at `url`.
///
/// # Errors
/// [`StatusError`] saying what to check: the address, the token, the host.
pub async fn fetch(url: &str, token: &Secret) -> Result<Status, StatusError> {
    let base = url.trim_end_matches('/');
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| unreachable(base, &e))?;
    let raw = get(&client, base, "/teams", token).await?;
    #[derive(Deserialize)]
    struct Teams {
        teams: Vec<TeamRow>,
    }
    let teams = serde_json::from_str::<Teams>(&raw)
        .map_err(|e| StatusError::Unexpected {
            url: base.to_owned(),
            reason: format!("not a team list ({e})"),
        })?
        .teams;
    let metrics = get(&client, base, "/metrics", token).await?;
    Ok(Status {
        raw,
        teams,
        totals: Totals::from_metrics(&metrics),
    })
}

async fn get(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    token: &Secret,
) -> Result<String, StatusError> {
    let response = client
        .get(format!("{base}{path}"))
        .bearer_auth(token.expose())
        .send()
        .await
        .map_err(|e| unreachable(base, &e))?;
    let status = response.status();
    let body = response.text().await.map_err(|e| unreachable(base, &e))?;
    if status == reqwest::StatusCode::UNAUTHORIZED {
        return Err(StatusError::Unauthorized { url: base.into() });
    }
    if !status.is_success() {
        // The API's shape, `{"ok": false, "error": "…"}`, or whatever a
        // proxy in front of it said.
        let error = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_else(|| body.chars().take(200).collect());
        return Err(StatusError::Http {
            url: base.into(),
            status: status.as_u16(),
            error,
        });
    }
    Ok(body)
}

/// The innermost cause, which says what actually happened ("connection
/// refused", "dns error: …") where reqwest's own message does not.
fn unreachable(url: &str, e: &reqwest::Error) -> StatusError {
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    let refused = cause
        .downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused);
    if refused {
        StatusError::Refused { url: url.into() }
    } else {
        StatusError::Unreachable {
            url: url.into(),
            reason: cause.to_string(),
        }
    }
}

/// The table, then the host-wide totals.
pub fn render(status: &Status) -> String {
    let header = [
        "TEAM",
        "SOURCE",
        "BOT",
        "DIGEST",
        "BOT STATUS",
        "LINK",
        "LAST ERROR",
    ];
    let rows: Vec<[String; 7]> = status.teams.iter().map(row).collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut push = |cells: &[&str]| {
        let mut line = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                line.push_str(cell);
            } else {
                let pad = widths[i] - cell.chars().count();
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    };
    push(&header);
    for row in &rows {
        push(&row.each_ref().map(String::as_str));
    }
    let t = &status.totals;
    out.push_str(&format!(
        "\n{} teams. Host-wide since start (not kept per team): events {}, dropped {}, posts {}, traps {}, reconnects {}\n",
        status.teams.len(),
        t.events,
        t.dropped,
        t.posts,
        t.traps,
        t.reconnects
    ));
    out
}

fn row(team: &TeamRow) -> [String; 7] {
    let source = match team.source.resource.as_ref().or(team.source.app.as_ref()) {
        Some(which) => format!("{} {which}", team.source.kind),
        None => team.source.kind.clone(),
    };
    let bot = std::path::Path::new(&team.component)
        .file_name()
        .map_or_else(
            || team.component.clone(),
            |f| f.to_string_lossy().into_owned(),
        );
    let errors: Vec<String> = [("bot", &team.bot), ("link", &team.link)]
        .into_iter()
        .filter_map(|(what, s)| s.error().map(|e| format!("{what}: {e}")))
        .collect();
    let error = if errors.is_empty() {
        "-".to_owned()
    } else {
        // One line per team, whatever the error text holds.
        errors.join("; ").replace(char::is_control, " ")
    };
    let or_dash = |s: &str| {
        if s.is_empty() {
            "-".to_owned()
        } else {
            s.to_owned()
        }
    };
    [
        team.id.clone(),
        source,
        or_dash(&bot),
        or_dash(&team.digest),
        team.bot.state.clone(),
        team.link.state.clone(),
        error,
    ]
}

#[cfg(test)]
mod tests;
