//! The key tokens are encrypted with at rest: from an environment variable,
//! or from a key file beside the database that the first start creates.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use base64::Engine;
use rand::TryRngCore;
use zeroize::Zeroizing;

use super::StorageOpenError;

/// The database path that means "in memory" (as SQLite spells it).
pub(super) const IN_MEMORY: &str = ":memory:";

/// The 32-byte key tokens are encrypted with. Never printed (its `Debug`
/// shows nothing of it), never logged, wiped from memory when dropped.
#[derive(Clone)]
pub struct StorageKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for StorageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StorageKey(<redacted>)")
    }
}

impl StorageKey {
    /// From the environment variable `env_var` (64 hex characters, or the
    /// standard base64 of 32 bytes) when `Some`; else from the key file
    /// `<database path>.key`, created on first start with 32 random bytes
    /// (written as hex, so it can be moved into a variable) readable by the
    /// owner only. An in-memory database without a variable gets a fresh
    /// random key: nothing it holds outlives the process anyway.
    ///
    /// # Errors
    /// A missing variable, a malformed key, or a key file that cannot be
    /// read or created, each naming the variable or file (never the key).
    pub fn load(
        env_var: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
        database: &Path,
    ) -> Result<Self, StorageOpenError> {
        if let Some(var) = env_var {
            let value =
                Zeroizing::new(env(var).ok_or_else(|| StorageOpenError::MissingKeyEnv {
                    var: var.to_owned(),
                })?);
            return Self::parse(value.as_bytes()).ok_or_else(|| StorageOpenError::MalformedKey {
                origin: format!("environment variable {var}"),
            });
        }
        if database == Path::new(IN_MEMORY) {
            return random_bytes().map(Self::from_bytes).map_err(|source| {
                StorageOpenError::KeyFile {
                    path: PathBuf::from(IN_MEMORY),
                    source,
                }
            });
        }
        Self::from_file(&key_file(database))
    }

    /// A key from its bytes (tests, benches).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The key itself, for the cipher.
    pub(super) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Reads the key file, or creates it when there is none.
    fn from_file(path: &Path) -> Result<Self, StorageOpenError> {
        let io = |source| StorageOpenError::KeyFile {
            path: path.to_path_buf(),
            source,
        };
        match read_key_file(path) {
            Ok(text) => {
                return Self::parse(&text).ok_or_else(|| StorageOpenError::MalformedKey {
                    origin: format!("key file {}", path.display()),
                });
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        let key = random_bytes().map_err(io)?;
        match create_key_file(path, &key) {
            Ok(()) => Ok(Self::from_bytes(key)),
            // Another process created it first: use theirs, never ours.
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                let text = read_key_file(path).map_err(io)?;
                Self::parse(&text).ok_or_else(|| StorageOpenError::MalformedKey {
                    origin: format!("key file {}", path.display()),
                })
            }
            Err(e) => Err(io(e)),
        }
    }

    /// 64 hex characters or the standard base64 of 32 bytes (surrounding
    /// white space ignored).
    fn parse(text: &[u8]) -> Option<Self> {
        let text = text.trim_ascii();
        let mut key = Zeroizing::new([0_u8; 32]);
        if text.len() == 64 {
            for (byte, pair) in key.iter_mut().zip(text.chunks_exact(2)) {
                *byte = (hex_digit(pair[0])? << 4) | hex_digit(pair[1])?;
            }
            return Some(Self(key));
        }
        let decoded = Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .ok()?,
        );
        key.copy_from_slice(decoded.get(..32).filter(|_| decoded.len() == 32)?);
        Some(Self(key))
    }
}

/// `bothost.db` → `bothost.db.key`.
pub(super) fn key_file(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn random_bytes() -> std::io::Result<[u8; 32]> {
    let mut key = [0_u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut key)
        .map_err(std::io::Error::other)?;
    Ok(key)
}

fn read_key_file(path: &Path) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let mut file = File::open(path)?;
    let mode = file.metadata()?.permissions().mode();
    if mode & 0o077 != 0 {
        tracing::warn!(
            file = %path.display(),
            "the storage key file is readable by other users than its owner (chmod 600 it)"
        );
    }
    let mut text = Zeroizing::new(Vec::new());
    file.read_to_end(&mut text)?;
    Ok(text)
}

/// Writes a new key file, owner-only from the first byte, and makes it
/// durable before the database is created: a database whose key file was
/// lost in a crash could never be opened again.
fn create_key_file(path: &Path, key: &[u8; 32]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    let mut text = Zeroizing::new(String::with_capacity(65));
    for byte in key {
        text.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        text.push(char::from(b"0123456789abcdef"[usize::from(byte & 0xf)]));
    }
    text.push('\n');
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn a_key_comes_from_hex_or_base64_and_is_never_printed() {
        let hex = "00".repeat(31) + "ff";
        let env = |var: &str| (var == "KEY").then(|| format!("{hex}\n"));
        let key = StorageKey::load(Some("KEY"), &env, Path::new("/nowhere/db")).expect("hex");
        assert_eq!(key.bytes()[31], 0xff);
        assert_eq!(format!("{key:?}"), "StorageKey(<redacted>)");
        let b64 = base64::engine::general_purpose::STANDARD.encode([7_u8; 32]);
        let env = move |_: &str| Some(b64.clone());
        let key = StorageKey::load(Some("KEY"), &env, Path::new("/nowhere/db")).expect("b64");
        assert_eq!(key.bytes(), &[7; 32]);
    }

    #[test]
    fn a_missing_or_malformed_variable_is_named_without_its_value() {
        let err = StorageKey::load(Some("BOTHOST_KEY"), &no_env, Path::new("db"))
            .expect_err("missing")
            .to_string();
        assert_eq!(
            err,
            "environment variable BOTHOST_KEY (the storage key) is not set"
        );
        let env = |_: &str| Some("zz-not-a-key-zz".to_owned());
        let err = StorageKey::load(Some("BOTHOST_KEY"), &env, Path::new("db"))
            .expect_err("malformed")
            .to_string();
        assert!(
            err.starts_with("environment variable BOTHOST_KEY does not hold"),
            "{err}"
        );
        assert!(!err.contains("zz-not-a-key-zz"), "{err}");
        let short = base64::engine::general_purpose::STANDARD.encode([1_u8; 31]);
        let env = move |_: &str| Some(short.clone());
        assert!(StorageKey::load(Some("K"), &env, Path::new("db")).is_err());
    }

    #[test]
    fn the_key_file_is_created_owner_only_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let database = dir.path().join("nested/state/bothost.db");
        let first = StorageKey::load(None, &no_env, &database).expect("created");
        let path = key_file(&database);
        assert_eq!(path, dir.path().join("nested/state/bothost.db.key"));
        let mode = std::fs::metadata(&path)
            .expect("key file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        let second = StorageKey::load(None, &no_env, &database).expect("reused");
        assert_eq!(first.bytes(), second.bytes());
        // Garbage in the file is an error naming the file, not a new key.
        std::fs::write(&path, "garbage").expect("write");
        let err = StorageKey::load(None, &no_env, &database)
            .expect_err("malformed")
            .to_string();
        assert!(
            err.contains("bothost.db.key does not hold a storage key"),
            "{err}"
        );
    }

    #[test]
    fn an_unreadable_key_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let database = dir.path().join("db");
        // A directory where the file should be cannot be read as a key.
        std::fs::create_dir(key_file(&database)).expect("mkdir");
        let err = StorageKey::load(None, &no_env, &database)
            .expect_err("unreadable")
            .to_string();
        assert!(
            err.starts_with("cannot read or create the storage key file"),
            "{err}"
        );
        assert!(err.contains("db.key"), "{err}");
    }
}
