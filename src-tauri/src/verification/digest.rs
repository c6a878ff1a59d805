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
