//! The host's configuration file (`bothost.toml`): runtime sizing, bot
//! limits, Slack settings, the Slack request listener, Slack apps (Socket
//! Mode, HTTP) and the teams to serve. Typed
//! and strict (`deny_unknown_fields`): a typo is an error, not a silently
//! ignored setting. Tokens are never written in the file; it names the
//! environment variables that hold them.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use thiserror::Error;

use crate::bot_config::BotConfig;
use crate::ids::TeamId;
use crate::limits::BotLimits;
use crate::secret::Secret;
use crate::spec::{AppSpec, HttpAppSpec, TeamSource, TeamSpec};

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{what}: environment variable {var} is not set")]
    MissingEnv { var: String, what: String },
    #[error("config: {0}")]
    Invalid(String),
}

/// The whole file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostConfig {
    #[serde(default)]
    pub runtime: RuntimeSection,
    #[serde(default)]
    pub limits: BotLimits,
    #[serde(default)]
    pub slack: SlackSection,
    #[serde(default)]
    pub admin: Option<AdminSection>,
    #[serde(default)]
    pub http: Option<HttpSection>,
    #[serde(default)]
    pub resourcer: Option<ResourcerSection>,
    #[serde(default)]
    pub storage: StorageSection,
    #[serde(default)]
    pub apps: Vec<AppEntry>,
    #[serde(default)]
    pub teams: Vec<TeamEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuntimeSection {
    /// Live bot instances the process is sized for.
    pub max_teams: u32,
    /// Compiled-component cache; defaults to the user's cache directory.
    pub cache_dir: Option<PathBuf>,
}

impl Default for RuntimeSection {
    fn default() -> Self {
        Self {
            max_teams: 1000,
            cache_dir: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlackSection {
    /// Web API base URL; tests point it at a fake Slack.
    pub api_base: String,
    /// Where "Add to Slack" sends the browser (OAuth v2 authorize); tests
    /// point it at a fake Slack.
    pub authorize_url: String,
}

impl Default for SlackSection {
    fn default() -> Self {
        Self {
            api_base: "https://slack.com/api/".into(),
            authorize_url: "https://slack.com/oauth/v2/authorize".into(),
        }
    }
}

/// The HTTP listener Slack and browsers reach: the Events API, slash
/// commands and interactivity, and "Add to Slack" (install page and
/// callback); off unless the section is present. Separate from the admin
/// API: this one faces Slack, the admin API stays private.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSection {
    pub bind: std::net::SocketAddr,
    /// The URL browsers and Slack reach the listener at (behind a proxy,
    /// the proxy's), e.g. `https://bots.example.com`; install redirect
    /// URLs are built from it, so installable apps need it. An `https` URL
    /// makes the install cookie `Secure`.
    #[serde(default)]
    pub public_url: Option<String>,
}

/// The admin HTTP API; off unless the section is present.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminSection {
    pub bind: std::net::SocketAddr,
    /// Environment variable holding the admin bearer token.
    pub token_env: String,
}

/// Where the host keeps its registry of teams, bots' key-value state and
/// timers: an embedded database, so a restart resumes every team.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageSection {
    /// The database file, relative to the config file; `":memory:"` keeps
    /// nothing across restarts. Defaults to `bothost/bothost.db` under the
    /// user's data directory (`$XDG_DATA_HOME`, else `~/.local/share`).
    pub path: Option<PathBuf>,
    /// Environment variable holding the key that encrypts tokens at rest
    /// (64 hex digits, or base64 of 32 bytes). Without it, a key file is
    /// created beside the database on first start (owner-only).
    pub key_env: Option<String>,
    /// Days a removed team's key-value state and timers are kept (adding
    /// the team again within them finds them), then purged.
    pub retention_days: u64,
}

impl Default for StorageSection {
    fn default() -> Self {
        Self {
            path: None,
            key_env: None,
            retention_days: 7,
        }
    }
}

/// The storage path that keeps nothing.
pub const IN_MEMORY: &str = ":memory:";

impl StorageSection {
    /// Whether nothing is kept across restarts.
    pub fn in_memory(&self) -> bool {
        self.path.as_deref() == Some(Path::new(IN_MEMORY))
    }

    /// How long a removed team's state is kept.
    pub fn retention(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.retention_days.saturating_mul(24 * 3600))
    }
}

/// Teams from a Beep Boop resourcer. The URL, id and token come from
/// `BEEPBOOP_RESOURCER`, `BEEPBOOP_ID` and `BEEPBOOP_TOKEN`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourcerSection {
    /// The bot every resourcer team runs; relative to the config file.
    pub bot: PathBuf,
    /// Connect resourcer teams over this Socket Mode app instead of RTM.
    #[serde(default)]
    pub app: Option<String>,
    /// After a reconnect, teams not re-announced within this many seconds
    /// are removed.
    #[serde(default = "default_grace")]
    pub grace_secs: u64,
}

fn default_grace() -> u64 {
    30
}

/// A Slack app: its events come over Socket Mode (an app-level token),
/// over HTTP (a signing secret), or both; at least one is required. An
/// app workspaces install with "Add to Slack" also has its OAuth client
/// credentials and the bot its installs run.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppEntry {
    pub id: String,
    /// Environment variable holding the app-level token (`xapp-…`):
    /// Socket Mode.
    #[serde(default)]
    pub app_token_env: Option<String>,
    /// Environment variable holding the app's signing secret: the Events
    /// API over HTTP (needs `[http]`).
    #[serde(default)]
    pub signing_secret_env: Option<String>,
    /// OAuth client id (not a secret: it is in every install link).
    #[serde(default)]
    pub client_id: Option<String>,
    /// Environment variable holding the OAuth client secret.
    #[serde(default)]
    pub client_secret_env: Option<String>,
    /// The bot every install of the app runs; relative to the config file.
    #[serde(default)]
    pub bot: Option<PathBuf>,
    /// Bot scopes asked for at install.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The app has token rotation on: bot tokens expire and are renewed.
    #[serde(default)]
    pub token_rotation: bool,
}

impl AppEntry {
    /// Whether workspaces install it with "Add to Slack".
    pub fn installable(&self) -> bool {
        self.client_id.is_some() || self.client_secret_env.is_some() || self.bot.is_some()
    }
}

/// Every token and secret of the file, read from the environment.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// Apps with an app-level token (Socket Mode).
    pub apps: Vec<AppSpec>,
    /// Apps with a signing secret (Events API over HTTP).
    pub http_apps: Vec<HttpAppSpec>,
    pub teams: Vec<TeamSpec>,
}

/// A team to serve.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamEntry {
    /// Checked when read ([`TeamId::parse`]), so TOML's error names the
    /// line.
    #[serde(deserialize_with = "TeamId::deserialize_checked")]
    pub id: TeamId,
    /// The bot component; relative paths are relative to the config file.
    pub bot: PathBuf,
    /// Environment variable holding the bot token (`xoxb-…`).
    pub token_env: String,
    /// Take events from this app (Socket Mode, HTTP or both, as its
    /// `[[apps]]` entry has them) instead of RTM.
    #[serde(default)]
    pub app: Option<String>,
    /// Custom config given to the bot.
    #[serde(default)]
    pub config: BotConfig,
}

impl HostConfig {
    /// Reads and parses a config file; relative bot paths are made
    /// relative to the file's directory.
    ///
    /// # Errors
    /// Unreadable file, bad TOML, unknown keys, or inconsistent entries.
    pub async fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = tokio::fs::read_to_string(path)
            .await
            .map_err(|source| ConfigError::Read {
                path: path.to_path_buf(),
                source,
            })?;
        Self::from_text(path, &text)
    }

    /// Parses the text of the file at `path` (which anchors relative paths).
    ///
    /// # Errors
    /// Bad TOML, unknown keys, or inconsistent entries.
    pub fn from_text(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let mut config = Self::parse(text).map_err(|message| ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        for team in &mut config.teams {
            if team.bot.is_relative() {
                team.bot = base.join(&team.bot);
            }
        }
        for app in &mut config.apps {
            if let Some(bot) = &mut app.bot
                && bot.is_relative()
            {
                *bot = base.join(&*bot);
            }
        }
        if let Some(resourcer) = &mut config.resourcer
            && resourcer.bot.is_relative()
        {
            resourcer.bot = base.join(&resourcer.bot);
        }
        if let Some(storage) = &mut config.storage.path
            && storage.is_relative()
            && storage != Path::new(IN_MEMORY)
        {
            *storage = base.join(&*storage);
        }
        // Name the file: a host may be given several.
        config.validate().map_err(|e| match e {
            ConfigError::Invalid(message) => ConfigError::Parse {
                path: path.to_path_buf(),
                message,
            },
            other => other,
        })?;
        Ok(config)
    }

    /// Parses TOML text.
    ///
    /// # Errors
    /// The TOML error, with line and column.
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Checks what TOML alone cannot.
    ///
    /// # Errors
    /// `max_teams = 0`, duplicate team ids, or a team naming an app that is
    /// not defined.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.runtime.max_teams == 0 {
            // It sizes the instance pool: zero would serve nothing (and the
            // runtime used to round it up to 1 without a word).
            return Err(ConfigError::Invalid(
                "[runtime] max_teams must be at least 1 (it sizes the instance pool)".into(),
            ));
        }
        for app in &self.apps {
            if app.app_token_env.is_none() && app.signing_secret_env.is_none() && !app.installable()
            {
                return Err(ConfigError::Invalid(format!(
                    "app {} needs app_token_env (Socket Mode), signing_secret_env (HTTP) or both",
                    app.id
                )));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for team in &self.teams {
            if !seen.insert(&team.id) {
                return Err(ConfigError::Invalid(format!(
                    "team {} is listed twice",
                    team.id
                )));
            }
            if let Some(app) = &team.app
                && !self.apps.iter().any(|a| &a.id == app)
            {
                return Err(ConfigError::Invalid(format!(
                    "team {} uses app {app}, which is not in [[apps]]",
                    team.id
                )));
            }
        }
        self.validate_apps()
    }

    /// The `[[apps]]` entries and what installable ones need.
    fn validate_apps(&self) -> Result<(), ConfigError> {
        let mut apps = std::collections::HashSet::new();
        for app in &self.apps {
            if !apps.insert(&app.id) {
                return Err(ConfigError::Invalid(format!(
                    "app {} is listed twice",
                    app.id
                )));
            }
            let oauth = [
                app.client_id.is_some(),
                app.client_secret_env.is_some(),
                app.bot.is_some(),
            ];
            if app.installable() && oauth.contains(&false) {
                return Err(ConfigError::Invalid(format!(
                    "app {}: an installable app needs client_id, client_secret_env and bot",
                    app.id
                )));
            }
            if !app.installable() && (app.token_rotation || !app.scopes.is_empty()) {
                return Err(ConfigError::Invalid(format!(
                    "app {}: scopes and token_rotation need client_id, client_secret_env and bot",
                    app.id
                )));
            }
        }
        if let Some(http) = &self.http {
            match &http.public_url {
                Some(url) if !(url.starts_with("http://") || url.starts_with("https://")) => {
                    return Err(ConfigError::Invalid(
                        "[http] public_url must be an http:// or https:// URL".into(),
                    ));
                }
                None if self.apps.iter().any(AppEntry::installable) => {
                    return Err(ConfigError::Invalid(
                        "[http] public_url is needed for apps with client_id (install redirects)"
                            .into(),
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Resolves every token from the environment.
    ///
    /// # Errors
    /// [`ConfigError::MissingEnv`] naming the variable (never a value).
    pub fn resolve(&self, env: impl Fn(&str) -> Option<String>) -> Result<Resolved, ConfigError> {
        let secret = |var: &str, what: String| {
            env(var)
                .filter(|v| !v.is_empty())
                .map(Secret::new)
                .ok_or_else(|| ConfigError::MissingEnv {
                    var: var.to_owned(),
                    what,
                })
        };
        let apps = self
            .apps
            .iter()
            .filter_map(|a| Some((a, a.app_token_env.as_deref()?)))
            .map(|(a, var)| {
                Ok(AppSpec {
                    id: a.id.clone(),
                    token: secret(var, format!("app {}", a.id))?,
                })
            })
            .collect::<Result<_, ConfigError>>()?;
        let http_apps = self
            .apps
            .iter()
            .filter_map(|a| Some((a, a.signing_secret_env.as_deref()?)))
            .map(|(a, var)| {
                Ok(HttpAppSpec {
                    id: a.id.clone(),
                    signing_secret: secret(var, format!("app {} signing secret", a.id))?,
                })
            })
            .collect::<Result<_, ConfigError>>()?;
        let teams = self
            .teams
            .iter()
            .map(|t| {
                Ok(TeamSpec {
                    id: t.id.clone(),
                    bot: t.bot.clone(),
                    token: secret(&t.token_env, format!("team {}", t.id))?,
                    app: t.app.clone(),
                    config: t.config.clone(),
                    source: TeamSource::File,
                })
            })
            .collect::<Result<_, ConfigError>>()?;
        Ok(Resolved {
            apps,
            http_apps,
            teams,
        })
    }

    /// The apps workspaces install with "Add to Slack", their client
    /// secrets read from the environment.
    ///
    /// # Errors
    /// [`ConfigError::MissingEnv`] naming the variable (never a value).
    pub fn oauth_apps(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Vec<crate::spec::OAuthAppSpec>, ConfigError> {
        self.apps
            .iter()
            .filter(|a| a.installable())
            .map(|a| {
                let (Some(client_id), Some(var), Some(bot)) =
                    (&a.client_id, &a.client_secret_env, &a.bot)
                else {
                    return Err(ConfigError::Invalid(format!(
                        "app {}: an installable app needs client_id, client_secret_env and bot",
                        a.id
                    )));
                };
                let client_secret =
                    env(var)
                        .filter(|v| !v.is_empty())
                        .ok_or_else(|| ConfigError::MissingEnv {
                            var: var.clone(),
                            what: format!("app {} client secret", a.id),
                        })?;
                Ok(crate::spec::OAuthAppSpec {
                    id: a.id.clone(),
                    client_id: client_id.clone(),
                    client_secret: Secret::new(client_secret),
                    bot: bot.clone(),
                    scopes: a.scopes.clone(),
                    token_rotation: a.token_rotation,
                    carries_events: a.app_token_env.is_some() || a.signing_secret_env.is_some(),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) const EXAMPLE: &str = r#"
[runtime]
max_teams = 10

[limits]
cpu_ms_per_call = 100
storage_keys = 500
storage_value_bytes = 4096

[slack]
api_base = "http://127.0.0.1:9/api/"

[[apps]]
id = "A1"
app_token_env = "APP_TOKEN"

[[apps]]
id = "A2"
signing_secret_env = "A2_SIGNING"

[[teams]]
id = "T1"
bot = "echo.wasm"
token_env = "T1_TOKEN"

[[teams]]
id = "T2"
bot = "/abs/counter.wasm"
token_env = "T2_TOKEN"
app = "A1"
config = { label = "total" }
"#;

    #[test]
    fn parses_resolves_and_never_prints_tokens() {
        let config = HostConfig::parse(EXAMPLE).expect("parse");
        config.validate().expect("valid");
        assert_eq!(config.limits.cpu_ms_per_call, 100);
        assert_eq!(
            config.limits.memory_bytes,
            BotLimits::default().memory_bytes
        );
        assert_eq!(config.limits.storage_keys, 500);
        assert_eq!(config.limits.storage_value_bytes, 4096);
        let defaults = HostConfig::parse("").expect("empty file");
        assert_eq!(defaults.limits.storage_keys, 10_000);
        assert_eq!(defaults.limits.storage_value_bytes, 262_144);
        let env = |var: &str| Some(format!("xoxb-secret-{var}"));
        let Resolved {
            apps,
            http_apps,
            teams,
        } = config.resolve(env).expect("resolve");
        assert_eq!(http_apps[0].id, "A2");
        assert_eq!(
            http_apps[0].signing_secret.expose(),
            "xoxb-secret-A2_SIGNING"
        );
        assert_eq!(apps.len(), 1, "A2 has no app token");
        assert_eq!(apps[0].token.expose(), "xoxb-secret-APP_TOKEN");
        assert_eq!(
            teams[1].config.get("label").map(String::as_str),
            Some("total")
        );
        assert!(!format!("{teams:?} {apps:?}").contains("xoxb-secret"));
    }

    #[test]
    fn unknown_keys_missing_env_and_bad_apps_are_clear_errors() {
        let err = HostConfig::parse("[runtime]\nmax_team = 3\n").expect_err("typo");
        assert!(err.contains("max_team"), "{err}");
        let config = HostConfig::parse(EXAMPLE).expect("parse");
        let err = config.resolve(|_| None).expect_err("no env");
        assert_eq!(
            err.to_string(),
            "app A1: environment variable APP_TOKEN is not set"
        );
        let bad = HostConfig::parse(
            "[[teams]]\nid = \"T1\"\nbot = \"b\"\ntoken_env = \"X\"\napp = \"A9\"\n",
        )
        .expect("parse");
        assert!(bad.validate().is_err());
        let neither = HostConfig::parse("[[apps]]\nid = \"A1\"\n").expect("parse");
        let err = neither.validate().expect_err("no transport").to_string();
        assert!(err.contains("app A1 needs app_token_env"), "{err}");
    }

    #[test]
    fn the_http_public_url_is_checked_when_apps_are_installable() {
        let app = "[[apps]]\nid = \"A1\"\nclient_id = \"1.2\"\nclient_secret_env = \"S\"\nbot = \"b.wasm\"\n";
        let missing = HostConfig::parse(&format!("[http]\nbind = \"127.0.0.1:8080\"\n\n{app}"))
            .expect("parse");
        let err = missing.validate().expect_err("no public_url").to_string();
        assert!(err.contains("[http] public_url is needed"), "{err}");
        let bad = HostConfig::parse(&format!(
            "[http]\nbind = \"127.0.0.1:8080\"\npublic_url = \"bots.example.com\"\n\n{app}"
        ))
        .expect("parse");
        let err = bad.validate().expect_err("not a URL").to_string();
        assert!(err.contains("http:// or https://"), "{err}");
        let half =
            HostConfig::parse("[[apps]]\nid = \"A1\"\nclient_id = \"1.2\"\n").expect("parse");
        let err = half.validate().expect_err("incomplete").to_string();
        assert!(
            err.contains("needs client_id, client_secret_env and bot"),
            "{err}"
        );
    }
    #[test]
    fn installable_apps_read_their_client_secret_and_need_all_three_keys() {
        let text = "[http]\nbind = \"127.0.0.1:8080\"\npublic_url = \"https://bots.example.com\"\n\n\
                    [[apps]]\nid = \"A1\"\nclient_id = \"1.2\"\nclient_secret_env = \"A1_SECRET\"\n\
                    bot = \"echo.wasm\"\nscopes = [\"chat:write\"]\ntoken_rotation = true\n\n\
                    [[apps]]\nid = \"A2\"\napp_token_env = \"A2_TOKEN\"\n";
        let config =
            HostConfig::from_text(Path::new("/etc/bothost/bothost.toml"), text).expect("valid");
        assert_eq!(
            config.apps[0].bot.as_deref(),
            Some(Path::new("/etc/bothost/echo.wasm"))
        );
        let env = |var: &str| Some(format!("secret-of-{var}"));
        let oauth = config.oauth_apps(env).expect("resolve");
        assert_eq!(oauth.len(), 1, "A2 is a Socket Mode app only");
        assert_eq!(oauth[0].client_secret.expose(), "secret-of-A1_SECRET");
        assert!(oauth[0].token_rotation && !oauth[0].carries_events);
        assert!(!format!("{oauth:?}").contains("secret-of"));
        let apps = config.resolve(env).expect("resolve").apps;
        assert_eq!(apps.len(), 1, "only A2 has an app token");
        let err = config
            .oauth_apps(|_| None)
            .expect_err("no secret")
            .to_string();
        assert_eq!(
            err,
            "app A1 client secret: environment variable A1_SECRET is not set"
        );
        let half =
            HostConfig::parse("[[apps]]\nid = \"A1\"\nclient_id = \"1.2\"\n").expect("parse");
        assert!(half.validate().is_err(), "client_id without the rest");
        assert_eq!(
            HostConfig::default().slack.authorize_url,
            "https://slack.com/oauth/v2/authorize"
        );
    }

    #[test]
    fn max_teams_zero_is_an_error_not_one() {
        let config = HostConfig::parse("[runtime]\nmax_teams = 0\n").expect("parse");
        let err = config.validate().expect_err("zero teams").to_string();
        assert_eq!(
            err,
            "config: [runtime] max_teams must be at least 1 (it sizes the instance pool)"
        );
    }

    #[test]
    fn a_bad_team_id_names_its_line_and_what_is_accepted() {
        let text = "[[teams]]\nid = \"T1\"\nbot = \"b\"\ntoken_env = \"X\"\n\n\
                    [[teams]]\nid = \"not a team id!\"\nbot = \"b\"\ntoken_env = \"Y\"\n";
        let err = HostConfig::from_text(Path::new("/etc/bothost.toml"), text)
            .expect_err("bad id")
            .to_string();
        assert!(err.starts_with("config /etc/bothost.toml: "), "{err}");
        assert!(err.contains("line 7"), "names the line: {err}");
        assert!(
            err.contains("\"not a team id!\" is not a Slack team id"),
            "{err}"
        );
        let err = HostConfig::parse("[[teams]]\nid = \"\"\nbot = \"b\"\ntoken_env = \"X\"\n")
            .expect_err("empty id");
        assert!(err.contains("line 2"), "{err}");
        assert!(err.contains("a team id cannot be empty"), "{err}");
    }
}

#[cfg(test)]
mod example_file {
    use super::HostConfig;

    /// The example shipped in `examples/` must stay a valid config.
    #[tokio::test]
    async fn the_shipped_example_parses() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/bothost.toml");
        let config = HostConfig::load(&path)
            .await
            .expect("examples/bothost.toml");
        assert_eq!(config.teams.len(), 1);
        assert!(config.teams[0].bot.ends_with("echo.wasm"));
    }
}

/// Property tests: whatever the file holds, loading it gives a config or
/// a [`ConfigError`], never a panic; a well-formed file reads back what it
/// says.
#[cfg(test)]
mod fuzz_tests {
    use proptest::prelude::*;

    use super::HostConfig;
    use crate::fuzz::{any_text, config, damaged_text, mutated};

    /// The unit tests' example plus the sections it leaves out.
    fn sample() -> String {
        let extra = "\n[admin]\nbind = \"127.0.0.1:8088\"\ntoken_env = \"ADMIN\"\n\n\
                     [http]\nbind = \"127.0.0.1:3000\"\n\n\
                     [resourcer]\nbot = \"echo.wasm\"\ngrace_secs = 5\n";
        format!("{}{extra}", super::tests::EXAMPLE)
    }

    /// Loads `text` the way `bothost serve` does, every step of the way.
    fn load(text: &str) {
        let path = std::path::Path::new("/etc/bothost/bothost.toml");
        if let Ok(config) = HostConfig::from_text(path, text) {
            let _ = config.resolve(|var| (var.len() % 2 == 0).then(|| format!("x-{var}")));
        }
    }

    /// The sample's structure with mutations, written back as TOML (what
    /// TOML cannot hold, such as a null, is skipped).
    fn mutated_toml() -> impl Strategy<Value = String> {
        let sample: toml::Table = toml::from_str(&sample()).expect("sample parses");
        let json = serde_json::to_value(sample).expect("as JSON");
        mutated(json).prop_filter_map("not representable in TOML", |value| {
            toml::to_string(&value).ok()
        })
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn any_file_loads_or_is_an_error(text in prop_oneof![
            mutated_toml(),
            damaged_text(sample()),
            any_text(),
        ]) {
            load(&text);
        }

        #[test]
        fn teams_read_back_what_the_file_says(
            teams in prop::collection::btree_map(
                "T[A-Z0-9]{1,8}",
                (
                    "[a-z]{1,8}\\.wasm",
                    "[A-Z][A-Z0-9_]{0,10}",
                    prop::collection::btree_map("[a-z][a-z0-9_]{0,8}", any_text(), 0..4),
                ),
                0..5,
            ),
            cpu in 1_u64..1_000_000,
        ) {
            let mut text = format!("[limits]\ncpu_ms_per_call = {cpu}\n");
            for (id, (bot, env, custom)) in &teams {
                let custom: toml::Table = custom
                    .iter()
                    .map(|(k, v)| (k.clone(), toml::Value::String(v.clone())))
                    .collect();
                text.push_str(&format!(
                    "\n[[teams]]\nid = \"{id}\"\nbot = \"{bot}\"\ntoken_env = \"{env}\"\nconfig = {}\n",
                    toml::Value::Table(custom)
                ));
            }
            let config = HostConfig::parse(&text).expect("a well-formed file parses");
            config.validate().expect("valid");
            prop_assert_eq!(config.limits.cpu_ms_per_call, cpu);
            prop_assert_eq!(config.teams.len(), teams.len());
            for (entry, (id, (bot, env, custom))) in config.teams.iter().zip(&teams) {
                prop_assert_eq!(entry.id.as_str(), id.as_str());
                prop_assert_eq!(entry.bot.to_str(), Some(bot.as_str()));
                prop_assert_eq!(&entry.token_env, env);
                prop_assert_eq!(&entry.config, custom);
            }
        }
    }
}
