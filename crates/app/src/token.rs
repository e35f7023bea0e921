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
    }
}
