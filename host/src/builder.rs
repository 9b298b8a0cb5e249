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
use crate::storage::{KvStore, MemoryStore, StorageQuota};
use crate::team::{TeamDeps, Teams};

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
#[derive(Debug)]
pub struct HostBuilder {
    runtime: RuntimeConfig,
    chats: Chats,
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
        }
    }

    /// A host whose teams live in a simulated local space.
    pub fn local(runtime: RuntimeConfig, space: Arc<LocalSpace>) -> Self {
        Self {
            runtime,
            chats: Chats::Local(space),
        }
    }

    /// A host whose teams are connected by `connector` (another transport,
    /// or a benchmark's null chat).
    pub fn with_connector(runtime: RuntimeConfig, connector: Arc<dyn Connector>) -> Self {
        Self {
            runtime,
            chats: Chats::Other(connector),
        }
    }

    /// Builds the runtime and the transports; no team is served yet.
    ///
    /// # Errors
    /// The runtime cannot start (e.g. the pool cannot be reserved), or the
    /// Slack API base URL is invalid.
    pub fn build(self) -> Result<Host, BuildError> {
        let runtime = Arc::new(BotRuntime::new(&self.runtime)?);
        let kv: Arc<dyn KvStore> = Arc::new(MemoryStore::new(StorageQuota::from(runtime.limits())));
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
                kv: kv.clone(),
                metrics: metrics.clone(),
            },
            shutdown.child(),
        );
        Ok(Host::new(teams, slack, metrics, kv, shutdown))
    }
}
