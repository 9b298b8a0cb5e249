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
    /// The versions of [`World::PACKAGE`] this host serves, newest first,
    /// each with the exports a component built for it has. A generation
    /// serves its version and every earlier version of the same semver
    /// line (`0.2.1` serves `0.2.0`): later versions only add, and
    /// wasmtime links `…@0.2.0` names to `…@0.2.1` definitions. A
    /// component naming any other version is refused with a message
    /// naming what is served.
    const GENERATIONS: &'static [Generation];
    /// Import namespaces the host provides besides `wasi:` (e.g.
    /// `"bothost:bot/"`); anything else is named at load.
    const IMPORTS: &'static [&'static str];

    /// Links the world's host functions (WASI is linked by the runtime).
    ///
    /// # Errors
    /// When the linker refuses a definition (a bug, not an input error).
    fn add_to_linker(linker: &mut Linker<StoreData<Self::Host>>) -> wasmtime::Result<()>;

    /// Type-checks a pre-linked component against the world.
    /// `generation` is the index in [`World::GENERATIONS`] whose exports
    /// the component has.
    ///
    /// # Errors
    /// When the component's exports do not have the world's types.
    fn prepare(
        pre: InstancePre<StoreData<Self::Host>>,
        generation: usize,
    ) -> wasmtime::Result<Self::Pre>;

    /// Instantiates a prepared component in `store`.
    fn instantiate(
        pre: &Self::Pre,
        store: &mut Store<StoreData<Self::Host>>,
    ) -> impl Future<Output = wasmtime::Result<Self::Exports>> + Send;
}

/// One version line of a world's package, as a component built for it
/// looks from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation {
    /// The newest version of the line this host serves (`"0.2.1"`).
    pub version: &'static str,
    /// Exports every component of this generation must have (full names,
    /// with version where they are interfaces); a missing one is named at
    /// load.
    pub exports: &'static [&'static str],
}
