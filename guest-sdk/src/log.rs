//! Logs through the host, which tags each line with the team id.
//!
//! Prefer these over `println!`/`eprintln!`: the host may not keep a
//! guest's stdio. The crate-level macros ([`info!`](crate::info) and
//! friends) take `format!` arguments.

pub use crate::bindings::bothost::bot::log::Level;

use crate::bindings::bothost::bot::log as wit;

/// Log `message` at `level`.
pub fn log(level: Level, message: &str) {
    wit::log(level, message);
}

/// Log at [`Level::Trace`].
pub fn trace(message: &str) {
    log(Level::Trace, message);
}

/// Log at [`Level::Debug`].
pub fn debug(message: &str) {
    log(Level::Debug, message);
}

/// Log at [`Level::Info`].
pub fn info(message: &str) {
    log(Level::Info, message);
}

/// Log at [`Level::Warn`].
pub fn warn(message: &str) {
    log(Level::Warn, message);
}

/// Log at [`Level::Error`].
pub fn error(message: &str) {
    log(Level::Error, message);
}

/// Log with `format!` arguments at [`Level::Trace`].
#[macro_export]
macro_rules! trace {
    ($($arg:tt)+) => {
        $crate::log::log($crate::log::Level::Trace, &::std::format!($($arg)+))
    };
}

/// Log with `format!` arguments at [`Level::Debug`].
#[macro_export]
macro_rules! debug {
    ($($arg:tt)+) => {
        $crate::log::log($crate::log::Level::Debug, &::std::format!($($arg)+))
    };
}

/// Log with `format!` arguments at [`Level::Info`].
#[macro_export]
macro_rules! info {
    ($($arg:tt)+) => {
        $crate::log::log($crate::log::Level::Info, &::std::format!($($arg)+))
    };
}

/// Log with `format!` arguments at [`Level::Warn`].
#[macro_export]
macro_rules! warn {
    ($($arg:tt)+) => {
        $crate::log::log($crate::log::Level::Warn, &::std::format!($($arg)+))
    };
}

/// Log with `format!` arguments at [`Level::Error`].
#[macro_export]
macro_rules! error {
    ($($arg:tt)+) => {
        $crate::log::log($crate::log::Level::Error, &::std::format!($($arg)+))
    };
}
