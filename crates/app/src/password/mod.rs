//! Password hashing: argon2id on a small, fixed pool of threads.

mod argon;
mod memory;
mod pool;

pub(crate) use argon::is_bcrypt;
pub use argon::{Argon2Config, Argon2Hasher};
pub use pool::WorkerPool;
