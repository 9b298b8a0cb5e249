//! Teams as actors: the registry, the per-team actor (supervisor), handles,
//! statuses and the view of a team from outside. This layer wires the
//! runtime and capabilities to the adapters, through the chat port.

mod boot;
mod calls;
mod cpu_share;
mod error;
mod handle;
mod idle;
mod inbox;
mod interrupt;
mod registry;
mod status;
mod supervisor;
mod view;

pub use error::TeamError;
pub use handle::TeamHandle;
pub use registry::{Admission, Teams};
pub use status::BotStatus;
pub(crate) use supervisor::TeamDeps;
pub use view::TeamView;
