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

#[cfg(test)]
mod tests {
    #[test]
    fn every_component_exists() {
        assert_eq!(super::all().len(), 7);
        for (name, path) in super::all() {
            let meta = std::fs::metadata(path);
            assert!(meta.is_ok_and(|m| m.len() > 0), "{name}: {path}");
        }
    }
}
