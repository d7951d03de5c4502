//! Encryption of every copy that leaves the process (the persistent last-known-good copy and the
//! Redis tier): XChaCha20-Poly1305 with a random 192-bit nonce per copy.
//!
//! XChaCha20-Poly1305 is chosen over AES-256-GCM because its nonce is large enough to be drawn
//! at random for every seal for the lifetime of a key (AES-GCM's 96-bit random nonces allow
//! only about 2^32 seals per key). The associated data binds a copy to its source and resident,
//! so a copy moved to another row or key does not open.
//!
//! Sealed layout: `0x01` (format version) `|| nonce (24 bytes) || ciphertext || tag (16 bytes)`.

use std::fmt;

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::CacheError;

const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// Seals and opens cached payloads with one 256-bit key.
#[derive(Clone)]
pub struct PayloadCipher {
    aead: XChaCha20Poly1305,
}

impl fmt::Debug for PayloadCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PayloadCipher(..)")
    }
}

impl PayloadCipher {
    pub fn new(key: [u8; 32]) -> Self {
        Self {
            aead: XChaCha20Poly1305::new(&key.into()),
        }
    }

    /// A key in standard base64 (44 characters), e.g. from `openssl rand -base64 32`.
    pub fn from_base64(key: &str) -> Result<Self, CacheError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(key.trim())
            .map_err(|_| CacheError::Config("the cache key is not valid base64".into()))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| CacheError::Config("the cache key must be 32 bytes".into()))?;
        Ok(Self::new(key))
    }

    /// A cipher with a fresh random key: copies it seals do not survive a restart. For
    /// development and tests.
    pub fn random() -> Result<Self, CacheError> {
        let mut key = [0_u8; 32];
        let nonce = XNonce::try_generate().map_err(|_| no_randomness())?;
        let more = XNonce::try_generate().map_err(|_| no_randomness())?;
        key[..16].copy_from_slice(&nonce[..16]);
        key[16..].copy_from_slice(&more[..16]);
        Ok(Self::new(key))
    }

    /// Encrypts `plaintext`; `aad` is authenticated but not stored.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CacheError> {
        let nonce = XNonce::try_generate().map_err(|_| no_randomness())?;
        let ciphertext = self
            .aead
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| CacheError::BadData("the payload could not be sealed".into()))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        Ok(out)
    }

    /// Decrypts what [`PayloadCipher::seal`] produced with the same key and `aad`. Fails with
    /// `BadData` for another key, other associated data, or any change to the bytes.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CacheError> {
        let unreadable = || CacheError::BadData("a sealed copy could not be opened".into());
        if sealed.len() < 1 + NONCE_LEN + TAG_LEN || sealed[0] != VERSION {
            return Err(unreadable());
        }
        let (nonce, ciphertext) = sealed[1..].split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| unreadable())?;
        self.aead
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .map_err(|_| unreadable())
    }
}

fn no_randomness() -> CacheError {
    CacheError::Unavailable("the system's random number generator failed".into())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_with_the_same_key_and_aad_only() {
        let cipher = PayloadCipher::new([7; 32]);
        let sealed = cipher.seal(b"kindergarten/a", b"secret records").unwrap();
        assert_eq!(
            cipher.open(b"kindergarten/a", &sealed).unwrap(),
            b"secret records"
        );
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert!(
            cipher.open(b"kindergarten/b", &sealed).is_err(),
            "other aad"
        );
        assert!(
            PayloadCipher::new([8; 32])
                .open(b"kindergarten/a", &sealed)
                .is_err()
        );
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(
            cipher.open(b"kindergarten/a", &tampered).is_err(),
            "tampered"
        );
        assert!(
            cipher.open(b"kindergarten/a", &sealed[..10]).is_err(),
            "truncated"
        );
    }

    #[test]
    fn every_seal_uses_a_new_nonce() {
        let cipher = PayloadCipher::random().unwrap();
        assert_ne!(
            cipher.seal(b"", b"x").unwrap(),
            cipher.seal(b"", b"x").unwrap()
        );
    }

    #[test]
    fn base64_keys_are_checked() {
        let key = base64::engine::general_purpose::STANDARD.encode([1_u8; 32]);
        assert!(PayloadCipher::from_base64(&key).is_ok());
        assert!(PayloadCipher::from_base64("not base64!").is_err());
        assert!(PayloadCipher::from_base64("AAAA").is_err());
        assert_eq!(
            format!("{:?}", PayloadCipher::new([1; 32])),
            "PayloadCipher(..)"
        );
    }
}
