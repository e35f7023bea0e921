//! Roster's credential primitives: the argon2id [`PasswordHasher`] on a small, fixed pool
//! of threads, which also verifies the bcrypt hashes MCPHub stores, and [`OsRandom`], the
//! operating system's random source behind ids and session tokens.
//!
//! [`PasswordHasher`]: roster_domain::ports::PasswordHasher

mod argon;
mod memory;
mod pool;
mod random;

pub use argon::{Argon2Config, Argon2Hasher};
pub use pool::WorkerPool;
pub use random::OsRandom;
