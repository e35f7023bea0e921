//! `roster seed`: a large, realistic directory for benchmarks. Every user has two of 20
//! servers and one of 10 groups; users come in teams of `team_size`; 1 in 100 is an admin.
//! User number `i` is named `user{i:07}` and has the id [`user_id`]`(i)`, so that a load
//! generator can address any user without asking for it first.

use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use chrono::Utc;
use roster_db::Store;
use roster_domain::ports::PasswordHasher;
use roster_domain::{
    PasswordPolicy, Role, Team, TeamId, TeamMember, TeamRole, User, UserId, Username,
};
use roster_hash::{Argon2Hasher, WorkerPool};

use crate::config::Config;

/// The password of every seeded user.
pub const PASSWORD: &str = "bench-password";

const BATCH: u64 = 10_000;
const SEED_TIMEOUT: Duration = Duration::from_secs(600);

/// Seeds `users` users into the configured, empty database.
///
/// # Errors
/// When the database is not empty or cannot be written.
pub async fn run(config: &Config, users: u64, team_size: u64) -> anyhow::Result<()> {
    // Seeding writes many rows a statement: more than a request's timeout allows.
    let mut options = config.store();
    options.timeout = options.timeout.max(SEED_TIMEOUT);
    let store = Store::connect_with(&config.database_url, options).await?;
    store.migrate().await?;
    if roster_domain::ports::UserRepository::stats(&store)
        .await?
        .total
        > 0
    {
        bail!("the database already has users; seed an empty one");
    }
    let hasher = Argon2Hasher::new(config.argon2(), Arc::new(WorkerPool::new(1)))?;
    let hash = hasher
        .hash(&PasswordPolicy::default().check(PASSWORD)?)
        .await?;
    let team_size = team_size.max(1);
    let now = Utc::now();
    let mut n = 0;
    while n < users {
        let end = (n + BATCH).min(users);
        let batch: Vec<User> = (n..end)
            .map(|i| User {
                email: None,
                id: user_id(i),
                username: Username::parse(&format!("user{i:07}")).expect("a valid name"),
                password_hash: hash.clone(),
                role: if i % 100 == 0 {
                    Role::Admin
                } else {
                    Role::User
                },
                servers: [
                    format!("server-{:02}", i % 20),
                    format!("server-{:02}", (i * 7 + 3) % 20),
                ]
                .into(),
                groups: [format!("group-{}", i % 10)].into(),
                created_at: now,
                updated_at: now,
            })
            .collect();
        store.insert_users(&batch).await?;
        let mut teams = Vec::new();
        let mut members = Vec::new();
        for (k, chunk) in batch.chunks(usize::try_from(team_size)?).enumerate() {
            let team = Team {
                id: TeamId::new(),
                name: format!("team {}", (n as usize / team_size as usize) + k),
                access_code: format!("team_{}", uuid_hex()),
                logo_url: None,
                created_at: now,
                updated_at: now,
            };
            for (j, user) in chunk.iter().enumerate() {
                members.push(TeamMember {
                    id: uuid::Uuid::new_v4(),
                    team_id: team.id,
                    user_id: user.id,
                    role: if j == 0 {
                        TeamRole::Owner
                    } else {
                        TeamRole::Member
                    },
                    created_at: now,
                    updated_at: now,
                });
            }
            teams.push(team);
        }
        store.insert_teams(&teams, &members).await?;
        n = end;
        eprintln!("seeded {n} of {users} users");
    }
    store.analyze().await?;
    store.close().await?;
    Ok(())
}

/// The id of seeded user number `i`: `00000000-0000-4000-8000-` and `i` in 12 hex digits.
pub fn user_id(i: u64) -> UserId {
    UserId(uuid::Uuid::from_u128(
        0x4000_8000_0000_0000_0000 | u128::from(i),
    ))
}

fn uuid_hex() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}
