use roster_domain::{Conflict, Error, Role, UserStats};

use crate::fixture::{Mocks, user};
use crate::{AuthConfig, Roster};

fn mocks(existing_users: u64) -> Mocks {
    let mut mocks = Mocks::default();
    mocks
        .hasher
        .expect_hash()
        .returning(|pw| Ok(format!("hash:{}", pw.expose())));
    mocks.users.expect_stats().return_once(move || {
        Ok(UserStats {
            total: existing_users,
            ..UserStats::default()
        })
    });
    mocks
}

async fn roster(mocks: Mocks) -> Roster {
    Roster::build(mocks.ports(), AuthConfig::default())
        .await
        .unwrap()
}

#[tokio::test]
async fn an_empty_directory_gets_an_admin_with_the_given_password() {
    let mut mocks = mocks(0);
    mocks
        .users
        .expect_insert()
        .withf(|u| {
            u.username.as_str() == "admin"
                && u.role == Role::Admin
                && u.password_hash == "hash:from-the-env"
        })
        .return_once(|_| Ok(user("admin", Role::Admin)));
    let shown = roster(mocks)
        .await
        .bootstrap_admin(Some("from-the-env"))
        .await
        .unwrap();
    assert_eq!(shown, None);
}

#[tokio::test]
async fn without_a_password_a_random_one_is_made_and_returned_once() {
    let (tx, rx) = std::sync::mpsc::channel();
    let mut mocks = mocks(0);
    mocks.users.expect_insert().return_once(move |u| {
        tx.send(u.password_hash.clone()).unwrap();
        Ok(user("admin", Role::Admin))
    });
    let generated = roster(mocks)
        .await
        .bootstrap_admin(None)
        .await
        .unwrap()
        .unwrap();
    assert!(generated.len() >= 16);
    assert_eq!(rx.recv().unwrap(), format!("hash:{generated}"));
}

#[tokio::test]
async fn a_populated_directory_or_a_racing_instance_means_nothing_to_do() {
    let none = roster(mocks(3)).await.bootstrap_admin(None).await.unwrap();
    assert_eq!(none, None);

    let mut mocks = mocks(0);
    mocks
        .users
        .expect_insert()
        .return_once(|_| Err(Error::Conflict(Conflict::UsernameTaken)));
    let none = roster(mocks).await.bootstrap_admin(None).await.unwrap();
    assert_eq!(none, None);
}

#[tokio::test]
async fn a_too_short_admin_password_is_refused() {
    let err = roster(mocks(0))
        .await
        .bootstrap_admin(Some("123"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)));
}
