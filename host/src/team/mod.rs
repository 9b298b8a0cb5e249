//! Teams as actors: the manager, the per-team supervisor, handles and
//! statuses. This layer wires the runtime to the adapters.

mod backoff;
mod error;
mod handle;
mod manager;
mod sink;
mod spec;
mod status;
mod supervisor;

pub use error::TeamError;
pub use handle::TeamHandle;
pub use manager::{TeamManager, TeamReport};
pub use spec::TeamSpec;
pub use status::BotStatus;
