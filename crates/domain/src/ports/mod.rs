//! The ports: what the use-cases need from the outside world. Adapters implement them;
//! with the `mock` feature each has a mockall mock (`MockUserRepository`, …).

mod api_keys;
mod clock;
mod hasher;
mod random;
mod sessions;
mod teams;
mod throttle;
mod users;
mod websites;

pub use api_keys::ApiKeyStore;
#[cfg(feature = "mock")]
pub use api_keys::MockApiKeyStore;
#[cfg(feature = "mock")]
pub use clock::MockClock;
pub use clock::{Clock, SystemClock};
#[cfg(feature = "mock")]
pub use hasher::MockPasswordHasher;
pub use hasher::PasswordHasher;
#[cfg(feature = "mock")]
pub use random::MockRandom;
pub use random::Random;
#[cfg(feature = "mock")]
pub use sessions::MockSessionStore;
pub use sessions::SessionStore;
#[cfg(feature = "mock")]
pub use teams::MockTeamRepository;
pub use teams::TeamRepository;
#[cfg(feature = "mock")]
pub use throttle::MockLoginThrottle;
pub use throttle::{FailureWindow, LoginThrottle, ThrottleKeys};
#[cfg(feature = "mock")]
pub use users::MockUserRepository;
pub use users::UserRepository;
#[cfg(feature = "mock")]
pub use websites::MockWebsiteRepository;
pub use websites::{WebsiteRepository, WebsiteScope};
