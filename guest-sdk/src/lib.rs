//! The Rust SDK for writing bothost bots.
//!
//! A bot is a WebAssembly component for the `bothost:bot/bot` world
//! (see `wit/` in the bothost repository). This crate hides the generated
//! bindings behind a small API:
//!
//! * implement [`Bot`] on a `Default` type, overriding only the handlers you
//!   need (the default [`Bot::on_event`] routes each event to its own method);
//! * call [`export_bot!`] once in the crate;
//! * talk to the team through [`chat`] (and manage its channels and read
//!   their history through [`channels`], with [`blocks`] for Block Kit),
//!   keep state in [`kv`], schedule work
//!   with [`timers`] and report through [`log`] (or the [`info!`]-style
//!   macros).
//!
//! An instance does not live as long as the team: the host drops one that
//! has been idle for a while (15 minutes by default) and starts a fresh one,
//! with [`Bot::init`], for the next event or timer, as it does after a
//! crash. Keep what must last in [`kv`]; fields of your bot type are a
//! cache.
//!
//! The bot crate is a `cdylib` built with
//! `cargo build --target wasm32-wasip2`, which emits the component directly.
//!
//! # Example: an echo bot
//!
//! ```rust,ignore
//! use bothost_sdk::{chat, Bot, BotError, Config, Message, TeamInfo};
//!
//! /// Echoes DMs, and channel messages that mention it.
//! #[derive(Default)]
//! struct Echo {
//!     me: String,
//! }
//!
//! impl Bot for Echo {
//!     fn init(&mut self, team: &TeamInfo, _config: &Config) -> Result<(), BotError> {
//!         self.me = team.bot_user_id.clone();
//!         bothost_sdk::info!("echo ready in {}", team.name);
//!         Ok(())
//!     }
//!
//!     fn on_message(&mut self, message: Message) -> Result<(), BotError> {
//!         if message.subtype.is_some() || message.user == self.me {
//!             return Ok(());
//!         }
//!         if message.direct || message.mentions_bot {
//!             let text = chat::strip_mention(&message.text, &self.me);
//!             chat::respond(&message, &text)?;
//!         }
//!         Ok(())
//!     }
//! }
//!
//! bothost_sdk::export_bot!(Echo);
//! ```
//!
//! The host calls the exports one at a time and never re-enters the guest,
//! so the bot needs no locking: the SDK keeps the single instance in
//! guest-side storage and hands handlers `&mut self`.
//!
//! On `wasm32` the SDK also installs a panic hook that sends the panic
//! message to the host log before the instance traps, so operators see why
//! a bot died.

pub mod blocks;
mod bot;
pub mod channels;
pub mod chat;
mod config;
mod error;
pub mod kv;
pub mod log;
#[doc(hidden)]
pub mod rt;
pub mod timers;

/// Bindings generated from `wit/` by `wit-bindgen`. Not a stable API: use
/// the re-exports and wrappers of this crate instead.
#[doc(hidden)]
#[allow(clippy::too_many_arguments)] // generated export glue for `init`
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "bot",
        pub_export_macro: true,
        default_bindings_module: "bothost_sdk::bindings",
        // Equality makes the types easy to assert on in bot unit tests.
        additional_derives: [PartialEq, Eq],
    });
}

pub use bindings::bothost::bot::chat::{Channel, ChatError, MessageRef, User};
pub use bindings::bothost::bot::kv::{KeyPage, KvError, UpdateError};
pub use bindings::bothost::bot::timers::TimerError;
pub use bindings::bothost::bot::types::{
    AppMention, BotError, ChannelCreated, ChannelId, ChannelRenamed, ConfigEntry, Event,
    Membership, Message, OtherEvent, Reaction, SlashCommand, TeamId, TeamInfo, TeamJoin, Timestamp,
    UserId,
};
pub use bot::Bot;
pub use config::Config;

/// The usual imports for a bot crate: `use bothost_sdk::prelude::*;`.
pub mod prelude {
    pub use crate::{
        AppMention, Bot, BotError, Config, Event, Message, TeamInfo, channels, chat, kv, log,
        timers,
    };
}

/// Exports a [`Bot`] type as the component's implementation of the world.
///
/// Use it exactly once per bot crate, at module level:
///
/// ```rust,ignore
/// #[derive(Default)]
/// struct MyBot;
/// impl bothost_sdk::Bot for MyBot {}
/// bothost_sdk::export_bot!(MyBot);
/// ```
///
/// The instance is created with `Default::default()` on the first export
/// call (normally `init`) and lives as long as the component instance.
#[macro_export]
macro_rules! export_bot {
    ($bot:ty) => {
        const _: () = {
            // The generated export macro takes an identifier, not a path.
            type __BothostExport = $crate::rt::Adapter<$bot>;
            $crate::bindings::export! { __BothostExport with_types_in $crate::bindings }
        };
    };
}
