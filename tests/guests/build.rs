//! Builds every guest component (examples and test fixtures) for
//! `wasm32-wasip2` with a nested `cargo build --profile guest`, then writes
//! their paths as constants into `$OUT_DIR/guests.rs`.
//!
//! The nested cargo uses its own target directory (`<target>/guests`) so it
//! never waits on the lock the outer cargo holds, and it runs with the outer
//! build's per-target environment scrubbed so that host-side flags,
//! wrappers (clippy) and jobserver settings do not leak into a wasm build.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const TARGET_TRIPLE: &str = "wasm32-wasip2";
const PROFILE_NAME: &str = "guest";

/// (constant, package, what it is).
const GUESTS: &[(&str, &str, &str)] = &[
    ("ECHO", "echo", "The `echo` example bot (`examples/echo`)."),
    (
        "REPEAT",
        "repeat",
        "The `repeat` example bot (`examples/repeat`).",
    ),
    ("CRON", "cron", "The `cron` example bot (`examples/cron`)."),
    (
        "COUNTER",
        "counter",
        "The `counter` example bot (`examples/counter`).",
    ),
    (
        "FAILING_INIT",
        "failing-init",
        "Fixture whose `init` fails unless config has `required` (`tests/fixtures/failing-init`).",
    ),
    (
        "TRAPPER",
        "trapper",
        "Fixture that panics, loops, allocates or recurses on demand (`tests/fixtures/trapper`).",
    ),
    (
        "OTHER_WORLD",
        "other-world",
        "Fixture component of the unrelated world `test:other/other` (`tests/fixtures/other-world`).",
    ),
];

/// Variables the outer cargo sets for this build script (or for the
/// `rustc` it drives) that must not reach the nested build.
const SCRUBBED: &[&str] = &[
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_TARGET",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET_DIR",
    "RUSTC_WORKSPACE_WRAPPER",
    "RUSTC_WRAPPER",
    "CARGO_MAKEFLAGS",
    "MAKEFLAGS",
    "MFLAGS",
    "CARGO_PRIMARY_PACKAGE",
    "PROFILE",
    "OPT_LEVEL",
    "DEBUG",
    "TARGET",
    "HOST",
    "NUM_JOBS",
    "OUT_DIR",
    "RUSTC",
    "RUSTDOC",
    "RUSTC_LINKER",
    "CLIPPY_ARGS",
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_MANIFEST_LINKS",
    "CARGO_CRATE_NAME",
];

/// Prefixes of variables scrubbed for the same reason.
const SCRUBBED_PREFIXES: &[&str] = &["CARGO_CFG_", "CARGO_FEATURE_", "CARGO_PKG_", "__CARGO"];

fn main() {
    let manifest_dir = PathBuf::from(env_var("CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir
        .parent()
        .and_then(Path::parent)
        .expect("tests/guests sits two levels below the workspace root")
        .to_path_buf();
    for watched in [
        "wit",
        "guest-sdk",
        "examples",
        "tests/fixtures",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        println!(
            "cargo:rerun-if-changed={}",
            workspace.join(watched).display()
        );
    }
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");

    let target_dir = match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        // A relative CARGO_TARGET_DIR is relative to where cargo was started,
        // which a build script cannot see; the workspace root is the usual one.
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    };
    let guest_target = target_dir.join("guests");

    build_guests(&workspace, &guest_target);

    let artifacts = guest_target.join(TARGET_TRIPLE).join(PROFILE_NAME);
    let out = PathBuf::from(env_var("OUT_DIR")).join("guests.rs");
    fs::write(&out, generate(&artifacts)).expect("write guests.rs");
}

fn env_var(name: &str) -> String {
    env::var(name).unwrap_or_else(|_| panic!("cargo did not set {name}"))
}

fn build_guests(workspace: &Path, guest_target: &Path) {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace).arg("build");
    for (_, package, _) in GUESTS {
        cmd.args(["-p", package]);
    }
    cmd.args(["--target", TARGET_TRIPLE, "--profile", PROFILE_NAME])
        .arg("--target-dir")
        .arg(guest_target);
    for name in SCRUBBED {
        cmd.env_remove(name);
    }
    for (name, _) in env::vars_os() {
        let leaks = name
            .to_str()
            .is_some_and(|n| SCRUBBED_PREFIXES.iter().any(|p| n.starts_with(p)));
        if leaks {
            cmd.env_remove(name);
        }
    }
    // Cargo reads this script's stdout for directives: keep the nested
    // cargo's output on stderr, which cargo shows when the build fails.
    cmd.stdout(Stdio::from(std::io::stderr()));

    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("could not run cargo for the guest build: {e}"));
    if !status.success() {
        panic!(
            "building the guest components for {TARGET_TRIPLE} failed ({status}); \
             see the cargo output above. If the target is missing, install it with \
             `rustup target add {TARGET_TRIPLE}`. Command: {cmd:?}"
        );
    }
}

/// The Rust source of the path constants and `all()`.
fn generate(artifacts: &Path) -> String {
    let mut src = String::new();
    let mut all = String::new();
    for (constant, package, doc) in GUESTS {
        // cdylib outputs use the crate name, with `-` turned into `_`.
        let wasm = artifacts.join(format!("{}.wasm", package.replace('-', "_")));
        assert!(
            wasm.is_file(),
            "the guest build succeeded but {} is missing",
            wasm.display()
        );
        let path = wasm.to_str().expect("target directory path is UTF-8");
        writeln!(
            src,
            "/// {doc}\n///\n/// Absolute path of the `.wasm` component."
        )
        .ok();
        writeln!(src, "pub const {constant}: &str = {path:?};").ok();
        writeln!(all, "        ({package:?}, {constant}),").ok();
    }
    writeln!(
        src,
        "/// Every guest as `(package name, path)`, in a fixed order.\n\
         pub fn all() -> &'static [(&'static str, &'static str)] {{\n    &[\n{all}    ]\n}}"
    )
    .ok();
    src
}
