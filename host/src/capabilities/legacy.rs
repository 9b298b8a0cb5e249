//! Bots built against `bothost:bot@0.1.0`, the first released contract,
//! keep loading and running unchanged.
//!
//! 0.1.0 differs from today's package in two ways only: its world exports
//! `init`, `reconfigure`, `on-event`, `on-timer` and `shutdown` as
//! world-level functions (0.2 moved them into the `handler` interface),
//! and its `kv` lacks the calls added since. Its imports have the very same
//! shapes as today's, so each 0.1.0 host function forwards to the current
//! one; only the names of the interface-local types differ, hence the
//! conversions below. The `types` interface is mapped onto today's, so
//! events, team info and config reach a 0.1.0 bot through the same
//! conversions as a current one.

mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit/legacy/0.1.0",
        world: "bot",
        imports: {
            "bothost:bot/log": trappable,
            default: async | trappable,
        },
        exports: { default: async },
        with: {
            "bothost:bot/types": crate::capabilities::bindings::bothost::bot::types,
        },
    });
}

pub(super) use bindings::{Bot as Exports, BotPre};

use super::Capabilities;
use super::bindings::{chat, kv, log, timers};
use bindings::bothost::bot as old;

/// Moves a value between two generated types of the same WIT shape.
trait Same<T> {
    fn same(self) -> T;
}

impl<A: Same<B>, B> Same<Option<B>> for Option<A> {
    fn same(self) -> Option<B> {
        self.map(Same::same)
    }
}

/// A host function's answer in the 0.1.0 types.
fn answer<T, U, E, F>(answer: wasmtime::Result<Result<T, E>>) -> wasmtime::Result<Result<U, F>>
where
    T: Same<U>,
    E: Same<F>,
{
    answer.map(|inner| inner.map(Same::same).map_err(Same::same))
}

/// Values whose type is shared by both generations (strings, bytes, unit).
macro_rules! shared {
    ($($t:ty),*) => {$(
        impl Same<$t> for $t {
            fn same(self) -> $t {
                self
            }
        }
    )*};
}
shared!((), bool, String, Vec<u8>, Vec<String>);

impl Same<old::chat::MessageRef> for chat::MessageRef {
    fn same(self) -> old::chat::MessageRef {
        old::chat::MessageRef {
            channel: self.channel,
            ts: self.ts,
        }
    }
}

impl Same<old::chat::User> for chat::User {
    fn same(self) -> old::chat::User {
        old::chat::User {
            id: self.id,
            name: self.name,
            real_name: self.real_name,
            is_bot: self.is_bot,
        }
    }
}

impl Same<old::chat::Channel> for chat::Channel {
    fn same(self) -> old::chat::Channel {
        old::chat::Channel {
            id: self.id,
            name: self.name,
            is_private: self.is_private,
            is_member: self.is_member,
        }
    }
}

impl Same<old::chat::ChatError> for chat::ChatError {
    fn same(self) -> old::chat::ChatError {
        use old::chat::ChatError as Old;
        match self {
            Self::NotFound(what) => Old::NotFound(what),
            Self::TooLong(limit) => Old::TooLong(limit),
            Self::RateLimited => Old::RateLimited,
            Self::Refused(why) => Old::Refused(why),
            Self::Unavailable(why) => Old::Unavailable(why),
        }
    }
}

impl Same<old::kv::KvError> for kv::KvError {
    fn same(self) -> old::kv::KvError {
        use old::kv::KvError as Old;
        match self {
            Self::QuotaExceeded => Old::QuotaExceeded,
            Self::InvalidKey => Old::InvalidKey,
            Self::Unavailable(why) => Old::Unavailable(why),
        }
    }
}

impl Same<old::timers::TimerError> for timers::TimerError {
    fn same(self) -> old::timers::TimerError {
        use old::timers::TimerError as Old;
        match self {
            Self::TooMany => Old::TooMany,
            Self::Invalid(why) => Old::Invalid(why),
        }
    }
}

impl Same<log::Level> for old::log::Level {
    fn same(self) -> log::Level {
        match self {
            Self::Trace => log::Level::Trace,
            Self::Debug => log::Level::Debug,
            Self::Info => log::Level::Info,
            Self::Warn => log::Level::Warn,
            Self::Error => log::Level::Error,
        }
    }
}

type Answer<T, E> = wasmtime::Result<Result<T, E>>;

impl old::chat::Host for Capabilities {
    async fn post_message(
        &mut self,
        channel: String,
        text: String,
    ) -> Answer<old::chat::MessageRef, old::chat::ChatError> {
        answer(chat::Host::post_message(self, channel, text).await)
    }

    async fn post_reply(
        &mut self,
        channel: String,
        thread_ts: String,
        text: String,
    ) -> Answer<old::chat::MessageRef, old::chat::ChatError> {
        answer(chat::Host::post_reply(self, channel, thread_ts, text).await)
    }

    async fn update_message(
        &mut self,
        channel: String,
        ts: String,
        text: String,
    ) -> Answer<(), old::chat::ChatError> {
        answer(chat::Host::update_message(self, channel, ts, text).await)
    }

    async fn add_reaction(
        &mut self,
        channel: String,
        ts: String,
        name: String,
    ) -> Answer<(), old::chat::ChatError> {
        answer(chat::Host::add_reaction(self, channel, ts, name).await)
    }

    async fn typing(&mut self, channel: String) -> Answer<(), old::chat::ChatError> {
        answer(chat::Host::typing(self, channel).await)
    }

    async fn open_direct(&mut self, user: String) -> Answer<String, old::chat::ChatError> {
        answer(chat::Host::open_direct(self, user).await)
    }

    async fn user_info(&mut self, user: String) -> Answer<old::chat::User, old::chat::ChatError> {
        answer(chat::Host::user_info(self, user).await)
    }

    async fn channel_info(
        &mut self,
        channel: String,
    ) -> Answer<old::chat::Channel, old::chat::ChatError> {
        answer(chat::Host::channel_info(self, channel).await)
    }

    async fn find_user(
        &mut self,
        name: String,
    ) -> Answer<Option<old::chat::User>, old::chat::ChatError> {
        answer(chat::Host::find_user(self, name).await)
    }

    async fn find_channel(
        &mut self,
        name: String,
    ) -> Answer<Option<old::chat::Channel>, old::chat::ChatError> {
        answer(chat::Host::find_channel(self, name).await)
    }
}

impl old::kv::Host for Capabilities {
    async fn get(&mut self, key: String) -> Answer<Option<Vec<u8>>, old::kv::KvError> {
        answer(kv::Host::get(self, key).await)
    }

    async fn set(&mut self, key: String, value: Vec<u8>) -> Answer<(), old::kv::KvError> {
        answer(kv::Host::set(self, key, value).await)
    }

    async fn delete(&mut self, key: String) -> Answer<bool, old::kv::KvError> {
        answer(kv::Host::delete(self, key).await)
    }

    async fn list_keys(&mut self, prefix: String) -> Answer<Vec<String>, old::kv::KvError> {
        answer(kv::Host::list_keys(self, prefix).await)
    }
}

impl old::timers::Host for Capabilities {
    async fn every(&mut self, name: String, seconds: u32) -> Answer<(), old::timers::TimerError> {
        answer(timers::Host::every(self, name, seconds).await)
    }

    async fn once(&mut self, name: String, seconds: u32) -> Answer<(), old::timers::TimerError> {
        answer(timers::Host::once(self, name, seconds).await)
    }

    async fn cancel(&mut self, name: String) -> wasmtime::Result<bool> {
        timers::Host::cancel(self, name).await
    }
}

impl old::log::Host for Capabilities {
    fn log(&mut self, level: old::log::Level, message: String) -> wasmtime::Result<()> {
        log::Host::log(self, level.same(), message)
    }
}
