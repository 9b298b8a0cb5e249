//! Loading a bot component: read, check, compile once, pre-link once.
//! Every team running the same component bytes shares one `CompiledBot`.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::{Component, Linker};

use super::error::RuntimeError;
use super::store::StoreData;
use super::world::{Generation, World};

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
    contract: String,
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

    /// The version of the world's package the component was built for:
    /// the newest it names, or its generation's when it names none.
    pub fn contract(&self) -> &str {
        &self.contract
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
    let (generation, contract) =
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
    let pre = W::prepare(instance_pre, generation).map_err(wrong_world)?;
    Ok(CompiledBot {
        pre,
        engine: engine.clone(),
        digest,
        contract,
        path: path.to_path_buf(),
    })
}

/// Names what is missing or unexpected, before wasmtime's more technical
/// type check runs, and finds the generation of the world the component was
/// built for (its index in [`World::GENERATIONS`]). A component built for
/// a version of the world's package this host does not serve gets only
/// that said: everything else follows from it.
fn check_world<W: World>(
    engine: &Engine,
    component: &Component,
) -> Result<(usize, String), String> {
    let ty = component.component_type();
    let names = ty
        .imports(engine)
        .chain(ty.exports(engine))
        .map(|(name, _)| name);
    if let Some(other) = other_versions::<W>(names).first() {
        return Err(format!(
            "built for {}@{other}; this host serves {}",
            W::PACKAGE,
            served::<W>()
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
    let missing_in = |generation: &Generation| -> Vec<&'static str> {
        generation
            .exports
            .iter()
            .copied()
            .filter(|want| {
                !exports
                    .iter()
                    .any(|have| same_item(generation.version, have, want))
            })
            .collect()
    };
    // The generation whose exports the component has; when none, the one
    // it has most of (the newest on a tie) names what is missing.
    let (generation, missing) = W::GENERATIONS
        .iter()
        .enumerate()
        .map(|(index, generation)| (index, missing_in(generation)))
        .min_by_key(|(index, missing)| {
            let present = W::GENERATIONS[*index].exports.len() - missing.len();
            (!missing.is_empty(), std::cmp::Reverse(present), *index)
        })
        .ok_or_else(|| format!("{} has no generations", W::NAME))?;
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
        let named = named_versions::<W>(
            ty.imports(engine)
                .chain(ty.exports(engine))
                .map(|(name, _)| name),
        );
        let contract = named
            .into_iter()
            .max_by_key(|version| parse_version(version))
            .unwrap_or(W::GENERATIONS[generation].version);
        Ok((generation, contract.to_owned()))
    } else {
        Err(problems.join("; "))
    }
}

/// What this host serves of `W::PACKAGE`, for messages: "bothost:bot@0.2.1
/// (and the 0.2 versions before it) and bothost:bot@0.1.0".
fn served<W: World>() -> String {
    W::GENERATIONS
        .iter()
        .map(|generation| {
            let version = generation.version;
            match version.rsplit_once('.') {
                Some((line, patch)) if patch != "0" => {
                    format!(
                        "{}@{version} (and the {line} versions before it)",
                        W::PACKAGE
                    )
                }
                _ => format!("{}@{version}", W::PACKAGE),
            }
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The versions of `W::PACKAGE` that `names` (import and export names such
/// as `bothost:bot/chat@0.1.0`) refer to and no generation of the world
/// serves (see [`serves`]).
fn other_versions<'a, W: World>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut versions: Vec<&str> = named_versions::<W>(names)
        .into_iter()
        .filter(|version| {
            !W::GENERATIONS
                .iter()
                .any(|generation| serves(generation.version, version))
        })
        .collect();
    versions.sort_unstable();
    versions.dedup();
    versions
}

/// The versions of `W::PACKAGE` that `names` refer to.
fn named_versions<'a, W: World>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    names
        .filter_map(|name| name.strip_prefix(W::PACKAGE)?.strip_prefix('/'))
        .filter_map(|rest| rest.split_once('@').map(|(_, version)| version))
        .collect()
}

/// `major.minor.patch`, or `None` for anything else.
fn parse_version(v: &str) -> Option<(u64, u64, u64)> {
    let mut parts = v.split('.').map(str::parse::<u64>);
    let version = (
        parts.next()?.ok()?,
        parts.next()?.ok()?,
        parts.next()?.ok()?,
    );
    parts.next().is_none().then_some(version)
}

/// Whether a host of package version `host` serves a component built for
/// `built`: semver-compatible (same major, or for `0.x` the same minor, as
/// wasmtime's linker matches names) and not newer, since a newer component
/// may call what this host lacks. A `0.2.1` host serves `0.2.0` bots: new
/// minor versions only add.
fn serves(host: &str, built: &str) -> bool {
    let (Some(host), Some(built)) = (parse_version(host), parse_version(built)) else {
        return host == built;
    };
    let same_line = if host.0 == 0 {
        built.0 == 0 && built.1 == host.1
    } else {
        built.0 == host.0
    };
    same_line && built <= host
}

/// Whether the export `have` is the generation's export `want`: the same
/// item, of a version the generation (`version`) serves.
fn same_item(version: &str, have: &str, want: &str) -> bool {
    match (have.split_once('@'), want.split_once('@')) {
        (Some((have, built)), Some((want, _))) => have == want && serves(version, built),
        _ => have == want,
    }
}

#[cfg(test)]
mod version_tests {
    use super::serves;

    #[test]
    fn a_host_serves_its_own_line_up_to_its_version() {
        assert!(serves("0.2.1", "0.2.1"));
        assert!(serves("0.2.1", "0.2.0"));
        assert!(!serves("0.2.1", "0.2.2"), "newer may call what we lack");
        assert!(!serves("0.2.1", "0.1.0"), "0.x minors break");
        assert!(!serves("0.2.1", "0.3.0"));
        assert!(serves("1.4.0", "1.2.7"));
        assert!(!serves("1.4.0", "2.0.0"));
        assert!(!serves("0.2.1", "0.2.x"));
    }
}
