//! Test harness: a host with a local chat space and any number of teams,
//! so a scenario reads like a story ("alice says hi in #general; the bot
//! answers"). Everything is real: runtime, team actors, capabilities; only
//! Slack is replaced by the local space. The host is built by the same
//! [`HostBuilder`] as `bothost serve` and `bothost local`.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::Mutex;

use bothost::bot_config::BotConfig;
use bothost::builder::HostBuilder;
use bothost::host::Host;
use bothost::ids::TeamId;
use bothost::local::{ChatLine, LocalSpace};
use bothost::runtime::RuntimeConfig;
use bothost::secret::Secret;
use bothost::spec::{TeamSource, TeamSpec};
use bothost::team::{BotStatus, TeamError, TeamHandle};

pub use bothost_guests as guests;
pub use bothost_guests::foreign;

pub mod browser;
pub mod fake_slack;
pub mod slack_env;

/// A `bothost serve` config for the Slack API at `api_base`, serving
/// `teams` (id, bot) from the file (each token in `<id>_TOKEN`), with its
/// compile cache and its database (`bothost.db`) in `dir`.
pub fn serve_config(api_base: &str, dir: &Path, teams: &[(&str, &str)]) -> String {
    let mut text = format!(
        "[runtime]\nmax_teams = 4\ncache_dir = \"{cache}\"\n\n[slack]\napi_base = \"{api_base}\"\n\n\
         [storage]\npath = \"{db}\"\n\n",
        cache = dir.join("cache").display(),
        db = dir.join("bothost.db").display(),
    );
    for (id, bot) in teams {
        text.push_str(&format!(
            "[[teams]]\nid = \"{id}\"\nbot = \"{bot}\"\ntoken_env = \"{id}_TOKEN\"\n\n"
        ));
    }
    text
}

/// The ids of the teams `host` serves, sorted.
pub fn team_ids(host: &Host) -> Vec<String> {
    host.teams().iter().map(|t| t.id.to_string()).collect()
}

/// A host serving local teams.
#[derive(Debug)]
pub struct Harness {
    pub space: Arc<LocalSpace>,
    pub host: Host,
}

impl Harness {
    /// A host with default limits and room for a few teams.
    pub fn new() -> Self {
        Self::with_config(RuntimeConfig {
            max_teams: 8,
            ..RuntimeConfig::default()
        })
    }

    /// A host with the given runtime configuration.
    ///
    /// # Panics
    /// If the runtime cannot be built (a broken test machine).
    pub fn with_config(config: RuntimeConfig) -> Self {
        let space = Arc::new(LocalSpace::new());
        let host = HostBuilder::local(config, space.clone())
            .build()
            .expect("host");
        Self { space, host }
    }

    /// A host keeping its teams, key-value state and timers in `storage`
    /// (a removed team's state kept for `retention`).
    ///
    /// # Panics
    /// If the runtime cannot be built (a broken test machine).
    pub fn with_storage(
        config: RuntimeConfig,
        storage: bothost::storage::Storage,
        retention: std::time::Duration,
    ) -> Self {
        let space = Arc::new(LocalSpace::new());
        let host = HostBuilder::local(config, space.clone())
            .storage(storage, retention)
            .build()
            .expect("host");
        Self { space, host }
    }

    /// The spec of a local team running `bot` with `config`.
    pub fn spec(team: &str, bot: &str, config: &[(&str, &str)]) -> TeamSpec {
        TeamSpec {
            id: TeamId::from(team),
            bot: Path::new(bot).to_path_buf(),
            token: Secret::new(""),
            app: None,
            config: config_of(config),
            source: TeamSource::Local,
        }
    }

    /// Adds a local team running `bot`.
    ///
    /// # Errors
    /// Whatever the host says.
    pub async fn add(
        &self,
        team: &str,
        bot: &str,
        config: &[(&str, &str)],
    ) -> Result<(), TeamError> {
        self.host.try_add(Self::spec(team, bot, config)).await
    }

    /// Applies a changed spec.
    ///
    /// # Errors
    /// Whatever the host says.
    pub async fn update(&self, spec: TeamSpec) -> Result<(), TeamError> {
        self.host.update(spec).await
    }

    /// Removes a team; returns whether it was served.
    pub async fn remove(&self, team: &TeamId) -> bool {
        self.host.remove(team).await
    }

    /// A served team's handle.
    pub fn handle(&self, team: &TeamId) -> Option<TeamHandle> {
        self.host.handle(team)
    }

    /// The spec a team is served with.
    pub fn spec_of(&self, team: &TeamId) -> Option<TeamSpec> {
        self.host.handle(team).map(|h| h.spec())
    }

    pub fn len(&self) -> usize {
        self.host.len()
    }

    pub fn is_empty(&self) -> bool {
        self.host.is_empty()
    }

    /// `user` says `text` in `place` of `team`; returns the transcript lines
    /// (the user's own line first) once the bot has handled it.
    ///
    /// # Panics
    /// On an unknown team, user or place, or a team that stopped.
    pub async fn say(&self, team: &str, user: &str, place: &str, text: &str) -> Vec<String> {
        let team = TeamId::from(team);
        let channel = self.space.resolve_place(&team, user, place).expect("place");
        let event = self
            .space
            .say(&team, user, &channel, text, None)
            .expect("say");
        let handle = self.host.handle(&team).expect("team served");
        handle.deliver(event).await.expect("deliver");
        handle.flush().await.expect("flush");
        self.lines()
    }

    /// Transcript lines recorded since the last call, as text.
    pub fn lines(&self) -> Vec<String> {
        self.space
            .take_lines()
            .iter()
            .map(ChatLine::to_string)
            .collect()
    }

    /// The bot's status in `team`.
    ///
    /// # Panics
    /// If the team is not served.
    pub fn status(&self, team: &str) -> BotStatus {
        self.host
            .handle(&TeamId::from(team))
            .expect("team served")
            .status()
    }

    /// Removes every team and waits for every task.
    pub async fn close(self) {
        self.host.close().await;
    }
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

/// A runtime configuration that shares the tests' compile cache, for the
/// Python and JS components (seconds to compile, milliseconds to load).
pub fn cached_runtime(max_teams: u32) -> RuntimeConfig {
    RuntimeConfig {
        max_teams,
        cache_dir: Some(guests::COMPILE_CACHE.into()),
        ..RuntimeConfig::default()
    }
}

/// Builds a [`BotConfig`] from pairs.
pub fn config_of(pairs: &[(&str, &str)]) -> BotConfig {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Writes `bytes` to a file `name` in this test run's temporary folder
/// (a bot file for a test to load) and returns its path.
///
/// # Panics
/// If the file cannot be written.
pub fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bothost-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

/// Captures this test's log lines (the test runtime is single-threaded, so
/// every task logs on this thread), at every level, without colours.
///
/// # Panics
/// Never in practice; a poisoned buffer lock panics.
pub fn capture_logs() -> Arc<Mutex<Vec<u8>>> {
    #[derive(Clone)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("logs").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let sink = Sink(buffer.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    // Leak the guard for the rest of this test thread.
    std::mem::forget(tracing::subscriber::set_default(subscriber));
    buffer
}
