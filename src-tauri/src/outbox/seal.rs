//! Encryption of what the outbox holds: XChaCha20-Poly1305 (an authenticated
//! cipher with random 192-bit nonces, so nonces never need a counter that a
//! crash could reset) under a 256-bit key kept in the system keychain.
//!
//! Every sealed value is bound to its place in the outbox through the
//! associated data, so a value copied into another row does not open.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

const NONCE_LEN: usize = 24;

/// The outbox key. Never printed, wiped when dropped.
pub struct OutboxKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for OutboxKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OutboxKey(…)")
    }
}

impl OutboxKey {
    pub fn generate() -> Self {
        Self(Zeroizing::new(rand::random()))
    }

    /// The form kept in the keychain: 64 hex digits.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(*self.0))
    }

    pub fn from_hex(text: &str) -> Option<Self> {
        let bytes = Zeroizing::new(hex::decode(text.trim()).ok()?);
        let key: [u8; 32] = bytes.as_slice().try_into().ok()?;
        Some(Self(Zeroizing::new(key)))
    }

    /// HMAC-SHA256 under a key derived from this one for `purpose`, over `parts`
    /// (each length-prefixed, so no two lists of parts give the same input).
    pub fn mac(&self, purpose: &str, parts: &[&[u8]]) -> [u8; 32] {
        use hmac::{Hmac, Mac};
        type H = Hmac<sha2::Sha256>;
        let mut derive = <H as Mac>::new_from_slice(&*self.0).expect("HMAC takes any key length");
        derive.update(b"onboard-kiosk outbox ");
        derive.update(purpose.as_bytes());
        let subkey: Zeroizing<[u8; 32]> = Zeroizing::new(derive.finalize().into_bytes().into());
        let mut mac = <H as Mac>::new_from_slice(&*subkey).expect("HMAC takes any key length");
        for part in parts {
            mac.update(&(part.len() as u64).to_le_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&*self.0).into())
    }

    /// nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, place: &str, plain: &[u8]) -> Vec<u8> {
        let nonce: [u8; NONCE_LEN] = rand::random();
        let sealed = self
            .cipher()
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: place.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encrypts any length the outbox stores");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// `None` when the value was sealed under another key, at another place, or altered.
    pub fn open(&self, place: &str, sealed: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        self.cipher()
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: place.as_bytes(),
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
    fn opens_only_with_the_same_key_and_place() {
        let key = OutboxKey::generate();
        let sealed = key.seal("entry 1", b"Anna Mustermann");
        assert_eq!(
            key.open("entry 1", &sealed).as_deref().map(Vec::as_slice),
            Some(&b"Anna Mustermann"[..])
        );
        assert!(
            key.open("entry 2", &sealed).is_none(),
            "moved to another row"
        );
        assert!(OutboxKey::generate().open("entry 1", &sealed).is_none());
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert!(key.open("entry 1", &altered).is_none());
        assert!(key.open("entry 1", &sealed[..10]).is_none());
        assert!(!sealed.windows(4).any(|w| w == b"Anna"));
    }

    #[test]
    fn the_key_round_trips_through_its_keychain_form_and_never_prints() {
        let key = OutboxKey::generate();
        let again = OutboxKey::from_hex(&key.to_hex()).unwrap();
        let sealed = key.seal("p", b"x");
        assert!(again.open("p", &sealed).is_some());
        assert_eq!(format!("{key:?}"), "OutboxKey(…)");
        assert!(OutboxKey::from_hex("abcd").is_none());
        assert!(OutboxKey::from_hex("not hex").is_none());
    }
}
