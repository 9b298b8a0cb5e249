//! Loading a bot component: read, check, compile once, pre-link once.
//! Every team running the same component bytes shares one `CompiledBot`.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

use super::error::RuntimeError;
use super::store::StoreData;
use super::world::World;

/// The content hash of a component: two teams with the same hash share one
/// compiled bot, and an update whose hash is unchanged keeps the instance.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BotDigest([u8; 32]);

impl BotDigest {
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// Short hex form for logs and status.
    pub fn short(&self) -> String {
        self.0[..6].iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl std::fmt::Debug for BotDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BotDigest({})", self.short())
    }
}

/// A component compiled and linked against the host, ready to instantiate.
pub struct CompiledBot<W: World> {
    pub(super) pre: W::Pre,
    pub(super) engine: Engine,
    digest: BotDigest,
    path: PathBuf,
}

impl<W: World> std::fmt::Debug for CompiledBot<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledBot")
            .field("digest", &self.digest)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl<W: World> CompiledBot<W> {
    pub fn digest(&self) -> BotDigest {
        self.digest
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Rejects what is plainly not a component, with a message that says what
/// it is instead.
pub(super) fn check_header(path: &Path, bytes: &[u8]) -> Result<(), RuntimeError> {
    let path = path.to_path_buf();
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err(RuntimeError::NotWasm { path });
    }
    // Bytes 4..8: version and layer. Core modules are layer 0, components layer 1.
    if bytes[6..8] == [0, 0] {
        return Err(RuntimeError::CoreModule { path });
    }
    Ok(())
}

/// Compiles and pre-links. CPU-heavy: call from a blocking thread.
pub(super) fn compile<W: World>(
    engine: &Engine,
    linker: &Linker<StoreData<W::Host>>,
    path: &Path,
    bytes: &[u8],
) -> Result<CompiledBot<W>, RuntimeError> {
    let digest = BotDigest::of(bytes);
    let component = Component::new(engine, bytes).map_err(|e| RuntimeError::Invalid {
        path: path.to_path_buf(),
        reason: format!("{e:#}"),
    })?;
    check_world::<W>(engine, &component).map_err(|reason| RuntimeError::WrongWorld {
        path: path.to_path_buf(),
        world: W::NAME,
        reason,
    })?;
    let wrong_world = |e: wasmtime::Error| RuntimeError::WrongWorld {
        path: path.to_path_buf(),
        world: W::NAME,
        reason: format!("{e:#}"),
    };
    let instance_pre = linker.instantiate_pre(&component).map_err(wrong_world)?;
    let pre = W::prepare(instance_pre).map_err(wrong_world)?;
    Ok(CompiledBot {
        pre,
        engine: engine.clone(),
        digest,
        path: path.to_path_buf(),
    })
}

/// Names what is missing or unexpected, before wasmtime's more technical
/// type check runs. A component built for another version of the world's
/// package gets only that said: everything else follows from it.
fn check_world<W: World>(engine: &Engine, component: &Component) -> Result<(), String> {
    let ty = component.component_type();
    let names = ty
        .imports(engine)
        .chain(ty.exports(engine))
        .map(|(name, _)| name);
    if let Some(other) = other_versions::<W>(names).first() {
        return Err(format!(
            "built for {}@{other}; this host serves {}@{}",
            W::PACKAGE,
            W::PACKAGE,
            W::VERSION
        ));
    }
    let unexpected: Vec<String> = ty
        .imports(engine)
        .map(|(name, _)| name.to_owned())
        .filter(|name| {
            !name.starts_with("wasi:") && !W::IMPORTS.iter().any(|ns| name.starts_with(ns))
        })
        .collect();
    let exports: Vec<String> = ty
        .exports(engine)
        .map(|(name, _)| name.to_owned())
        .collect();
    let missing: Vec<&str> = W::EXPORTS
        .iter()
        .copied()
        .filter(|want| !exports.iter().any(|have| have == want))
        .collect();
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!("missing exports: {}", missing.join(", ")));
    }
    if !unexpected.is_empty() {
        problems.push(format!(
            "imports the host does not provide: {}",
            unexpected.join(", ")
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// The versions of `W::PACKAGE` other than `W::VERSION` that `names` (import
/// and export names such as `bothost:bot/chat@0.1.0`) refer to.
fn other_versions<'a, W: World>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut versions: Vec<&str> = names
        .filter_map(|name| name.strip_prefix(W::PACKAGE)?.strip_prefix('/'))
        .filter_map(|rest| rest.split_once('@').map(|(_, version)| version))
        .filter(|version| *version != W::VERSION)
        .collect();
    versions.sort_unstable();
    versions.dedup();
    versions
}
