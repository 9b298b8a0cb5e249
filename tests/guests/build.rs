//! Builds every guest component (examples and test fixtures) for
//! `wasm32-wasip2` with a nested `cargo build --profile guest`, then writes
//! their paths as constants into `$OUT_DIR/guests.rs`.
//!
//! When the toolchain lacks the `wasm32-wasip2` target (rustup adds the
//! targets of `rust-toolchain.toml` only when it installs the toolchain
//! itself, so a machine that already had Rust 1.95 has none), the script
//! installs it with `rustup target add`, saying so in a cargo warning, or
//! stops with a one-line instruction where there is no rustup.
//!
//! Python and JavaScript examples are built too when their toolchains are
//! installed (`foreign.rs`); their constants are `Option`s.
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

mod foreign;
use foreign::{FOREIGN, Lang};

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
        "CHANNEL_ADMIN",
        "channel-admin",
        "The `channel-admin` example bot (`examples/channel-admin`): channels, members, history (contract 0.2.2).",
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
    (
        "WORLD_0_2_0",
        "world-0-2-0",
        "Fixture bot built against the released `bothost:bot@0.2.0` contract, without the SDK (`tests/fixtures/world-0-2-0`).",
    ),
    (
        "WORLD_0_1_0",
        "world-0-1-0",
        "Fixture bot built against the first released contract, `bothost:bot@0.1.0` (world-level exports), without the SDK (`tests/fixtures/world-0-1-0`).",
    ),
    (
        "HOSTILE",
        "hostile",
        "Fixture written to hurt the host and its neighbours, one attack per config key or message (`tests/fixtures/hostile`).",
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
        "tools/js/package-lock.json",
        "tools/python/requirements.txt",
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

    ensure_target(&workspace);
    build_guests(&workspace, &guest_target);

    let artifacts = guest_target.join(TARGET_TRIPLE).join(PROFILE_NAME);
    let mut src = generate(&artifacts);
    src.push_str(&build_foreign(&workspace, &guest_target));
    let cache = guest_target.join("wasmtime-cache");
    writeln!(
        src,
        "/// A wasmtime compile cache for tests: Python and JS components take\n\
         /// seconds to compile, so tests that load them share one.\n\
         pub const COMPILE_CACHE: &str = {:?};",
        cache.to_str().expect("UTF-8 target path")
    )
    .ok();
    let out = PathBuf::from(env_var("OUT_DIR")).join("guests.rs");
    fs::write(&out, src).expect("write guests.rs");
}

/// Builds the Python and JS examples whose toolchain is present, in
/// parallel; returns the source of their constants and of the reasons
/// for the missing ones.
fn build_foreign(workspace: &Path, guest_target: &Path) -> String {
    let mut src = String::new();
    let langs = [Lang::Python, Lang::Js, Lang::SpiderMonkey];
    let tools: Vec<_> = langs.iter().map(|l| l.toolchain(workspace)).collect();
    if tools.iter().any(Result::is_err) {
        // Look again on the next build: the toolchain may be installed by then.
        println!(
            "cargo:rerun-if-changed={}",
            guest_target.join("toolchain-missing").display()
        );
    }
    let built: Vec<_> = std::thread::scope(|scope| {
        let jobs: Vec<_> = FOREIGN
            .iter()
            .map(|&(constant, lang, dir)| {
                let tool = tools[langs.iter().position(|l| *l == lang).expect("listed")].clone();
                let job = scope.spawn(move || {
                    tool.ok()
                        .map(|tool| foreign::build(lang, &tool, workspace, dir, guest_target))
                });
                (constant, lang, dir, job)
            })
            .collect();
        jobs.into_iter()
            .map(|(c, l, d, job)| (c, l, d, job.join().expect("build thread")))
            .collect()
    });
    for (constant, lang, dir, result) in built {
        let path = match result {
            None => None,
            Some(Ok(path)) => Some(path.to_str().expect("UTF-8 target path").to_owned()),
            Some(Err(e)) => panic!("building {dir} failed: {e}"),
        };
        writeln!(
            src,
            "/// The {} example `{dir}`, or `None` when its toolchain is absent.\n\
             pub const {constant}: Option<&str> = {path:?};",
            lang.name()
        )
        .ok();
    }
    for (lang, tool) in langs.iter().zip(&tools) {
        let why = tool.as_ref().err().cloned().unwrap_or_default();
        let constant = lang.name().to_uppercase();
        writeln!(
            src,
            "/// Why the {} examples were not built (empty when they were).\n\
             pub const {constant}_MISSING: &str = {why:?};",
            lang.name()
        )
        .ok();
    }
    src
}

fn env_var(name: &str) -> String {
    env::var(name).unwrap_or_else(|_| panic!("cargo did not set {name}"))
}

/// Stops the build with one line that says what to do, instead of a panic
/// and a backtrace (or the guest build's `can't find crate for core`).
fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}

/// Whether the compiler cargo uses has the standard library for the target.
fn target_installed(rustc: &std::ffi::OsStr) -> bool {
    let Ok(out) = Command::new(rustc)
        .args(["--print", "target-libdir", "--target", TARGET_TRIPLE])
        .output()
    else {
        return false;
    };
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    out.status.success()
        && fs::read_dir(&dir).is_ok_and(|mut entries| {
            entries
                .any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().starts_with("libcore-")))
        })
}

/// Installs the wasm target through rustup when the toolchain lacks it.
fn ensure_target(workspace: &Path) {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    if target_installed(&rustc) {
        return;
    }
    let instruction = format!(
        "the Rust toolchain has no {TARGET_TRIPLE} target, which the example bots and test \
         fixtures are built for: run `rustup target add {TARGET_TRIPLE}` (or install the \
         target your way), then build again"
    );
    let mut rustup = Command::new("rustup");
    rustup
        .current_dir(workspace)
        .args(["target", "add", TARGET_TRIPLE]);
    // Set by rustup's proxies: the toolchain cargo runs on (the one
    // rust-toolchain.toml pins), which is the one that needs the target.
    if let Ok(toolchain) = env::var("RUSTUP_TOOLCHAIN") {
        rustup.args(["--toolchain", &toolchain]);
    }
    rustup.stdout(Stdio::from(std::io::stderr()));
    let Ok(mut child) = rustup.spawn() else {
        fail(&format!("rustup was not found; {instruction}"));
    };
    println!(
        "cargo:warning=the toolchain has no {TARGET_TRIPLE} target; installing it: {}",
        shown(&rustup)
    );
    match child.wait() {
        Ok(status) if status.success() && target_installed(&rustc) => {
            println!("cargo:warning=installed the {TARGET_TRIPLE} target");
        }
        Ok(status) => fail(&format!(
            "`{}` failed ({status}); {instruction}",
            shown(&rustup)
        )),
        Err(e) => fail(&format!("`{}` failed ({e}); {instruction}", shown(&rustup))),
    }
}

/// A command as one would type it.
fn shown(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
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
