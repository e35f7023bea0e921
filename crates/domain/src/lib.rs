//! Roster's core: users and their roles and grants, the value types that keep them valid,
//! the errors every layer speaks, and the ports that adapters implement.
//!
//! Nothing here knows about HTTP, SQL or an async runtime; the `mock` feature adds mockall
//! mocks of every port for unit tests of the use-cases.

mod error;
mod password;
pub mod ports;
mod session;
mod user;
mod username;

pub use error::{Error, Result};
pub use password::{MAX_PASSWORD_BYTES, Password, PasswordPolicy};
pub use session::{Principal, TokenHash};
pub use user::{Role, User, UserId, UserKey, UserPatch, UserStats};
pub use username::Username;
