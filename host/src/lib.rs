//! bothost: serve many teams' chat bots from one process, each bot an
//! isolated WebAssembly component.
//!
//! Layers, bottom up (each may use the ones below it, never one above;
//! `tests/layers.rs` checks the imports):
//! - bottom: [`ids`], [`event`], [`team_info`], [`bot_config`], [`spec`],
//!   [`limits`], [`secret`], [`text`], [`deadline`], [`shutdown`],
//!   [`metrics`], [`counters`], [`log_budget`], [`config`], [`backoff`],
//!   [`bot_file`] (and, for tests, `fuzz`);
//! - ports and adapters, which never touch wasmtime: [`chat`] (the port),
//!   [`storage`], [`slack`], [`resourcer`], [`local`];
//! - [`runtime`]: the sandbox, generic over a world; knows no capability;
//! - [`capabilities`]: the WIT bindings, the bot world and the host
//!   functions, reaching out only through the ports;
//! - [`team`]: the registry and per-team actors wiring it all together;
//! - top: [`host`] and its [`builder`], the [`sources`] of teams, the
//!   [`admin`] API, the OAuth [`install`] routes, the [`serve`] command with its [`progress`] and
//!   [`summary`] log lines,
//!   [`local_mode`], the [`scaffold`] of `bothost new` and the [`cli`].

pub mod admin;
pub mod backoff;
pub mod bot_config;
pub mod bot_file;
pub mod builder;
pub mod capabilities;
pub mod chat;
pub mod cli;
pub mod config;
pub mod counters;
pub mod deadline;
pub mod event;
#[cfg(test)]
pub mod fuzz;
pub mod host;
pub mod ids;
pub mod install;
pub mod limits;
pub mod local;
pub mod local_mode;
pub mod log_budget;
pub mod metrics;
pub mod progress;
pub mod resourcer;
pub mod runtime;
pub mod scaffold;
pub mod secret;
pub mod serve;
pub mod shutdown;
pub mod slack;
pub mod sources;
pub mod spec;
pub mod storage;
pub mod summary;
pub mod team;
pub mod team_info;
pub mod text;
