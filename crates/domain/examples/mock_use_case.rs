//! Testing a use-case against the port mocks: the store is a mockall mock, so the test says
//! exactly which calls the use-case may make and what they answer.
//!
//! ```sh
//! cargo run -p roster-domain --features mock --example mock_use_case
//! ```

use mockall::predicate::eq;
use roster_domain::ports::{MockUserRepository, UserRepository};
use roster_domain::{Error, Result, UserKey};

/// A use-case of one's own: whether a username is still free.
async fn is_free(users: &dyn UserRepository, name: &str) -> Result<bool> {
    Ok(users.find(&UserKey::Name(name.into())).await?.is_none())
}

#[tokio::main]
async fn main() {
    let mut users = MockUserRepository::new();
    users
        .expect_find()
        .with(eq(UserKey::Name("alice".into())))
        .times(1)
        .returning(|_| Ok(None));
    users
        .expect_find()
        .returning(|_| Err(Error::unavailable("database down")));

    assert!(is_free(&users, "alice").await.unwrap());
    let outage = is_free(&users, "bob").await.unwrap_err();
    assert!(matches!(outage, Error::Unavailable { .. }));
    println!("is_free: answers from the mock, and passes an outage through");
}
