//! The `bothost:bot/bot` world as the runtime sees it: how to link the
//! capabilities, type-check a component and instantiate it.

use wasmtime::Store;
use wasmtime::component::{HasSelf, InstancePre, Linker};

use super::Capabilities;
use super::bindings::{Bot as Exports, BotPre};
use crate::runtime::{StoreData, World};

/// The version of `wit/` (its `package` line); a test keeps them equal.
macro_rules! wit_version {
    () => {
        "0.2.1"
    };
}

/// The world every bot implements.
#[derive(Debug, Clone, Copy)]
pub struct BotWorld;

impl World for BotWorld {
    type Host = Capabilities;
    type Pre = BotPre<StoreData<Capabilities>>;
    type Exports = Exports;

    const NAME: &'static str = "bothost:bot/bot";
    const PACKAGE: &'static str = "bothost:bot";
    const VERSION: &'static str = wit_version!();
    const EXPORTS: &'static [&'static str] = &[concat!("bothost:bot/handler@", wit_version!())];
    const IMPORTS: &'static [&'static str] = &["bothost:bot/"];

    fn add_to_linker(linker: &mut Linker<StoreData<Capabilities>>) -> wasmtime::Result<()> {
        Exports::add_to_linker::<_, HasSelf<Capabilities>>(linker, |s| &mut s.host)
    }

    fn prepare(pre: InstancePre<StoreData<Capabilities>>) -> wasmtime::Result<Self::Pre> {
        BotPre::new(pre)
    }

    async fn instantiate(
        pre: &Self::Pre,
        store: &mut Store<StoreData<Capabilities>>,
    ) -> wasmtime::Result<Exports> {
        pre.instantiate_async(store).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_is_the_one_in_wit() {
        let world = include_str!("../../../wit/world.wit");
        let package = format!("package {}@{};", BotWorld::PACKAGE, BotWorld::VERSION);
        assert!(
            world.starts_with(&package),
            "wit/world.wit must start with {package}"
        );
    }
}
