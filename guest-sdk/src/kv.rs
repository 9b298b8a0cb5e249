//! Key-value state private to the bot's team.
//!
//! It survives `reconfigure`, a new instance after a crash and a new bot
//! version, so it is where anything worth keeping belongs. Values are bytes;
//! the typed helpers fix one encoding per type (UTF-8 text, decimal `u64`)
//! so that values stay readable by operators and by later bot versions.

use std::fmt;

use crate::bindings::bothost::bot::kv as wit;
use crate::{KeyPage, KvError, UpdateError};

/// The raw value of `key`, if set.
pub fn get(key: &str) -> Result<Option<Vec<u8>>, KvError> {
    wit::get(key)
}

/// Store `value` under `key`, replacing any previous value.
pub fn set(key: &str, value: &[u8]) -> Result<(), KvError> {
    wit::set(key, value)
}

/// Remove `key`; returns whether it existed.
pub fn delete(key: &str) -> Result<bool, KvError> {
    wit::delete(key)
}

/// Keys starting with `prefix`, in lexicographic order: the first 1,000
/// (see [`list_keys_page`] for more).
pub fn list_keys(prefix: &str) -> Result<Vec<String>, KvError> {
    wit::list_keys(prefix)
}

/// Keys starting with `prefix` that sort after `after` (from the first
/// when `None`), at most `limit` (1 to 1,000), with where the next page
/// starts:
///
/// ```ignore
/// let mut after = None;
/// loop {
///     let page = kv::list_keys_page("score:", after.as_deref(), 100)?;
///     for key in &page.keys { /* … */ }
///     match page.next { Some(next) => after = Some(next), None => break }
/// }
/// ```
pub fn list_keys_page(prefix: &str, after: Option<&str>, limit: u32) -> Result<KeyPage, KvError> {
    wit::list_keys_page(prefix, after, limit)
}

/// Adds `delta` to the integer under `key` (decimal text; missing counts
/// as 0) and returns the sum, atomically in the host: the counter of a
/// leaderboard or a rate count without a read-modify-write race.
pub fn increment(key: &str, delta: i64) -> Result<i64, UpdateError> {
    wit::increment(key, delta)
}

/// Sets `key` to `new` (`None` deletes it) only if it now holds `expected`
/// (`None`: absent). Returns whether it did; on `false`, read and retry.
pub fn compare_and_swap(
    key: &str,
    expected: Option<&[u8]>,
    new: Option<&[u8]>,
) -> Result<bool, UpdateError> {
    wit::compare_and_swap(key, expected, new)
}

/// The value of `key` as UTF-8 text, if set.
pub fn get_string(key: &str) -> Result<Option<String>, ValueError> {
    match get(key)? {
        None => Ok(None),
        Some(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| ValueError::malformed(key, "UTF-8 text")),
    }
}

/// Store `value` under `key` as UTF-8 text.
pub fn set_string(key: &str, value: &str) -> Result<(), KvError> {
    set(key, value.as_bytes())
}

/// The value of `key` as a `u64` stored by [`set_u64`] (decimal text), if set.
pub fn get_u64(key: &str) -> Result<Option<u64>, ValueError> {
    match get_string(key)? {
        None => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|_| ValueError::malformed(key, "a decimal u64")),
    }
}

/// Store `value` under `key` as decimal text.
pub fn set_u64(key: &str, value: u64) -> Result<(), KvError> {
    set_string(key, &value.to_string())
}

/// Add `delta` to the `u64` under `key` (missing counts as 0, the sum
/// saturates) and return the new value.
///
/// Not atomic across instances, but the host runs one instance per team and
/// calls it one export at a time, so within a bot it is safe.
pub fn add_u64(key: &str, delta: u64) -> Result<u64, ValueError> {
    let value = get_u64(key)?.unwrap_or(0).saturating_add(delta);
    set_u64(key, value)?;
    Ok(value)
}

/// Why a typed read or update failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueError {
    /// The store itself failed.
    Kv(KvError),
    /// The key holds bytes that are not a value of the expected type.
    Malformed {
        /// The key read.
        key: String,
        /// What the value should have been, e.g. `a decimal u64`.
        expected: &'static str,
    },
}

impl ValueError {
    fn malformed(key: &str, expected: &'static str) -> Self {
        ValueError::Malformed {
            key: key.to_owned(),
            expected,
        }
    }
}

impl From<KvError> for ValueError {
    fn from(e: KvError) -> Self {
        ValueError::Kv(e)
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueError::Kv(e) => f.write_str(&e.describe()),
            ValueError::Malformed { key, expected } => {
                write!(f, "value of `{key}` is not {expected}")
            }
        }
    }
}

impl std::error::Error for ValueError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ValueError::Kv(e) => Some(e),
            ValueError::Malformed { .. } => None,
        }
    }
}
