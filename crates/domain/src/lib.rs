//! Roster's core: users and their roles and grants, the value types that keep them valid,
//! the errors every layer speaks, and the ports that adapters implement.
//!
//! Nothing here knows about HTTP, SQL or an async runtime; the `mock` feature adds mockall
//! mocks of every port for unit tests of the use-cases.

mod api_key;
mod email;
mod error;
mod id;
mod page;
mod password;
pub mod ports;
mod session;
mod team;
mod user;
mod username;
mod website;

#[cfg(test)]
mod proptests;

pub use api_key::{ApiKey, ApiKeyId, ApiKeyRef};
pub use email::Email;
pub use error::{Cause, Conflict, Error, Result};
pub use id::random_uuid;
pub use page::{
    DEFAULT_PAGE_SIZE, MAX_PAGE, MAX_PAGE_SIZE, MAX_SEARCH_CHARS, Page, PageRequest, TeamOrder,
    UserOrder, WebsiteOrder, check_search,
};
pub use password::{MAX_PASSWORD_BYTES, Password, PasswordPolicy};
pub use session::{EndSessions, Principal, TokenHash};
pub use team::{NamedMember, Team, TeamDetails, TeamId, TeamMember, TeamRole};
pub use user::{Role, User, UserId, UserKey, UserPatch, UserStats};
pub use username::Username;
pub use website::{Owner, Website, WebsiteDetails, WebsiteId, WebsitePatch};
