//! Local mode: run any bot with no Slack at all, in a terminal chat or from
//! a script, against a simulated team.

mod driver;
mod script;
mod session;
mod space;
mod transcript;

pub use driver::{Cursor, Flow, LINE_PACE, run_script, run_step, run_terminal};
pub use script::{HELP, Step, parse_config, parse_line, parse_script};
pub use session::{LOCAL_TEAM, LocalSession, SessionError};
pub use space::{BOT_USER, LocalError, LocalSpace};
pub use transcript::{ChatLine, LineKind, short_ts};
