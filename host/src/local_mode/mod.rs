//! `bothost local`: run any bot with no Slack at all, in a terminal chat
//! or from a script, against one simulated team. A session is a host built
//! with the local space ([`crate::local`]); the line language drives it.

mod driver;
mod script;
mod session;

pub use driver::{Cursor, Flow, LINE_PACE, run_script, run_step, run_terminal};
pub use script::{HELP, Step, parse_config, parse_config_args, parse_line, parse_script};
pub use session::{LOCAL_TEAM, LocalSession, SessionError};
