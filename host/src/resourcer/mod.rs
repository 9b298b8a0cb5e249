//! The Beep Boop resourcer adapter (`protocols.md` §1): the resource
//! source that told a multi-team bot which teams to serve, with which
//! tokens and settings, over one WebSocket.
//!
//! - [`protocol`]: typed messages, parsed at the edge; secrets split off.
//! - [`client`]: the reconnecting client, handing [`Notice`]s to the
//!   team layer.
//! - [`sim`]: a loopback simulator of the (defunct) service, for the
//!   `resourcer-sim` command and for tests.
//!
//! Like every adapter, this module never touches wasmtime or the team
//! layer: the consumer turns notices into team specs.

pub mod client;
pub mod protocol;
mod resource;
pub mod sim;

pub use client::{Notice, ResourcerConfig, ResourcerError, run};
pub use protocol::{
    Auth, ProtocolError, RemoveMessage, Resource, ResourceId, ResourceMessage, ServerMessage, parse,
};
pub use sim::{ConsoleEnd, Simulator, run_console};

#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod fuzz_tests;
