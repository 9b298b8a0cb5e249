//! The teams section of the config file, watched: edits (add, change or
//! remove a team) are applied while running. A file that no longer parses
//! is reported and ignored; the teams keep running as they were.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::reconcile::{Report, reconcile};
use crate::config::{ConfigError, HostConfig, ResolvedTeam};
use crate::ids::TeamId;
use crate::serve::Host;

/// Quiet time after a change before reloading: editors write in bursts.
const SETTLE: Duration = Duration::from_millis(200);

/// Looks an environment variable up (injected so tests need no process
/// environment).
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Reads the file's teams with their tokens resolved.
///
/// # Errors
/// The file cannot be read or parsed, or a token variable is unset.
pub async fn read_teams(
    path: &Path,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<Vec<ResolvedTeam>, ConfigError> {
    let config = HostConfig::load(path).await?;
    Ok(config.resolve(env)?.1)
}

/// The file's teams as served now.
#[derive(Debug, Default)]
pub struct FileTeams {
    current: HashMap<TeamId, ResolvedTeam>,
}

impl FileTeams {
    /// Re-reads the file and reconciles; a bad file changes nothing.
    ///
    /// # Errors
    /// The file cannot be read or parsed, or a token variable is unset.
    pub async fn reload(
        &mut self,
        host: &Host,
        path: &Path,
        env: &(dyn Fn(&str) -> Option<String> + Sync),
    ) -> Result<Report, ConfigError> {
        let desired = read_teams(path, env).await?;
        Ok(reconcile(host, &mut self.current, desired).await)
    }
}

/// Starts watching `path` now (so no edit after this call is missed) and
/// returns the task that reconciles on every change until cancelled; the
/// caller spawns it.
///
/// # Errors
/// The platform's file watcher cannot be set up.
pub fn watch(
    path: PathBuf,
    host: Arc<Host>,
    mut teams: FileTeams,
    env: EnvLookup,
    cancel: CancellationToken,
) -> notify::Result<impl Future<Output = ()> + Send + 'static> {
    let (tx, mut rx) = mpsc::channel::<()>(1);
    let name = path.file_name().map(ToOwned::to_owned);
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let relevant =
            event.is_ok_and(|e| e.paths.iter().any(|p| p.file_name() == name.as_deref()));
        if relevant {
            // A full queue already means "reload pending".
            let _ = tx.try_send(());
        }
    })?;
    // Watch the directory: editors often replace the file by renaming.
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    watcher.watch(&dir, RecursiveMode::NonRecursive)?;
    Ok(async move {
        // Owned by the task: dropping it stops the notifications.
        let _watcher = watcher;
        loop {
            tokio::select! {
                () = cancel.cancelled() => break,
                changed = rx.recv() => {
                    if changed.is_none() {
                        break;
                    }
                    tokio::time::sleep(SETTLE).await;
                    while rx.try_recv().is_ok() {}
                    match teams.reload(&host, &path, env.as_ref()).await {
                        Ok(report) => tracing::info!(
                            added = report.added.len(),
                            updated = report.updated.len(),
                            removed = report.removed.len(),
                            unchanged = report.unchanged,
                            failed = report.failed.len(),
                            "teams file reloaded"
                        ),
                        Err(e) => tracing::error!(
                            error = %e,
                            "teams file not applied; keeping the current teams"
                        ),
                    }
                }
            }
        }
    })
}
