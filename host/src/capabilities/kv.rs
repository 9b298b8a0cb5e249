//! `bothost:bot/kv`: the team's key-value state.

use super::Capabilities;
use super::bindings::kv::{Host, KvError};
use crate::storage::StorageError;

type Answer<T> = wasmtime::Result<Result<T, KvError>>;

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

impl Host for Capabilities {
    async fn get(&mut self, key: String) -> Answer<Option<Vec<u8>>> {
        Ok(self.kv.get(&self.team, &key).await.map_err(kv_error))
    }

    async fn set(&mut self, key: String, value: Vec<u8>) -> Answer<()> {
        Ok(self.kv.set(&self.team, &key, value).await.map_err(kv_error))
    }

    async fn delete(&mut self, key: String) -> Answer<bool> {
        Ok(self.kv.delete(&self.team, &key).await.map_err(kv_error))
    }

    async fn list_keys(&mut self, prefix: String) -> Answer<Vec<String>> {
        Ok(self
            .kv
            .list_keys(&self.team, &prefix)
            .await
            .map_err(kv_error))
    }
}
