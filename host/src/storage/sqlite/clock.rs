//! Wall-clock times as the database keeps them: milliseconds since the
//! Unix epoch, as SQLite's 64-bit integers.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::storage::StorageError;

/// `time` in milliseconds since the epoch; times before it count as the
/// epoch, times past `i64::MAX` ms (in 292 million years) as that.
pub(super) fn to_unix_ms(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |since| {
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
    })
}

/// A stored time back.
///
/// # Errors
/// [`StorageError::Corrupt`] for a negative value (never written).
pub(super) fn from_unix_ms(ms: i64) -> Result<SystemTime, StorageError> {
    u64::try_from(ms)
        .ok()
        .and_then(|ms| UNIX_EPOCH.checked_add(Duration::from_millis(ms)))
        .ok_or_else(|| StorageError::Corrupt(format!("time {ms} ms is not a time")))
}

/// A duration in milliseconds, saturating.
pub(super) fn duration_ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// A stored duration back.
///
/// # Errors
/// [`StorageError::Corrupt`] for a negative value (never written).
pub(super) fn from_duration_ms(ms: i64) -> Result<Duration, StorageError> {
    u64::try_from(ms)
        .map(Duration::from_millis)
        .map_err(|_| StorageError::Corrupt(format!("duration {ms} ms is negative")))
}
