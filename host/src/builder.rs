//! The one way to build a [`Host`]: `bothost serve`, `bothost local` and
//! the test harnesses all go through [`HostBuilder`], so they run the same
//! parts wired the same way and differ only in where teams' chats live.

use std::sync::Arc;

use thiserror::Error;

use crate::capabilities::BotRuntime;
use crate::chat::Connector;
use crate::host::Host;
use crate::local::{LocalConnector, LocalSpace};
use crate::metrics::Metrics;
use crate::runtime::{RuntimeConfig, RuntimeError};
use crate::shutdown::Shutdown;
use crate::slack::api::{ApiError, WebClient};
use crate::slack::{SlackHub, Tuning};
use crate::storage::{Storage, StorageQuota};
use crate::team::{TeamDeps, Teams};

/// How long a removed team's key-value state and timers are kept unless
/// configured: re-adding the team within it finds them again.
pub const DEFAULT_RETENTION: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// Why a host could not be built.
#[derive(Debug, Error)]
pub enum BuildError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// Where teams' chats live.
enum Chats {
    Slack { api_base: String, tuning: Tuning },
    Local(Arc<LocalSpace>),
    Other(Arc<dyn Connector>),
}

impl std::fmt::Debug for Chats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Chats::Slack { api_base, .. } => write!(f, "Slack({api_base})"),
            Chats::Local(_) => f.write_str("Local"),
            Chats::Other(_) => f.write_str("Other"),
        }
    }
}

/// Builds a host.
pub struct HostBuilder {
    runtime: RuntimeConfig,
    chats: Chats,
    /// `None`: in memory, nothing survives the process.
    storage: Option<Storage>,
    retention: std::time::Duration,
}

impl std::fmt::Debug for HostBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostBuilder")
            .field("chats", &self.chats)
            .field("durable", &self.storage.is_some())
            .finish_non_exhaustive()
    }
}

impl HostBuilder {
    /// A host whose teams are Slack workspaces, reached at `api_base`.
    pub fn slack(runtime: RuntimeConfig, api_base: impl Into<String>, tuning: Tuning) -> Self {
        Self {
            runtime,
            chats: Chats::Slack {
                api_base: api_base.into(),
                tuning,
            },
            storage: None,
            retention: DEFAULT_RETENTION,
        }
    }

    /// A host whose teams live in a simulated local space.
    pub fn local(runtime: RuntimeConfig, space: Arc<LocalSpace>) -> Self {
        Self {
            runtime,
            chats: Chats::Local(space),
            storage: None,
            retention: DEFAULT_RETENTION,
        }
    }

    /// A host whose teams are connected by `connector` (another transport,
    /// or a benchmark's null chat).
    pub fn with_connector(runtime: RuntimeConfig, connector: Arc<dyn Connector>) -> Self {
        Self {
            runtime,
            chats: Chats::Other(connector),
            storage: None,
            retention: DEFAULT_RETENTION,
        }
    }

    /// Keeps teams, key-value state and timers in `storage` (the embedded
    /// database) instead of memory; a removed team's state is kept for
    /// `retention`, then purged.
    #[must_use]
    pub fn storage(mut self, storage: Storage, retention: std::time::Duration) -> Self {
        self.storage = Some(storage);
        self.retention = retention;
        self
    }

    /// Builds the runtime and the transports; no team is served yet.
    ///
    /// # Errors
    /// The runtime cannot start (e.g. the pool cannot be reserved), or the
    /// Slack API base URL is invalid.
    pub fn build(self) -> Result<Host, BuildError> {
        let runtime = Arc::new(BotRuntime::new(&self.runtime)?);
        let storage = self
            .storage
            .unwrap_or_else(|| Storage::memory(StorageQuota::from(runtime.limits())));
        let metrics = Arc::new(Metrics::default());
        let shutdown = Shutdown::new();
        let (connector, slack): (Arc<dyn Connector>, _) = match self.chats {
            Chats::Slack { api_base, tuning } => {
                let web = WebClient::new(&api_base)?;
                let hub = Arc::new(SlackHub::new(
                    web,
                    tuning,
                    metrics.clone(),
                    shutdown.child(),
                ));
                (hub.clone(), Some(hub))
            }
            Chats::Local(space) => (Arc::new(LocalConnector::new(space)), None),
            Chats::Other(connector) => (connector, None),
        };
        let teams = Teams::new(
            TeamDeps {
                runtime,
                connector,
                storage: storage.clone(),
                metrics: metrics.clone(),
            },
            shutdown.child(),
        );
        Ok(Host::new(
            teams,
            slack,
            metrics,
            storage,
            self.retention,
            shutdown,
        ))
    }
}
