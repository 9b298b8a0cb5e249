//! The one place the WIT contract is turned into Rust for the host.

wasmtime::component::bindgen!({
    path: "../wit",
    world: "bot",
    imports: {
        "bothost:bot/log": trappable,
        default: async | trappable,
    },
    exports: { default: async },
});

pub(super) use self::bothost::bot::{channels, chat, kv, log, timers, types};
