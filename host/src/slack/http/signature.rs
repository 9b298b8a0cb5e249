//! Slack's request signing (`v0`): HMAC-SHA256 with the app's signing
//! secret over `v0:{timestamp}:{raw body}`, sent as `v0=` + hex digest in
//! `X-Slack-Signature`, the timestamp in `X-Slack-Request-Timestamp`.
//! Checked over the raw bytes before anything is parsed; the digest is
//! compared in constant time (`Mac::verify_slice`); a timestamp more than
//! five minutes from now is refused (a replay).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::refusal::Refusal;
use crate::secret::Secret;

/// How far a request's timestamp may be from now, in seconds.
pub const MAX_SKEW_SECS: i64 = 5 * 60;

/// The signature scheme's version prefix.
const VERSION: &str = "v0";

type HmacSha256 = Hmac<Sha256>;

/// The two headers as they came (absent: `None`).
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
}

fn mac(secret: &Secret, timestamp: &str, body: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(VERSION.as_bytes());
    mac.update(b":");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac
}

/// The `X-Slack-Signature` value for `body` sent at `timestamp`.
pub fn sign(secret: &Secret, timestamp: &str, body: &[u8]) -> String {
    let digest = mac(secret, timestamp, body).finalize().into_bytes();
    let mut out = String::with_capacity(3 + 64);
    out.push_str(VERSION);
    out.push('=');
    for byte in digest {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    out
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn unhex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

/// Checks a request signed with `secret`, `now` being the Unix time in
/// seconds.
///
/// # Errors
/// The [`Refusal`] to answer with: headers missing, a timestamp that is
/// not a number or too far from now, a signature that does not match.
pub fn verify(secret: &Secret, signed: Signed<'_>, body: &[u8], now: i64) -> Result<(), Refusal> {
    let (Some(timestamp), Some(signature)) = (signed.timestamp, signed.signature) else {
        return Err(Refusal::Unsigned);
    };
    let at: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| Refusal::BadTimestamp)?;
    if now.abs_diff(at) > MAX_SKEW_SECS.unsigned_abs() {
        return Err(Refusal::Stale);
    }
    let digest = signature
        .strip_prefix("v0=")
        .and_then(unhex)
        .ok_or(Refusal::BadSignature)?;
    mac(secret, timestamp, body)
        .verify_slice(&digest)
        .map_err(|_| Refusal::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_531_420_618;

    fn secret() -> Secret {
        Secret::new("8f742231b10e8888abcd99yyyzzz85a5")
    }

    fn signed<'a>(timestamp: &'a str, signature: &'a str) -> Signed<'a> {
        Signed {
            timestamp: Some(timestamp),
            signature: Some(signature),
        }
    }

    /// Slack's own worked example (api.slack.com, "Verifying requests
    /// from Slack").
    #[test]
    fn slacks_documented_example_verifies() {
        let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        let expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
        assert_eq!(sign(&secret(), "1531420618", body), expected);
        assert_eq!(
            verify(&secret(), signed("1531420618", expected), body, NOW),
            Ok(())
        );
    }

    #[test]
    fn a_tampered_body_secret_or_signature_is_refused() {
        let body = b"{\"type\":\"event_callback\"}";
        let good = sign(&secret(), "1531420618", body);
        let check = |secret: &Secret, sig: &str, body: &[u8]| {
            verify(secret, signed("1531420618", sig), body, NOW)
        };
        assert_eq!(check(&secret(), &good, body), Ok(()));
        assert_eq!(
            check(&secret(), &good, b"{\"type\":\"event_callbacK\"}"),
            Err(Refusal::BadSignature)
        );
        assert_eq!(
            check(&Secret::new("other"), &good, body),
            Err(Refusal::BadSignature)
        );
        let mut flipped = good.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
        let flipped = String::from_utf8(flipped).expect("ascii");
        for bad in [flipped.as_str(), &good[3..], "v1=00", "v0=zz", "v0=abc", ""] {
            assert_eq!(
                check(&secret(), bad, body),
                Err(Refusal::BadSignature),
                "{bad}"
            );
        }
        // Upper-case hex is the same digest.
        let upper = format!("v0={}", good[3..].to_uppercase());
        assert_eq!(check(&secret(), &upper, body), Ok(()));
    }

    #[test]
    fn timestamps_beyond_five_minutes_either_way_are_refused() {
        let body = b"x";
        for (offset, ok) in [
            (0, true),
            (300, true),
            (-300, true),
            (301, false),
            (-301, false),
        ] {
            let ts = (NOW + offset).to_string();
            let sig = sign(&secret(), &ts, body);
            let result = verify(&secret(), signed(&ts, &sig), body, NOW);
            if ok {
                assert_eq!(result, Ok(()), "{offset}");
            } else {
                assert_eq!(result, Err(Refusal::Stale), "{offset}");
            }
        }
        let sig = sign(&secret(), "soon", body);
        assert_eq!(
            verify(&secret(), signed("soon", &sig), body, NOW),
            Err(Refusal::BadTimestamp)
        );
        assert_eq!(
            verify(&secret(), signed(&i64::MIN.to_string(), &sig), body, NOW),
            Err(Refusal::Stale)
        );
    }

    #[test]
    fn missing_headers_are_refused() {
        let none = Signed {
            timestamp: None,
            signature: Some("v0=00"),
        };
        assert_eq!(verify(&secret(), none, b"", NOW), Err(Refusal::Unsigned));
        let none = Signed {
            timestamp: Some("1531420618"),
            signature: None,
        };
        assert_eq!(verify(&secret(), none, b"", NOW), Err(Refusal::Unsigned));
    }
}
