//! The `bothost:bot/bot` world as the runtime sees it: how to link the
//! capabilities, type-check a component and instantiate it.

use wasmtime::Store;
use wasmtime::component::{HasSelf, InstancePre, Linker};

use super::Capabilities;
use super::{bindings, legacy};
use crate::runtime::{Generation, StoreData, World};

/// The version of `wit/` (its `package` line); a test keeps them equal.
macro_rules! wit_version {
    () => {
        "0.2.2"
    };
}

/// The world every bot implements.
#[derive(Debug, Clone, Copy)]
pub struct BotWorld;

/// A component pre-linked for the generation of the contract it was built
/// for.
pub enum BotPre {
    Current(bindings::BotPre<StoreData<Capabilities>>),
    /// Built against `bothost:bot@0.1.0`.
    Legacy(legacy::BotPre<StoreData<Capabilities>>),
}

/// A live instance's exports, of the generation it was built for.
pub enum Exports {
    Current(bindings::Bot),
    /// Built against `bothost:bot@0.1.0`: world-level functions.
    Legacy(legacy::Exports),
}

impl std::fmt::Debug for BotPre {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BotPre::Current(_) => f.write_str("BotPre::Current"),
            BotPre::Legacy(_) => f.write_str("BotPre::Legacy"),
        }
    }
}

impl std::fmt::Debug for Exports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exports::Current(_) => f.write_str("Exports::Current"),
            Exports::Legacy(_) => f.write_str("Exports::Legacy"),
        }
    }
}

/// [`World::GENERATIONS`] index of the current contract.
const CURRENT: usize = 0;
/// [`World::GENERATIONS`] index of `0.1.0`.
const LEGACY: usize = 1;

impl World for BotWorld {
    type Host = Capabilities;
    type Pre = BotPre;
    type Exports = Exports;

    const NAME: &'static str = "bothost:bot/bot";
    const PACKAGE: &'static str = "bothost:bot";
    const GENERATIONS: &'static [Generation] = &[
        Generation {
            version: wit_version!(),
            exports: &[concat!("bothost:bot/handler@", wit_version!())],
        },
        Generation {
            version: "0.1.0",
            exports: &["init", "reconfigure", "on-event", "on-timer", "shutdown"],
        },
    ];
    const IMPORTS: &'static [&'static str] = &["bothost:bot/"];

    fn add_to_linker(linker: &mut Linker<StoreData<Capabilities>>) -> wasmtime::Result<()> {
        bindings::Bot::add_to_linker::<_, HasSelf<Capabilities>>(linker, |s| &mut s.host)?;
        legacy::Exports::add_to_linker::<_, HasSelf<Capabilities>>(linker, |s| &mut s.host)
    }

    fn prepare(
        pre: InstancePre<StoreData<Capabilities>>,
        generation: usize,
    ) -> wasmtime::Result<BotPre> {
        match generation {
            LEGACY => legacy::BotPre::new(pre).map(BotPre::Legacy),
            CURRENT => bindings::BotPre::new(pre).map(BotPre::Current),
            other => Err(wasmtime::format_err!(
                "{} has no generation {other}",
                Self::NAME
            )),
        }
    }

    async fn instantiate(
        pre: &BotPre,
        store: &mut Store<StoreData<Capabilities>>,
    ) -> wasmtime::Result<Exports> {
        match pre {
            BotPre::Current(pre) => pre.instantiate_async(store).await.map(Exports::Current),
            BotPre::Legacy(pre) => pre.instantiate_async(store).await.map(Exports::Legacy),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_is_the_one_in_wit() {
        let world = include_str!("../../../wit/world.wit");
        let package = format!(
            "package {}@{};",
            BotWorld::PACKAGE,
            BotWorld::GENERATIONS[CURRENT].version
        );
        assert!(
            world.starts_with(&package),
            "wit/world.wit must start with {package}"
        );
    }
}
