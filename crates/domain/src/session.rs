use std::fmt;

use crate::{ApiKeyRef, Role, UserId, Username};

/// The SHA-256 of a bearer token: the only form in which a token is stored or logged.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The hash [`TokenHash::to_hex`] wrote; `None` for anything else.
    pub fn from_hex(hex: &str) -> Option<Self> {
        let mut hash = [0u8; 32];
        if hex.len() != 64 || !hex.is_ascii() {
            return None;
        }
        for (byte, pair) in hash.iter_mut().zip(hex.as_bytes().chunks(2)) {
            *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
        }
        Some(Self(hash))
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenHash({}…)", &self.to_hex()[..8])
    }
}

/// Which of a user's sessions a change to them ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndSessions {
    /// None: the change leaves what a session may do as it was.
    No,
    /// Every one: a new password, or a lower role.
    All,
    /// Every one but the session the user changed their own password in, so that the
    /// client they did it from stays logged in while any other (a thief's) is logged out.
    AllBut(TokenHash),
}

/// Who is calling: the user behind a valid token, as much as authorization needs, or the
/// operator at the console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub id: UserId,
    pub username: Username,
    pub role: Role,
    /// The API key the caller presented, when it was one rather than a login session:
    /// a key may not mint keys or change its owner's password.
    pub api_key: Option<ApiKeyRef>,
}

impl Principal {
    /// The operator of this installation, acting through `tool` (the `roster` command line,
    /// an import): an admin that is no user, so no rule about oneself applies to them,
    /// while the rules about the directory (one admin remains) still do. Its id is the nil
    /// UUID, which no user's is: users' ids are random version-4 UUIDs.
    ///
    /// # Errors
    /// [`crate::Error::Invalid`] if `tool` is not a valid username.
    pub fn operator(tool: &str) -> crate::Result<Self> {
        Ok(Self {
            id: UserId(uuid::Uuid::nil()),
            username: Username::parse(tool)?,
            role: Role::Admin,
            api_key: None,
        })
    }

    /// Whether this is [`Principal::operator`] rather than a user.
    pub fn is_operator(&self) -> bool {
        self.id.0.is_nil()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_reads_back_from_its_hex_and_nothing_else_does() {
        let hash = TokenHash([0xab; 32]);
        assert_eq!(TokenHash::from_hex(&hash.to_hex()), Some(hash));
        for bad in ["", "ab", &"zz".repeat(32), &"é".repeat(32)] {
            assert_eq!(TokenHash::from_hex(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_operator_is_an_admin_that_no_user_can_be() {
        let operator = Principal::operator("roster-cli").unwrap();
        assert!(operator.is_operator() && operator.role.is_admin());
        let user = Principal {
            id: UserId(uuid::Uuid::from_u128(1)),
            ..operator.clone()
        };
        assert!(!user.is_operator());
        assert!(Principal::operator("").is_err());
    }
}
