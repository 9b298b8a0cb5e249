//! `bothost serve` as a library function: build the host from the config
//! file, start every configured source (teams file, admin API, resourcer),
//! run until `stop` resolves, then shut everything down in order.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;

use crate::admin::{self, AdminState};
use crate::config::{ConfigError, HostConfig};
use crate::resourcer::{ResourcerConfig, ResourcerError};
use crate::runtime::RuntimeConfig;
use crate::secret::Secret;
use crate::serve::{Host, HostError};
use crate::shutdown::Shutdown;
use crate::slack::Tuning;
use crate::sources::{EnvLookup, FileTeams, ResourcerSource};

#[derive(Debug, Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Host(#[from] HostError),
    #[error(transparent)]
    Resourcer(#[from] ResourcerError),
    #[error("admin API: {0}")]
    Admin(std::io::Error),
    #[error("watching {path}: {error}")]
    Watch { path: PathBuf, error: String },
}

/// Where compiled components are cached unless configured.
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("bothost"))
}

/// Serves what `config_path` describes until `stop` resolves.
///
/// # Errors
/// A bad config file, a missing token variable, an admin address that
/// cannot be bound. Teams that fail to start are logged, not fatal.
pub async fn serve(
    config_path: &Path,
    env: EnvLookup,
    stop: impl Future<Output = ()>,
) -> Result<(), AppError> {
    let config = HostConfig::load(config_path).await?;
    // Everything from the environment first: a missing variable is an
    // error before any task or connection exists.
    let (apps, _) = config.resolve(env.as_ref())?;
    let admin = match &config.admin {
        Some(section) => {
            let token = env(&section.token_env)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| ConfigError::MissingEnv {
                    var: section.token_env.clone(),
                    what: "admin API".into(),
                })?;
            Some((section.clone(), Secret::new(token)))
        }
        None => None,
    };
    let resourcer = ResourcerConfig::from_env(|v| env(v))?;
    let runtime = RuntimeConfig {
        max_teams: config.runtime.max_teams,
        cache_dir: config.runtime.cache_dir.clone().or_else(default_cache_dir),
        limits: config.limits.clone(),
    };
    let shutdown = Shutdown::new();
    let host = Arc::new(Host::new(
        &runtime,
        &config.slack.api_base,
        Tuning::default(),
        shutdown.child(),
    )?);
    if let Some((section, token)) = admin {
        let state = Arc::new(AdminState {
            host: host.clone(),
            token,
        });
        // Bound before anything else runs, so a taken port leaves nothing
        // behind.
        if let Err(e) = admin::start(section.bind, state, &shutdown).await {
            shutdown.close().await;
            return Err(AppError::Admin(e));
        }
    }

    for app in apps {
        host.add_app(app);
    }

    // The teams file: applied now, then watched. On failure, everything
    // started so far is stopped before the error is returned.
    if let Err(e) = start_file_source(&host, config_path, &env, &shutdown).await {
        shutdown.cancel();
        host.close().await;
        shutdown.close().await;
        return Err(e);
    }

    if let Some(resourcer) = resourcer {
        let section = config.resourcer.clone();
        let source = ResourcerSource {
            host: host.clone(),
            bot: section
                .as_ref()
                .map_or_else(|| PathBuf::from("bot.wasm"), |s| s.bot.clone()),
            app: section.as_ref().and_then(|s| s.app.clone()),
            grace: Duration::from_secs(section.as_ref().map_or(30, |s| s.grace_secs)),
        };
        if section.is_none() {
            tracing::warn!(
                "BEEPBOOP_RESOURCER is set but the config has no [resourcer] section; using bot.wasm"
            );
        }
        let token = shutdown.token().clone();
        shutdown.spawn(source.run(resourcer, token));
    } else if config.resourcer.is_some() {
        tracing::warn!(
            "[resourcer] is configured but BEEPBOOP_RESOURCER is not set; resourcer off"
        );
    }

    tracing::info!(teams = host.manager().len(), "bothost serving");
    stop.await;
    tracing::info!("shutting down");
    shutdown.cancel();
    host.close().await;
    shutdown.close().await;
    Ok(())
}

/// Applies the config file's teams, then watches the file.
async fn start_file_source(
    host: &Arc<Host>,
    config_path: &Path,
    env: &EnvLookup,
    shutdown: &Shutdown,
) -> Result<(), AppError> {
    let mut file = FileTeams::default();
    let report = file.reload(host, config_path, env.as_ref()).await?;
    tracing::info!(
        teams = report.added.len(),
        failed = report.failed.len(),
        "teams file applied"
    );
    let watcher = crate::sources::watch(
        config_path.to_path_buf(),
        host.clone(),
        file,
        env.clone(),
        shutdown.token().clone(),
    )
    .map_err(|e| AppError::Watch {
        path: config_path.to_path_buf(),
        error: e.to_string(),
    })?;
    shutdown.spawn(watcher);
    Ok(())
}
