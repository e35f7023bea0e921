use std::fmt;

use roster_domain::ports::Random;
use roster_domain::{Result, TokenHash};
use sha2::{Digest, Sha256};

/// A fresh bearer token: 256 random bits, hex-encoded. Only its hash is ever stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Draws a new token from `random`.
    ///
    /// # Errors
    /// Whatever `random` fails with.
    pub fn generate(random: &dyn Random) -> Result<Self> {
        Ok(Self(random_hex::<32>(random)?))
    }

    /// The token itself, to hand to the caller once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The form in which the token is stored.
    pub fn hash(&self) -> TokenHash {
        hash_token(&self.0)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// How an API key begins: as Umami's do, so that Umami's client knows one for a key.
pub const API_KEY_PREFIX: &str = "umami_";

/// How many letters and digits follow the prefix: about 190 random bits.
const API_KEY_CHARS: usize = 32;

/// How many characters of a key are kept in the clear, for its owner to tell keys apart.
pub(crate) const API_KEY_SHOWN: usize = API_KEY_PREFIX.len() + 8;

const ALPHABET: &[u8; 62] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

impl Token {
    /// A new API key: the prefix and 32 random letters and digits.
    ///
    /// # Errors
    /// Whatever `random` fails with.
    pub fn generate_api_key(random: &dyn Random) -> Result<Self> {
        let mut key = String::from(API_KEY_PREFIX);
        while key.len() < API_KEY_PREFIX.len() + API_KEY_CHARS {
            let mut bytes = [0u8; API_KEY_CHARS];
            random.fill(&mut bytes)?;
            // Only bytes below 248 (= 4 × 62) map to a letter evenly.
            for byte in bytes.into_iter().filter(|b| *b < 248) {
                if key.len() < API_KEY_PREFIX.len() + API_KEY_CHARS {
                    key.push(char::from(ALPHABET[usize::from(byte % 62)]));
                }
            }
        }
        Ok(Self(key))
    }
}

/// Whether a presented token is an API key rather than a session's: session tokens are hex.
pub fn is_api_key(token: &str) -> bool {
    token.starts_with(API_KEY_PREFIX)
}

/// The stored form of a presented token.
pub fn hash_token(token: &str) -> TokenHash {
    TokenHash(Sha256::digest(token.as_bytes()).into())
}

/// `N` random bytes as lowercase hex.
pub(crate) fn random_hex<const N: usize>(random: &dyn Random) -> Result<String> {
    let mut bytes = [0u8; N];
    random.fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_distinct_and_hashed_stably() {
        let random = crate::fixture::SequenceRandom::default();
        let a = Token::generate(&random).unwrap();
        let b = Token::generate(&random).unwrap();
        assert_eq!(a.expose().len(), 64);
        assert_ne!(a, b);
        assert_eq!(a.hash(), hash_token(a.expose()));
        assert_ne!(a.hash(), b.hash());
        assert!(!format!("{a:?}").contains(a.expose()));
        assert!(!is_api_key(a.expose()));
    }

    #[test]
    fn api_keys_are_umami_shaped_and_distinct() {
        let random = crate::fixture::SequenceRandom::default();
        let a = Token::generate_api_key(&random).unwrap();
        let b = Token::generate_api_key(&random).unwrap();
        let body = a.expose().strip_prefix("umami_").unwrap();
        assert_eq!(body.len(), 32);
        assert!(body.chars().all(|c| c.is_ascii_alphanumeric()), "{body}");
        assert!(is_api_key(a.expose()));
        assert_ne!(a, b);
    }
}
