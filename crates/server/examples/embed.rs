//! Roster without HTTP: the use-cases over the sea-orm store, as an embedder would wire them.
//!
//! ```sh
//! cargo run -p roster-server --example embed
//! ```

use std::sync::Arc;

use roster_app::domain::{Role, UserKey};
use roster_app::{AuthConfig, CreateUser, Ports, Roster, UpdateUser};
use roster_db::Store;
use roster_hash::{Argon2Config, Argon2Hasher, OsRandom, WorkerPool};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let file = std::env::temp_dir().join(format!("roster-embed-{}.db", std::process::id()));
    let store = Store::connect(&format!("sqlite://{}?mode=rwc", file.display())).await?;
    store.migrate().await?;

    let hasher = Argon2Hasher::new(Argon2Config::default(), Arc::new(WorkerPool::per_core()))?;
    let ports = Ports::on_store(store.clone(), hasher, store.clock(), OsRandom);
    let roster = Roster::build(ports, AuthConfig::default()).await?;
    roster.bootstrap_admin(Some("first-admin-pass")).await?;

    // Act as the admin, exactly as an HTTP request with the admin's token would.
    let login = roster
        .auth()
        .login("admin", "first-admin-pass", None)
        .await?;
    let admin = roster.auth().authenticate(login.token.expose()).await?;

    let alice = CreateUser {
        id: None,
        email: None,
        username: "alice".into(),
        password: "alice-pass".into(),
        role: Some(Role::User),
        servers: vec!["fs".into()],
        groups: vec!["team-a".into()],
    };
    roster.users().create(&admin, alice).await?;
    let promote = UpdateUser {
        role: Some(Role::Admin),
        ..UpdateUser::default()
    };
    roster
        .users()
        .update(&admin, &UserKey::Name("alice".into()), promote)
        .await?;

    let mut listing = roster.users().list(&admin)?;
    while let Some(batch) = listing.next_batch().await? {
        for user in batch {
            println!(
                "{} ({}) servers={:?}",
                user.username, user.role, user.servers
            );
        }
    }
    let stats = roster.users().stats(&admin).await?;
    println!("{} users, {} admins", stats.total, stats.admins);

    store.close().await?;
    std::fs::remove_file(&file)?;
    Ok(())
}
