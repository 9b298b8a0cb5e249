//! The seam between the sandbox and what runs in it. The runtime knows how
//! to compile, limit, interrupt and poison a component; it does not know
//! which world the component implements or which host functions it may
//! call. The layer that owns the generated bindings (the capabilities)
//! describes that through [`World`], as wasmtime's own `WasiView` lets WASI
//! live apart from the embedder's store type.

use std::future::Future;

use wasmtime::Store;
use wasmtime::component::{InstancePre, Linker};

use super::store::StoreData;

/// A WIT world as the runtime needs to see it.
pub trait World: Send + Sync + 'static {
    /// The host side of one instance (its capabilities), kept in the store
    /// beside WASI so host functions can reach it.
    type Host: Send + 'static;
    /// A component pre-linked against the host, ready to instantiate.
    type Pre: Send + Sync + 'static;
    /// An instance's exports, to call into the guest.
    type Exports: Send + Sync + 'static;

    /// The world's full name, for messages (`package/world`).
    const NAME: &'static str;
    /// The WIT package the world belongs to, without version
    /// (`"bothost:bot"`).
    const PACKAGE: &'static str;
    /// The package version this host serves (`"0.2.1"`), and with it every
    /// earlier version of the same semver line (`0.2.0`): later versions
    /// only add, and wasmtime links `…@0.2.0` names to `…@0.2.1`
    /// definitions. A component naming any other version of
    /// [`World::PACKAGE`] is refused with a message naming both.
    const VERSION: &'static str;
    /// Exports every component must have (full names, with version); a
    /// missing one is named at load.
    const EXPORTS: &'static [&'static str];
    /// Import namespaces the host provides besides `wasi:` (e.g.
    /// `"bothost:bot/"`); anything else is named at load.
    const IMPORTS: &'static [&'static str];

    /// Links the world's host functions (WASI is linked by the runtime).
    ///
    /// # Errors
    /// When the linker refuses a definition (a bug, not an input error).
    fn add_to_linker(linker: &mut Linker<StoreData<Self::Host>>) -> wasmtime::Result<()>;

    /// Type-checks a pre-linked component against the world.
    ///
    /// # Errors
    /// When the component's exports do not have the world's types.
    fn prepare(pre: InstancePre<StoreData<Self::Host>>) -> wasmtime::Result<Self::Pre>;

    /// Instantiates a prepared component in `store`.
    fn instantiate(
        pre: &Self::Pre,
        store: &mut Store<StoreData<Self::Host>>,
    ) -> impl Future<Output = wasmtime::Result<Self::Exports>> + Send;
}
