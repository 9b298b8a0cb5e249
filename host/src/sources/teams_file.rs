//! The teams section of the config file, watched: edits (add, change or
//! remove a team) are applied while running. A file that no longer parses
//! is reported and ignored; the teams keep running as they were.
//!
//! Only changes of content count: file-system events are settled (editors
//! write in bursts), reads and metadata changes are ignored, and a file
//! whose bytes hash the same as the last applied version is not reloaded.
//! Reading the file (the host's own reload included) can therefore never
//! cause a reload.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::RecursiveMode;
use notify::event::{EventKind, ModifyKind};
use notify_debouncer_full::{DebounceEventResult, new_debouncer};
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, watch as watch_channel};
use tokio_util::sync::CancellationToken;

use super::reconcile::{Report, reconcile};
use crate::config::{ConfigError, HostConfig};
use crate::host::Host;
use crate::ids::TeamId;
use crate::spec::TeamSpec;

/// Quiet time after a change before reloading: editors write in bursts.
const SETTLE: Duration = Duration::from_millis(200);

/// Looks an environment variable up (injected so tests need no process
/// environment).
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// What the watcher did so far: how often a change made it look at the
/// file (counted once decided), and how often content was applied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WatchStats {
    pub checked: u64,
    pub applied: u64,
}

/// Reads the file's teams with their tokens resolved.
///
/// # Errors
/// The file cannot be read or parsed, or a token variable is unset.
pub async fn read_teams(
    path: &Path,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<Vec<TeamSpec>, ConfigError> {
    let config = HostConfig::load(path).await?;
    Ok(config.resolve(env)?.teams)
}

/// The file's teams as served now.
#[derive(Debug)]
pub struct FileTeams {
    current: HashMap<TeamId, TeamSpec>,
    /// Hash of the content last applied.
    applied: Option<[u8; 32]>,
    stats: watch_channel::Sender<WatchStats>,
}

impl Default for FileTeams {
    fn default() -> Self {
        Self {
            current: HashMap::new(),
            applied: None,
            stats: watch_channel::channel(WatchStats::default()).0,
        }
    }
}

impl FileTeams {
    /// The file's teams as the host serves them now: those it resumed from
    /// its registry after a restart. The first reload then applies only
    /// what changed in the file while the host was down (a team removed
    /// from it is removed; one edited is updated; the rest are untouched).
    pub fn adopt(host: &Host) -> Self {
        let mut teams = Self::default();
        for spec in host.specs_of(|source| *source == crate::spec::TeamSource::File) {
            teams.current.insert(spec.id.clone(), spec);
        }
        teams
    }

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
        let text = read(path).await?;
        self.apply(host, path, &text, env).await
    }

    /// Like [`reload`](Self::reload), but only if the content changed since
    /// the last one applied; `None` when it did not.
    ///
    /// # Errors
    /// As [`reload`](Self::reload).
    pub async fn reload_if_changed(
        &mut self,
        host: &Host,
        path: &Path,
        env: &(dyn Fn(&str) -> Option<String> + Sync),
    ) -> Result<Option<Report>, ConfigError> {
        let text = read(path).await;
        let result = match text {
            Ok(text) if self.applied == Some(digest(&text)) => {
                tracing::debug!(path = %path.display(), "teams file unchanged; not reloaded");
                Ok(None)
            }
            Ok(text) => self.apply(host, path, &text, env).await.map(Some),
            Err(e) => Err(e),
        };
        // Counted once the outcome is known, so whoever watches the count
        // sees the decision with it.
        self.stats.send_modify(|s| s.checked += 1);
        result
    }

    async fn apply(
        &mut self,
        host: &Host,
        path: &Path,
        text: &str,
        env: &(dyn Fn(&str) -> Option<String> + Sync),
    ) -> Result<Report, ConfigError> {
        let desired = HostConfig::from_text(path, text)?.resolve(env)?.teams;
        let report = reconcile(host, &mut self.current, desired).await;
        self.applied = Some(digest(text));
        self.stats.send_modify(|s| s.applied += 1);
        Ok(report)
    }

    /// Watches what this source does (for tests and status pages).
    pub fn stats(&self) -> watch_channel::Receiver<WatchStats> {
        self.stats.subscribe()
    }
}

async fn read(path: &Path) -> Result<String, ConfigError> {
    tokio::fs::read_to_string(path)
        .await
        .map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// Whether an event can have changed the file's content (not a read, not
/// a metadata change).
fn changes_content(kind: &EventKind) -> bool {
    match kind {
        EventKind::Create(_) | EventKind::Remove(_) | EventKind::Any => true,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Modify(_) => true,
        EventKind::Access(_) | EventKind::Other => false,
    }
}

/// Starts watching `path` now (so no edit after this call is missed) and
/// returns the task that reconciles on every change of content until
/// cancelled; the caller spawns it.
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
    let mut debouncer = new_debouncer(SETTLE, None, move |result: DebounceEventResult| {
        let Ok(events) = result else { return };
        let relevant = events.iter().any(|e| {
            changes_content(&e.kind) && e.paths.iter().any(|p| p.file_name() == name.as_deref())
        });
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
    debouncer.watch(&dir, RecursiveMode::NonRecursive)?;
    Ok(async move {
        // Owned by the task: dropping it stops the notifications.
        let _debouncer = debouncer;
        loop {
            tokio::select! {
                () = cancel.cancelled() => break,
                changed = rx.recv() => {
                    if changed.is_none() {
                        break;
                    }
                    match teams.reload_if_changed(&host, &path, env.as_ref()).await {
                        Ok(Some(report)) => tracing::info!(
                            added = report.added.len(),
                            updated = report.updated.len(),
                            removed = report.removed.len(),
                            unchanged = report.unchanged,
                            failed = report.failed.len(),
                            "teams file reloaded"
                        ),
                        Ok(None) => {}
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
