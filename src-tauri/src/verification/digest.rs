//! Webhook signatures: an HMAC over the raw body with the webhook secret, in hex,
//! named by `X-Payload-Digest-Alg`.

use hmac::{Hmac, Mac};

/// Digest algorithm of webhook signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DigestAlg {
    Sha1,
    #[default]
    Sha256,
    Sha512,
}

impl DigestAlg {
    pub fn header_name(self) -> &'static str {
        match self {
            Self::Sha1 => "HMAC_SHA1_HEX",
            Self::Sha256 => "HMAC_SHA256_HEX",
            Self::Sha512 => "HMAC_SHA512_HEX",
        }
    }

    pub fn from_header(name: &str) -> Option<Self> {
        match name {
            "HMAC_SHA1_HEX" => Some(Self::Sha1),
            "HMAC_SHA256_HEX" => Some(Self::Sha256),
            "HMAC_SHA512_HEX" => Some(Self::Sha512),
            _ => None,
        }
    }
}

/// Hex HMAC of the raw body with the webhook secret.
pub fn digest(alg: DigestAlg, secret: &[u8], body: &[u8]) -> String {
    fn run<M: Mac + hmac::digest::KeyInit>(secret: &[u8], body: &[u8]) -> String {
        let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(secret)
            .expect("HMAC takes keys of any length");
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    }
    match alg {
        DigestAlg::Sha1 => run::<Hmac<sha1::Sha1>>(secret, body),
        DigestAlg::Sha256 => run::<Hmac<sha2::Sha256>>(secret, body),
        DigestAlg::Sha512 => run::<Hmac<sha2::Sha512>>(secret, body),
    }
}

/// Checks `received` (hex) against the body's HMAC in constant time.
pub fn verify(alg: DigestAlg, secret: &[u8], body: &[u8], received: &str) -> bool {
    fn run<M: Mac + hmac::digest::KeyInit>(secret: &[u8], body: &[u8], expected: &[u8]) -> bool {
        let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(secret)
            .expect("HMAC takes keys of any length");
        mac.update(body);
        mac.verify_slice(expected).is_ok()
    }
    let Ok(expected) = hex::decode(received.trim()) else {
        return false;
    };
    match alg {
        DigestAlg::Sha1 => run::<Hmac<sha1::Sha1>>(secret, body, &expected),
        DigestAlg::Sha256 => run::<Hmac<sha2::Sha256>>(secret, body, &expected),
        DigestAlg::Sha512 => run::<Hmac<sha2::Sha512>>(secret, body, &expected),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_accepts_the_right_digest_only() {
        let good = digest(DigestAlg::Sha256, b"k", b"body");
        assert!(verify(DigestAlg::Sha256, b"k", b"body", &good));
        assert!(!verify(DigestAlg::Sha256, b"k", b"body!", &good));
        assert!(!verify(DigestAlg::Sha256, b"other", b"body", &good));
        assert!(!verify(DigestAlg::Sha512, b"k", b"body", &good));
        assert!(!verify(DigestAlg::Sha256, b"k", b"body", "not hex"));
    }

    #[test]
    fn matches_the_reference_vectors() {
        let body = br#"{"type":"applicantReviewed","applicantId":"65a1b2c3d4e5f60718293a4b","reviewStatus":"completed","reviewResult":{"reviewAnswer":"GREEN"}}"#;
        let secret = b"webhook-docs-example-secret";
        assert_eq!(
            digest(DigestAlg::Sha1, secret, body),
            "68c955a5d57e8c4852956dad357bd9ee31516372"
        );
        assert_eq!(
            digest(DigestAlg::Sha256, secret, body),
            "da62f7c78da78b3f44e6fe56627ed13c7518753ff885df83614c30fc02ddc314"
        );
        assert_eq!(
            digest(DigestAlg::Sha512, secret, body),
            "65c6089dceea95d45a3a4453c09b49b4e59f5baa0e229e157a58c67cc5d96f5c6a5b85471e9bb14ba5f24e5fd48d551dd4dcee2eb2968cb271485fad5791d1bd"
        );
    }
}
