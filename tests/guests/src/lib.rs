//! Paths of the guest components (example bots and test fixtures), built
//! for `wasm32-wasip2` with the `guest` profile by this crate's `build.rs`.
//!
//! Host tests depend on this crate to get fresh `.wasm` files without
//! knowing how they are built:
//!
//! ```no_run
//! let bytes = std::fs::read(bothost_guests::ECHO).unwrap();
//! assert!(!bytes.is_empty());
//! ```

include!(concat!(env!("OUT_DIR"), "/guests.rs"));

/// A Python or JavaScript example for a test, or `None` when its toolchain
/// was not installed when the guests were built (`missing` says which and
/// how to install it). Locally the test should then return early, and this
/// prints why; in CI (`CI=true`) a missing toolchain is a failure, so the
/// languages are never skipped silently there.
///
/// # Panics
/// In CI, when the component was not built.
pub fn foreign(bot: Option<&'static str>, missing: &str) -> Option<&'static str> {
    use std::io::Write as _;
    if bot.is_none() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "{missing}: .ci/run installs the Python and JS toolchains before `cargo test`"
        );
        // Written to the process's stderr, not through `eprintln!`, which
        // the test harness captures: a skip should be seen.
        let _ = writeln!(std::io::stderr(), "skipped: {missing}");
    }
    bot
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_component_exists() {
        assert_eq!(super::all().len(), 11);
        for (name, path) in super::all() {
            let meta = std::fs::metadata(path);
            assert!(meta.is_ok_and(|m| m.len() > 0), "{name}: {path}");
        }
    }
}
