//! Tokens at rest: XChaCha20-Poly1305 with a random 24-byte nonce per write
//! (random nonces of that size never repeat in practice, so no counter has
//! to survive restarts) and the row's identity as associated data, so a
//! sealed token copied into another row does not open there.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::TryRngCore;
use zeroize::Zeroizing;

use crate::storage::{StorageError, StorageKey};

/// The format byte in front of every sealed value: a later version (another
/// cipher, a rotated key) can tell its own values from these.
const VERSION: u8 = 1;
const NONCE: usize = 24;

/// Seals and opens values with the storage key.
pub(super) struct Sealer(XChaCha20Poly1305);

impl Sealer {
    pub(super) fn new(key: &StorageKey) -> Self {
        Self(XChaCha20Poly1305::new(&(*key.bytes()).into()))
    }

    /// `VERSION ‖ nonce ‖ ciphertext and tag`.
    ///
    /// # Errors
    /// The system's random source failed.
    pub(super) fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, StorageError> {
        let mut nonce = [0_u8; NONCE];
        rand::rngs::OsRng
            .try_fill_bytes(&mut nonce)
            .map_err(|e| StorageError::Unavailable(format!("no random nonce: {e}")))?;
        let sealed = self
            .0
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| StorageError::Unavailable("encryption failed".into()))?;
        let mut out = Vec::with_capacity(1 + NONCE + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// The plaintext, or `None` when `sealed` was not sealed with this key
    /// for `aad` (another key, another row, or damaged bytes).
    pub(super) fn open(&self, aad: &[u8], sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let (&version, rest) = sealed.split_first()?;
        if version != VERSION || rest.len() < NONCE {
            return None;
        }
        let (nonce, ciphertext) = rest.split_at(NONCE);
        let nonce = XNonce::try_from(nonce).ok()?;
        self.0
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .ok()
            .map(Zeroizing::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_row() {
        let sealer = Sealer::new(&StorageKey::from_bytes([1; 32]));
        let a = sealer.seal(b"team/T1", b"xoxb-1").expect("seal");
        let b = sealer.seal(b"team/T1", b"xoxb-1").expect("seal");
        assert_ne!(a, b, "a fresh nonce per write");
        assert_eq!(
            sealer.open(b"team/T1", &a).as_deref().map(Vec::as_slice),
            Some(&b"xoxb-1"[..])
        );
        assert!(sealer.open(b"team/T2", &a).is_none(), "another row");
        let other = Sealer::new(&StorageKey::from_bytes([2; 32]));
        assert!(other.open(b"team/T1", &a).is_none(), "another key");
        for damaged in [&a[..5], &[], &[9; 60]] {
            assert!(sealer.open(b"team/T1", damaged).is_none());
        }
    }
}
