//! Bringing the served teams of one source in line with what the source
//! wants: add what is new, update what changed, remove what is gone, and
//! leave everything else untouched (no restart, no lost state). A source
//! only ever changes its own teams: a team another source serves is
//! refused (reported as failed), never counted as this source's.

use std::collections::HashMap;

use futures_util::StreamExt;

use crate::host::{ChangeError, Host, StoredState};
use crate::ids::TeamId;
use crate::spec::TeamSpec;

/// What a reconcile did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub added: Vec<TeamId>,
    pub updated: Vec<TeamId>,
    pub removed: Vec<TeamId>,
    pub unchanged: usize,
    /// Teams whose change failed, with why; they stay as they were.
    pub failed: Vec<(TeamId, String)>,
}

/// Teams added or updated at once by one reconcile.
const CONCURRENT_CHANGES: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Add,
    Update,
}

/// Applies `desired` for a source whose teams are `current` (updated in
/// place to what is now served). Teams of other sources are never touched:
/// wanting one is a failure of that team, and a removed team is removed
/// only if it is still this source's.
pub async fn reconcile(
    host: &Host,
    current: &mut HashMap<TeamId, TeamSpec>,
    desired: Vec<TeamSpec>,
) -> Report {
    let mut report = Report::default();
    let wanted: std::collections::HashSet<TeamId> = desired.iter().map(|t| t.id.clone()).collect();
    let gone: Vec<TeamId> = current
        .keys()
        .filter(|id| !wanted.contains(*id))
        .cloned()
        .collect();
    for id in gone {
        let Some(old) = current.remove(&id) else {
            continue;
        };
        match host.remove_as(&old.source, &id, StoredState::Purge).await {
            Ok(_) => report.removed.push(id),
            // Not ours (any more): left alone, and forgotten.
            Err(e) => report.failed.push((id, e.to_string())),
        }
    }
    // Teams are independent: start and change them several at a time, so
    // one slow team (a big workspace, a slow bot) does not hold up the rest.
    let mut changes = Vec::new();
    for team in desired {
        match current.get(&team.id) {
            Some(old) if *old == team => report.unchanged += 1,
            Some(_) => changes.push((Change::Update, team)),
            None => changes.push((Change::Add, team)),
        }
    }
    let mut outcomes =
        futures_util::stream::iter(changes.into_iter().map(|(change, team)| async move {
            let result = match change {
                Change::Update => host.update_as(team.clone()).await,
                Change::Add => host.add_as(team.clone()).await,
            };
            (change, team, result)
        }))
        .buffer_unordered(CONCURRENT_CHANGES);
    while let Some((change, team, result)) = outcomes.next().await {
        let id = team.id.clone();
        match (change, result) {
            (Change::Update, Ok(())) => {
                current.insert(id.clone(), team);
                report.updated.push(id);
            }
            (Change::Add, Ok(())) => {
                current.insert(id.clone(), team);
                report.added.push(id);
            }
            (change, Err(e)) => {
                if let ChangeError::NotOwner { .. } = e {
                    // Another source's team: never ours to remember.
                    current.remove(&id);
                } else if change == Change::Add && host.contains(&id) {
                    // An added team that could not start stays served (its
                    // status says why): remember it, so a fixed entry
                    // becomes an update.
                    current.insert(id.clone(), team);
                }
                report.failed.push((id, e.to_string()));
            }
        }
    }
    report.added.sort();
    report.updated.sort();
    report.failed.sort();
    for (team, why) in &report.failed {
        tracing::warn!(%team, error = %why, "team change not applied");
    }
    report
}
