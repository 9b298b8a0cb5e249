//! Bringing the served teams of one source in line with what the source
//! wants: add what is new, update what changed, remove what is gone, and
//! leave everything else untouched (no restart, no lost state).

use std::collections::HashMap;

use crate::config::ResolvedTeam;
use crate::ids::TeamId;
use crate::serve::Host;

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

/// Applies `desired` for a source whose teams are `current` (updated in
/// place to what is now served). Teams of other sources are never touched.
pub async fn reconcile(
    host: &Host,
    current: &mut HashMap<TeamId, ResolvedTeam>,
    desired: Vec<ResolvedTeam>,
) -> Report {
    let mut report = Report::default();
    let wanted: std::collections::HashSet<TeamId> = desired.iter().map(|t| t.id.clone()).collect();
    let gone: Vec<TeamId> = current
        .keys()
        .filter(|id| !wanted.contains(*id))
        .cloned()
        .collect();
    for id in gone {
        host.remove(&id).await;
        current.remove(&id);
        report.removed.push(id);
    }
    for team in desired {
        let id = team.id.clone();
        match current.get(&id) {
            Some(old) if *old == team => report.unchanged += 1,
            Some(_) => match host.update(team.clone()).await {
                Ok(()) => {
                    current.insert(id.clone(), team);
                    report.updated.push(id);
                }
                Err(e) => report.failed.push((id, e.to_string())),
            },
            None => match host.add(team.clone()).await {
                Ok(()) => {
                    current.insert(id.clone(), team);
                    report.added.push(id);
                }
                Err(e) => {
                    // A bot whose init refused is served (status failed):
                    // remember it so a fixed entry becomes an update.
                    if host.manager().handle(&id).is_some() {
                        current.insert(id.clone(), team);
                    }
                    report.failed.push((id, e.to_string()));
                }
            },
        }
    }
    for (team, why) in &report.failed {
        tracing::warn!(%team, error = %why, "team change not applied");
    }
    report
}
