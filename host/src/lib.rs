//! bothost: serve many teams' chat bots from one process, each bot an
//! isolated WebAssembly component.
//!
//! Layers, bottom up (each may use the ones above it in this list):
//! - bottom: [`ids`], [`event`], [`profile`], [`limits`], [`secret`],
//!   [`shutdown`];
//! - adapters, which never touch wasmtime: [`chat`], [`storage`],
//!   [`local`];
//! - [`runtime`]: the only module that knows wasmtime;
//! - [`capabilities`]: the WIT host interfaces, reaching out only through
//!   adapter traits;
//! - [`team`]: the manager and per-team actors wiring it all together.

pub mod admin;
pub mod app;
pub mod capabilities;
pub mod chat;
pub mod cli;
pub mod config;
pub mod deadline;
pub mod event;
pub mod ids;
pub mod limits;
pub mod local;
pub mod metrics;
pub mod profile;
pub mod resourcer;
pub mod runtime;
pub mod secret;
pub mod serve;
pub mod shutdown;
pub mod slack;
pub mod sources;
pub mod storage;
pub mod team;
