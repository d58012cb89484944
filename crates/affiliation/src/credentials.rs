//! API keys and secrets: generated with >= 128 bits of entropy, stored only as
//! hashes, compared in constant time.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A freshly issued key pair. Shown once; only hashes are stored.
#[derive(Clone)]
pub struct IssuedKeys {
    pub api_key: String,
    pub api_secret: String,
}

impl std::fmt::Debug for IssuedKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IssuedKeys(..)")
    }
}

/// What the store keeps of a key pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKeys {
    pub key_hash: Vec<u8>,
    pub secret_hash: Vec<u8>,
    pub key_hint: String,
}

impl IssuedKeys {
    pub fn generate() -> IssuedKeys {
        IssuedKeys {
            api_key: random_token("ak_"),
            api_secret: random_token("as_"),
        }
    }

    pub fn stored(&self) -> StoredKeys {
        StoredKeys {
            key_hash: hash(&self.api_key),
            secret_hash: hash(&self.api_secret),
            key_hint: self.api_key.chars().take(7).collect(),
        }
    }
}

/// 256 random bits, URL-safe. Keys are high-entropy, so one SHA-256 (no slow KDF)
/// is enough to make a stolen table useless.
fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

pub fn hash(text: &str) -> Vec<u8> {
    Sha256::digest(text.as_bytes()).to_vec()
}

pub fn hashes_match(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_stored_hashed() {
        let a = IssuedKeys::generate();
        let b = IssuedKeys::generate();
        assert_ne!(a.api_key, b.api_key);
        assert!(a.api_key.starts_with("ak_") && a.api_key.len() >= 3 + 43);
        let stored = a.stored();
        assert!(hashes_match(&stored.key_hash, &hash(&a.api_key)));
        assert!(!hashes_match(&stored.secret_hash, &hash(&b.api_secret)));
        assert!(!format!("{stored:?}").contains(&a.api_key[3..]));
    }
}
