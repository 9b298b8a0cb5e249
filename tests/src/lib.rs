//! Test harness: a host with a local chat space and any number of teams,
//! so a scenario reads like a story ("alice says hi in #general; the bot
//! answers"). Everything is real: runtime, team actors, capabilities; only
//! Slack is replaced by the local space.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::Mutex;

use bothost::ids::TeamId;
use bothost::local::{ChatLine, LocalSpace};
use bothost::profile::BotConfig;
use bothost::runtime::{BotRuntime, RuntimeConfig};
use bothost::shutdown::Shutdown;
use bothost::storage::MemoryStore;
use bothost::team::{BotStatus, TeamError, TeamManager, TeamSpec};

pub use bothost_guests as guests;

pub mod fake_slack;
pub mod slack_env;

/// A host serving local teams.
#[derive(Debug)]
pub struct Harness {
    pub space: Arc<LocalSpace>,
    pub manager: TeamManager,
    pub shutdown: Shutdown,
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
        let runtime = Arc::new(BotRuntime::new(&config).expect("runtime"));
        let space = Arc::new(LocalSpace::new());
        let kv = Arc::new(MemoryStore::new(runtime.limits().storage_quota()));
        let shutdown = Shutdown::new();
        let manager = TeamManager::new(runtime, space.clone(), kv, shutdown.clone());
        Self {
            space,
            manager,
            shutdown,
        }
    }

    /// The spec of a local team running `bot` with `config`.
    pub fn spec(team: &str, bot: &str, config: &[(&str, &str)]) -> TeamSpec {
        TeamSpec {
            info: LocalSpace::team_info(team, &format!("Team {team}")),
            bot: Path::new(bot).to_path_buf(),
            config: config_of(config),
        }
    }

    /// Adds a local team running `bot`.
    ///
    /// # Errors
    /// Whatever the manager says.
    pub async fn add(
        &self,
        team: &str,
        bot: &str,
        config: &[(&str, &str)],
    ) -> Result<(), TeamError> {
        self.space.add_team(&TeamId::from(team));
        self.manager.add(Self::spec(team, bot, config)).await
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
        let handle = self.manager.handle(&team).expect("team served");
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
        self.manager
            .handle(&TeamId::from(team))
            .expect("team served")
            .status()
    }

    /// Removes every team and waits for every task.
    pub async fn close(self) {
        self.manager.shutdown().await;
        self.shutdown.close().await;
    }
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

/// Builds a [`BotConfig`] from pairs.
pub fn config_of(pairs: &[(&str, &str)]) -> BotConfig {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
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
