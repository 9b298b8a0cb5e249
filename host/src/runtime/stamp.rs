//! Which files were already hashed. Loading a component reads and hashes
//! it to find the compiled bot teams share; a Python component is ~19 MB,
//! so doing that for each of 1,000 teams cost ~18 ms a team. A file whose
//! length, modification time and inode are unchanged keeps its digest.

use std::collections::HashMap;
use std::fs::Metadata;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use super::compiled::BotDigest;

/// What a file looked like when it was hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    inode: u64,
}

impl Stamp {
    fn of(meta: &Metadata) -> Self {
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0;
        Self {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode,
        }
    }
}

/// Digests of files by path, valid while the file looks the same.
#[derive(Debug, Default)]
pub(super) struct Stamps(Mutex<HashMap<PathBuf, (Stamp, BotDigest)>>);

impl Stamps {
    /// The digest recorded for `path`, if the file still looks as it did.
    pub(super) fn digest(&self, path: &Path, meta: &Metadata) -> Option<BotDigest> {
        let map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(path)
            .filter(|(stamp, _)| *stamp == Stamp::of(meta))
            .map(|(_, digest)| *digest)
    }

    pub(super) fn record(&self, path: &Path, meta: &Metadata, digest: BotDigest) {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.insert(path.to_path_buf(), (Stamp::of(meta), digest));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_file_is_hashed_again() {
        let dir = std::env::temp_dir().join(format!("bothost-stamp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("bot.wasm");
        std::fs::write(&path, b"one").expect("write");
        let meta = std::fs::metadata(&path).expect("meta");
        let stamps = Stamps::default();
        let digest = BotDigest::of(b"one");
        stamps.record(&path, &meta, digest);
        assert_eq!(stamps.digest(&path, &meta), Some(digest), "unchanged");
        std::fs::write(&path, b"three").expect("rewrite");
        let changed = std::fs::metadata(&path).expect("meta");
        assert_eq!(stamps.digest(&path, &changed), None, "changed");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
