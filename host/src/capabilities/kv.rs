//! `bothost:bot/kv`: the team's key-value state.

use super::Capabilities;
use super::bindings::kv::{Host, KeyPage, KvError, UpdateError};
use crate::storage::{MAX_LIST_KEYS, StorageError};

/// Longest a bot's storage call waits for the database. A slow disk then
/// answers `unavailable` well within the call's wall-clock limit instead of
/// timing the call out and poisoning an instance that did nothing wrong.
/// (A write that timed out may still commit.)
pub(super) const STORAGE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Waits at most [`STORAGE_WAIT`] for a storage call.
pub(super) async fn bounded<T>(
    call: impl std::future::Future<Output = Result<T, StorageError>>,
) -> Result<T, StorageError> {
    tokio::time::timeout(STORAGE_WAIT, call)
        .await
        .unwrap_or_else(|_| {
            Err(StorageError::Unavailable(format!(
                "no answer from storage within {} s",
                STORAGE_WAIT.as_secs()
            )))
        })
}

type Answer<T> = wasmtime::Result<Result<T, KvError>>;
type Update<T> = wasmtime::Result<Result<T, UpdateError>>;

fn kv_error(e: StorageError) -> KvError {
    match e {
        StorageError::QuotaExceeded { .. }
        | StorageError::TooManyKeys { .. }
        | StorageError::ValueTooLarge { .. } => KvError::QuotaExceeded,
        StorageError::InvalidKey(_) => KvError::InvalidKey,
        StorageError::Unavailable(why) => KvError::Unavailable(why),
        other @ (StorageError::NotANumber | StorageError::Corrupt(_)) => {
            KvError::Unavailable(other.to_string())
        }
    }
}

fn update_error(e: StorageError) -> UpdateError {
    match e {
        StorageError::QuotaExceeded { .. }
        | StorageError::TooManyKeys { .. }
        | StorageError::ValueTooLarge { .. } => UpdateError::QuotaExceeded,
        StorageError::InvalidKey(_) => UpdateError::InvalidKey,
        StorageError::NotANumber => UpdateError::NotANumber,
        StorageError::Unavailable(why) => UpdateError::Unavailable(why),
        StorageError::Corrupt(why) => UpdateError::Unavailable(format!("corrupt: {why}")),
    }
}

impl Host for Capabilities {
    async fn get(&mut self, key: String) -> Answer<Option<Vec<u8>>> {
        Ok(bounded(self.kv.get(&self.team, &key))
            .await
            .map_err(kv_error))
    }

    async fn set(&mut self, key: String, value: Vec<u8>) -> Answer<()> {
        Ok(bounded(self.kv.set(&self.team, &key, value))
            .await
            .map_err(kv_error))
    }

    async fn delete(&mut self, key: String) -> Answer<bool> {
        Ok(bounded(self.kv.delete(&self.team, &key))
            .await
            .map_err(kv_error))
    }

    async fn list_keys(&mut self, prefix: String) -> Answer<Vec<String>> {
        Ok(bounded(self.kv.list_keys(&self.team, &prefix))
            .await
            .map_err(kv_error))
    }

    async fn increment(&mut self, key: String, delta: i64) -> Update<i64> {
        Ok(bounded(self.kv.increment(&self.team, &key, delta))
            .await
            .map_err(update_error))
    }

    async fn compare_and_swap(
        &mut self,
        key: String,
        expected: Option<Vec<u8>>,
        new: Option<Vec<u8>>,
    ) -> Update<bool> {
        Ok(bounded(
            self.kv
                .compare_and_swap(&self.team, &key, expected.as_deref(), new),
        )
        .await
        .map_err(update_error))
    }

    async fn list_keys_page(
        &mut self,
        prefix: String,
        after: Option<String>,
        limit: u32,
    ) -> Answer<KeyPage> {
        let limit = usize::try_from(limit).unwrap_or(MAX_LIST_KEYS);
        Ok(bounded(
            self.kv
                .list_keys_page(&self.team, &prefix, after.as_deref(), limit),
        )
        .await
        .map(|page| KeyPage {
            keys: page.keys,
            next: page.next,
        })
        .map_err(kv_error))
    }
}
