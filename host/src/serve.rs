//! The `bothost serve` command as a library function: build the host from
//! the config file, start every configured source (teams file, admin API,
//! resourcer), run until `stop` resolves, then shut everything down with
//! the host's one shutdown sequence.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use thiserror::Error;

use crate::admin::{self, AdminState};
use crate::builder::{BuildError, HostBuilder};
use crate::config::{AdminSection, ConfigError, HostConfig, Resolved, StorageSection};
use crate::host::Host;
use crate::progress;
use crate::resourcer::{ResourcerConfig, ResourcerError};
use crate::runtime::RuntimeConfig;
use crate::secret::Secret;
use crate::slack::Tuning;
use crate::sources::{EnvLookup, FileTeams, ResourcerSource};
use crate::storage::{Storage, StorageError, StorageKey, StorageOpenError, StorageQuota};

#[derive(Debug, Error)]
pub enum ServeError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Resourcer(#[from] ResourcerError),
    #[error("admin API: {0}")]
    Admin(#[from] admin::AdminError),
    #[error("Slack request listener: {0}")]
    Http(admin::AdminError),
    #[error("watching {path}: {error}")]
    Watch { path: PathBuf, error: String },
    #[error(transparent)]
    Storage(#[from] StorageOpenError),
    #[error(
        "storage: no data directory (neither XDG_DATA_HOME nor HOME is set); set [storage] path"
    )]
    NoDataDir,
    #[error("storage: opening stopped: {0}")]
    StorageTask(String),
    #[error("storage: the registry of teams cannot be read: {0}")]
    Resume(StorageError),
    #[error(transparent)]
    Install(#[from] crate::install::InstallError),
}

/// How often a progress line is logged while teams start.
const STARTUP_PROGRESS: Duration = Duration::from_secs(2);

/// Where compiled components are cached unless configured.
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("bothost"))
}

/// Where the database lives unless configured: `bothost/bothost.db` under
/// the user's data directory.
pub fn default_database(env: &(dyn Fn(&str) -> Option<String> + Sync)) -> Option<PathBuf> {
    let base = env("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            env("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".local/share"))
        })?;
    Some(base.join("bothost").join("bothost.db"))
}

/// Opens the configured storage: `None` for `:memory:` (the host keeps
/// everything in memory), else the embedded database with its key. Runs off
/// the async threads (it reads the key file and opens the database).
///
/// # Errors
/// No data directory for the default path, a missing or wrong key, a
/// database that cannot be opened.
pub async fn open_storage(
    section: &StorageSection,
    env: &EnvLookup,
    quota: StorageQuota,
) -> Result<Option<Storage>, ServeError> {
    if section.in_memory() {
        return Ok(None);
    }
    let path = match &section.path {
        Some(path) => path.clone(),
        None => default_database(env.as_ref()).ok_or(ServeError::NoDataDir)?,
    };
    let key_env = section.key_env.clone();
    let env = env.clone();
    let opened = tokio::task::spawn_blocking(move || {
        open_database(&path, key_env.as_deref(), &|v: &str| env(v), quota)
    })
    .await
    .map_err(|e| ServeError::StorageTask(e.to_string()))??;
    Ok(Some(opened))
}

/// Loads the key (from `key_env`, else the key file beside the database)
/// and opens the database at `path`. Blocking: `serve` runs it on a
/// blocking thread, `bothost local --state` before its runtime starts.
///
/// # Errors
/// A missing or malformed key, a wrong key, a database that cannot be
/// opened.
pub fn open_database(
    path: &Path,
    key_env: Option<&str>,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
    quota: StorageQuota,
) -> Result<Storage, StorageOpenError> {
    let key = StorageKey::load(key_env, env, path)?;
    let storage = Storage::open(path, key, quota)?;
    tracing::info!(path = %path.display(), "storage opened");
    Ok(storage)
}

/// What the command line adds to the config file.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// How often to log the INFO summary of teams and reconnects; `None`
    /// turns it off.
    pub summary_every: Option<Duration>,
    /// The `bothost` binary, to compile components in a child process
    /// under a memory ceiling (`bothost serve` sets it to itself).
    pub compile_worker: Option<PathBuf>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            summary_every: Some(crate::summary::DEFAULT_EVERY),
            compile_worker: None,
        }
    }
}

/// Serves what `config_path` describes until `stop` resolves.
///
/// # Errors
/// A bad config file, a missing token variable, an admin address that
/// cannot be bound. Teams that fail to start are logged, not fatal.
pub async fn serve(
    config_path: &Path,
    env: EnvLookup,
    options: &ServeOptions,
    stop: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    let config = HostConfig::load(config_path).await?;
    // Everything from the environment first: a missing variable is an
    // error before any task or connection exists.
    let resolved = config.resolve(env.as_ref())?;
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
    // The client secrets of installable apps, checked now too.
    config.oauth_apps(env.as_ref())?;
    let resourcer = ResourcerConfig::from_env(|v| env(v))?;
    let storage = open_storage(&config.storage, &env, StorageQuota::from(&config.limits)).await?;
    let runtime = RuntimeConfig {
        max_teams: config.runtime.max_teams,
        cache_dir: config.runtime.cache_dir.clone().or_else(default_cache_dir),
        limits: config.limits.clone(),
        compile_worker: options.compile_worker.clone(),
    };
    let mut builder = HostBuilder::slack(runtime, config.slack.api_base.clone(), Tuning::default());
    if let Some(storage) = storage {
        builder = builder.storage(storage, config.storage.retention());
    }
    let host = Arc::new(builder.build()?);
    let started = start(
        &host,
        &config,
        config_path,
        &env,
        resolved,
        admin,
        resourcer,
    )
    .await;
    if started.is_ok() {
        if let Some(every) = options.summary_every {
            let cancel = host.tasks().token().clone();
            host.tasks()
                .spawn(crate::summary::run(host.clone(), every, cancel));
        }
        tracing::info!(teams = host.len(), "bothost serving");
        stop.await;
        tracing::info!("shutting down");
    }
    // The one shutdown sequence, after a clean run or a failed start alike.
    host.close().await;
    started
}

/// Starts the admin API (bound first, so a taken port leaves nothing
/// behind), the Socket Mode apps, the teams file and the resourcer.
async fn start(
    host: &Arc<Host>,
    config: &HostConfig,
    config_path: &Path,
    env: &EnvLookup,
    resolved: Resolved,
    admin: Option<(AdminSection, Secret)>,
    resourcer: Option<ResourcerConfig>,
) -> Result<(), ServeError> {
    if let Some((section, token)) = admin {
        let state = Arc::new(AdminState {
            host: host.clone(),
            token,
        });
        admin::start(section.bind, state, host.tasks()).await?;
    }
    host.serve_uninstalls();
    for app in resolved.apps {
        host.add_app(app);
    }
    let has_http_apps = !resolved.http_apps.is_empty();
    for app in resolved.http_apps {
        host.add_http_app(app);
    }
    let installer = installer(host, config, env)?;
    // Bound now (a taken port fails the start before any team runs), served
    // once the stored teams are back: until then Slack's requests wait in
    // the socket's backlog (or time out and are retried) instead of being
    // acked for a team that is not attached yet and lost.
    let http = match &config.http {
        Some(section) => {
            let bind = |source| {
                ServeError::Http(admin::AdminError::Bind {
                    addr: section.bind,
                    source,
                })
            };
            Some(
                tokio::net::TcpListener::bind(section.bind)
                    .await
                    .map_err(bind)?,
            )
        }
        None => {
            if has_http_apps {
                tracing::warn!(
                    "apps have a signing secret but there is no [http] section: no request URL is served"
                );
            }
            None
        }
    };
    let progress =
        progress::log_startup(host.clone(), STARTUP_PROGRESS, host.tasks().token().clone());
    host.tasks().spawn(progress);
    // Every team served before the restart, before any source speaks: the
    // sources then find their teams running and apply only what changed.
    // The teams file is read now, so a stored file team it no longer lists
    // is not started only to be removed a moment later.
    let listed: std::collections::HashSet<crate::ids::TeamId> =
        config.teams.iter().map(|t| t.id.clone()).collect();
    let still_wanted = |spec: &crate::spec::TeamSpec| {
        spec.source != crate::spec::TeamSource::File || listed.contains(&spec.id)
    };
    let resumed = host
        .resume(still_wanted)
        .await
        .map_err(ServeError::Resume)?;
    if resumed > 0 {
        tracing::info!(teams = resumed, "stored teams resumed");
    }
    if let Some(listener) = http {
        // One listener for everything Slack and browsers send: events,
        // commands and interactivity, and the install pages.
        let mut router = host.slack_router().unwrap_or_default();
        if let Some(installer) = &installer {
            router = router.merge(crate::install::router(installer.clone()));
        }
        if let Ok(bound) = listener.local_addr() {
            tracing::info!(%bound, "Slack request listener listening");
        }
        admin::serve_bound(listener, router, host.tasks(), "Slack request listener");
    }
    // Renewal skips teams the host does not serve: after the resume.
    if let Some(installer) = installer {
        installer
            .start_rotation()
            .await
            .map_err(ServeError::Resume)?;
    }
    start_file_source(host, config_path, env).await?;
    if let Some(resourcer) = resourcer {
        let section = config.resourcer.clone();
        let source = ResourcerSource::new(
            host.clone(),
            section
                .as_ref()
                .map_or_else(|| PathBuf::from("bot.wasm"), |s| s.bot.clone()),
            section.as_ref().and_then(|s| s.app.clone()),
            Duration::from_secs(section.as_ref().map_or(30, |s| s.grace_secs)),
        );
        if section.is_none() {
            tracing::warn!(
                "BEEPBOOP_RESOURCER is set but the config has no [resourcer] section; using bot.wasm"
            );
        }
        let scope = host.tasks().child();
        host.tasks().spawn(source.run(resourcer, scope));
    } else if config.resourcer.is_some() {
        tracing::warn!(
            "[resourcer] is configured but BEEPBOOP_RESOURCER is not set; resourcer off"
        );
    }
    Ok(())
}

/// What serves the "Add to Slack" routes of the installable apps and
/// renews their rotating tokens; `None` without installable apps or
/// without an `[http]` listener to reach them.
fn installer(
    host: &Arc<Host>,
    config: &HostConfig,
    env: &EnvLookup,
) -> Result<Option<Arc<crate::install::Installer>>, ServeError> {
    let apps = config.oauth_apps(env.as_ref())?;
    if apps.is_empty() {
        return Ok(None);
    }
    let Some(http) = &config.http else {
        tracing::warn!("[[apps]] with client_id are installable only with an [http] section");
        return Ok(None);
    };
    let Some(public_url) = http.public_url.clone() else {
        return Err(ConfigError::Invalid(
            "[http] public_url is needed for installable apps".into(),
        )
        .into());
    };
    let settings = crate::install::InstallSettings {
        public_url,
        authorize_url: config.slack.authorize_url.clone(),
        state_ttl: crate::install::STATE_TTL,
    };
    Ok(Some(crate::install::Installer::new(
        host.clone(),
        apps,
        settings,
    )?))
}

/// Applies the config file's teams, then watches the file.
async fn start_file_source(
    host: &Arc<Host>,
    config_path: &Path,
    env: &EnvLookup,
) -> Result<(), ServeError> {
    let mut file = FileTeams::adopt(host);
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
        host.tasks().token().clone(),
    )
    .map_err(|e| ServeError::Watch {
        path: config_path.to_path_buf(),
        error: e.to_string(),
    })?;
    host.tasks().spawn(watcher);
    Ok(())
}
