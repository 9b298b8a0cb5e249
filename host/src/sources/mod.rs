//! Resource sources: where the host learns which teams to serve. Each ends
//! in the same add / update / remove calls on the [`Host`](crate::host::Host):
//! the teams file (watched), the admin API, and the Beep Boop resourcer.

pub mod lanes;
pub mod reconcile;
pub mod resourcer;
pub mod teams_file;

pub use reconcile::{Report, reconcile};
pub use resourcer::ResourcerSource;
pub use teams_file::{EnvLookup, FileTeams, WatchStats, read_teams, watch};
