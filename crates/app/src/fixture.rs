//! Mocks of every port, for the use-case unit tests.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, TimeZone, Utc};
use roster_domain::ports::{
    MockApiKeyStore, MockClock, MockLoginThrottle, MockPasswordHasher, MockSessionStore,
    MockTeamRepository, MockUserRepository, MockWebsiteRepository, Random,
};
use roster_domain::{Principal, Result, Role, User, UserId, Username};

use crate::Ports;

pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
}

pub(crate) fn user(name: &str, role: Role) -> User {
    User {
        email: None,
        id: UserId::new(),
        username: Username::parse(name).unwrap(),
        password_hash: format!("hash-of-{name}"),
        role,
        servers: BTreeSet::new(),
        groups: BTreeSet::new(),
        created_at: t0(),
        updated_at: t0(),
    }
}

pub(crate) fn principal_of(user: &User) -> Principal {
    Principal {
        id: user.id,
        username: user.username.clone(),
        role: user.role,
        api_key: None,
    }
}

pub(crate) fn principal(role: Role) -> Principal {
    principal_of(&user(role.as_str(), role))
}

/// One mock per port; a test sets the expectations it needs, and any call it did not
/// expect fails the test, which is how "nothing else was touched" is asserted.
#[derive(Default)]
pub(crate) struct Mocks {
    pub users: MockUserRepository,
    pub teams: MockTeamRepository,
    pub websites: MockWebsiteRepository,
    pub sessions: MockSessionStore,
    pub api_keys: MockApiKeyStore,
    pub throttle: MockLoginThrottle,
    pub hasher: MockPasswordHasher,
}

impl Mocks {
    pub fn ports(self) -> Ports {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(t0());
        Ports {
            users: Arc::new(self.users),
            teams: Arc::new(self.teams),
            websites: Arc::new(self.websites),
            sessions: Arc::new(self.sessions),
            api_keys: Arc::new(self.api_keys),
            throttle: Arc::new(self.throttle),
            hasher: Arc::new(self.hasher),
            clock: Arc::new(clock),
            random: Arc::new(SequenceRandom::default()),
        }
    }
}

/// Distinct, repeatable "random" bytes: a counter, so that ids and tokens differ without
/// a test having to expect each draw.
#[derive(Default)]
pub(crate) struct SequenceRandom(AtomicU64);

impl Random for SequenceRandom {
    fn fill(&self, bytes: &mut [u8]) -> Result<()> {
        for chunk in bytes.chunks_mut(8) {
            let next = self.0.fetch_add(1, Ordering::Relaxed).to_le_bytes();
            chunk.copy_from_slice(&next[..chunk.len()]);
        }
        Ok(())
    }
}
