//! The OAuth `state`: the install's CSRF defence. Signed (HMAC-SHA256 over
//! a random nonce, the app and the expiry), short-lived, single-use (a
//! used nonce is remembered until the state would have expired, in a
//! bounded map) and bound to the browser that asked for it (the nonce is
//! also in an HttpOnly cookie set by the install page).
//!
//! **The key is random per process.** A state lives minutes, and the
//! single-use check is in this process's memory: a key that survived a
//! restart would make states issued before it valid again, replays
//! included. With a fresh key, a restart refuses them as forged (the admin
//! clicks "Add to Slack" again), and no secret has to be kept or derived
//! from the storage key.
//!
//! Times are on an [`InstallClock`] (tokio's clock plus a skew tests may
//! advance), never the wall clock.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use thiserror::Error;

/// How long a state is good for.
pub const STATE_TTL: Duration = Duration::from_secs(600);

/// Used nonces remembered at most (each until its state expires): past
/// this, new callbacks are refused as busy rather than forgetting one.
const MAX_USED: usize = 10_000;

const NONCE: usize = 16;
const MAC: usize = 32;

/// The process's install clock: tokio's clock (paused in tests that want
/// it) plus a skew a test may add with [`InstallClock::advance`].
#[derive(Debug)]
pub struct InstallClock {
    base: tokio::time::Instant,
    skew_ms: AtomicU64,
}

impl Default for InstallClock {
    fn default() -> Self {
        Self {
            base: tokio::time::Instant::now(),
            skew_ms: AtomicU64::new(0),
        }
    }
}

impl InstallClock {
    /// Time since the clock started.
    pub fn now(&self) -> Duration {
        self.base.elapsed() + Duration::from_millis(self.skew_ms.load(Ordering::Relaxed))
    }

    /// Moves this clock (only) forward.
    pub fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.skew_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

/// Why a state was refused. None of them says more than the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum StateError {
    #[error("the install link is not one this host made (or the host restarted since)")]
    Forged,
    #[error("the install link expired; start again")]
    Expired,
    #[error("the install link was already used; start again")]
    Replayed,
    #[error("this browser did not start the install (cookie missing or different)")]
    Cookie,
    #[error("too many installs at once; try again in a few minutes")]
    Busy,
}

impl StateError {
    /// The metric label.
    pub fn reason(self) -> &'static str {
        match self {
            StateError::Forged => "forged_state",
            StateError::Expired => "expired_state",
            StateError::Replayed => "replayed_state",
            StateError::Cookie => "cookie",
            StateError::Busy => "busy",
        }
    }
}

/// A state handed to the browser: the query value and the cookie value.
#[derive(Debug, Clone)]
pub struct Issued {
    pub state: String,
    pub cookie: String,
}

/// Issues and checks states.
pub struct StateSigner {
    key: [u8; 32],
    ttl: Duration,
    /// Used nonces → when their state expires.
    used: Mutex<HashMap<[u8; NONCE], Duration>>,
}

impl std::fmt::Debug for StateSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateSigner").finish_non_exhaustive()
    }
}

/// Random bytes from the thread's CSPRNG (seeded from the OS).
fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0_u8; N];
    rand::Rng::fill(&mut rand::rng(), &mut bytes[..]);
    bytes
}

impl StateSigner {
    /// A signer with a fresh random key.
    pub fn new(ttl: Duration) -> Self {
        Self {
            key: random(),
            ttl,
            used: Mutex::default(),
        }
    }

    fn mac(&self, payload: &[u8]) -> [u8; MAC] {
        // HMAC takes a key of any length: this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(payload);
        mac.finalize().into_bytes().into()
    }

    /// A fresh state for `app`, valid for the TTL from `now`.
    pub fn issue(&self, app: &str, now: Duration) -> Issued {
        let nonce: [u8; NONCE] = random();
        let expiry = u64::try_from((now + self.ttl).as_millis()).unwrap_or(u64::MAX);
        let mut payload = Vec::with_capacity(NONCE + 8 + app.len());
        payload.extend_from_slice(&nonce);
        payload.extend_from_slice(&expiry.to_be_bytes());
        payload.extend_from_slice(app.as_bytes());
        let mac = self.mac(&payload);
        Issued {
            state: format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(&payload),
                URL_SAFE_NO_PAD.encode(mac)
            ),
            cookie: URL_SAFE_NO_PAD.encode(nonce),
        }
    }

    /// Checks `state` for `app` with the browser's `cookie`, and uses it
    /// up: a second check of the same state is [`StateError::Replayed`].
    ///
    /// # Errors
    /// Why the state is refused; nothing is used up then.
    pub fn redeem(
        &self,
        app: &str,
        state: &str,
        cookie: Option<&str>,
        now: Duration,
    ) -> Result<(), StateError> {
        let (payload, mac) = state.split_once('.').ok_or(StateError::Forged)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| StateError::Forged)?;
        let mac = URL_SAFE_NO_PAD
            .decode(mac)
            .map_err(|_| StateError::Forged)?;
        if payload.len() < NONCE + 8 || !bool::from(self.mac(&payload).ct_eq(&mac[..])) {
            return Err(StateError::Forged);
        }
        let (nonce, rest) = payload.split_at(NONCE);
        let (expiry, signed_app) = rest.split_at(8);
        if signed_app != app.as_bytes() {
            return Err(StateError::Forged);
        }
        let mut expiry_ms = [0_u8; 8];
        expiry_ms.copy_from_slice(expiry);
        let expiry = Duration::from_millis(u64::from_be_bytes(expiry_ms));
        if now >= expiry {
            return Err(StateError::Expired);
        }
        let mut key = [0_u8; NONCE];
        key.copy_from_slice(nonce);
        let mut used = self.used.lock().unwrap_or_else(PoisonError::into_inner);
        // Before the cookie: a replay is a replay, whichever browser (the
        // callback clears the cookie of the one that used it).
        if used.contains_key(&key) {
            return Err(StateError::Replayed);
        }
        let browser = cookie
            .and_then(|c| URL_SAFE_NO_PAD.decode(c).ok())
            .ok_or(StateError::Cookie)?;
        if !bool::from(browser.ct_eq(nonce)) {
            return Err(StateError::Cookie);
        }
        if used.len() >= MAX_USED {
            used.retain(|_, until| *until > now);
            if used.len() >= MAX_USED {
                return Err(StateError::Busy);
            }
        }
        used.insert(key, expiry);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Duration = Duration::from_secs(100);

    #[test]
    fn a_state_is_good_once_for_its_app_browser_and_time() {
        let signer = StateSigner::new(STATE_TTL);
        let issued = signer.issue("A1", T0);
        let cookie = Some(issued.cookie.as_str());
        assert_eq!(
            signer.redeem("A2", &issued.state, cookie, T0),
            Err(StateError::Forged)
        );
        assert_eq!(
            signer.redeem("A1", &issued.state, None, T0),
            Err(StateError::Cookie)
        );
        let other = signer.issue("A1", T0);
        assert_eq!(
            signer.redeem("A1", &issued.state, Some(&other.cookie), T0),
            Err(StateError::Cookie)
        );
        assert_eq!(
            signer.redeem("A1", &issued.state, cookie, T0 + STATE_TTL),
            Err(StateError::Expired)
        );
        assert_eq!(signer.redeem("A1", &issued.state, cookie, T0), Ok(()));
        assert_eq!(
            signer.redeem("A1", &issued.state, cookie, T0),
            Err(StateError::Replayed)
        );
        assert_eq!(
            signer.redeem("A1", &issued.state, None, T0),
            Err(StateError::Replayed),
            "also from a browser without the cookie"
        );
    }

    #[test]
    fn tampered_or_foreign_states_are_forged() {
        let signer = StateSigner::new(STATE_TTL);
        let issued = signer.issue("A1", T0);
        let cookie = Some(issued.cookie.as_str());
        let foreign = StateSigner::new(STATE_TTL).issue("A1", T0);
        let mut flipped = issued.state.clone().into_bytes();
        flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).expect("ascii");
        for state in [foreign.state.as_str(), &flipped, "", ".", "x.y", "é.é"] {
            assert_eq!(
                signer.redeem("A1", state, cookie, T0),
                Err(StateError::Forged),
                "{state}"
            );
        }
    }

    #[test]
    fn the_clock_moves_with_advance() {
        let clock = InstallClock::default();
        let before = clock.now();
        clock.advance(STATE_TTL);
        assert!(clock.now() >= before + STATE_TTL);
    }
}

/// Property tests: whatever a callback carries as `state` and cookie, the
/// answer is a refusal or (only for the state issued) an acceptance, never
/// a panic.
#[cfg(test)]
mod fuzz_tests {
    use proptest::prelude::*;

    use super::*;
    use crate::fuzz::{any_text, config};

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn any_state_is_refused_without_a_panic(
            state in any_text(),
            cookie in proptest::option::of(any_text()),
        ) {
            let signer = StateSigner::new(STATE_TTL);
            let now = Duration::from_secs(5);
            let issued = signer.issue("A1", now);
            let result = signer.redeem("A1", &state, cookie.as_deref(), now);
            prop_assert!(result.is_err() || state == issued.state);
        }

        #[test]
        fn a_damaged_issued_state_is_forged(at in 0_usize..64, byte in any::<u8>()) {
            let signer = StateSigner::new(STATE_TTL);
            let now = Duration::from_secs(5);
            let issued = signer.issue("A1", now);
            let mut bytes = issued.state.clone().into_bytes();
            let at = at % bytes.len();
            prop_assume!(bytes[at] != byte);
            bytes[at] = byte;
            let damaged = String::from_utf8_lossy(&bytes).into_owned();
            prop_assume!(damaged != issued.state);
            let result = signer.redeem("A1", &damaged, Some(&issued.cookie), now);
            prop_assert!(result.is_err());
        }
    }
}
