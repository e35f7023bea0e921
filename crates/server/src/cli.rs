//! `roster user …`: the user use-cases from the command line, acting as an admin.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, bail};
use roster_app::{CreateUser, UpdateUser};
use roster_domain::{Principal, UserKey};

use crate::app::wire;
use crate::config::{Config, UserCommand};

/// Runs one user command against the configured database, printing its outcome.
///
/// # Errors
/// When the database is unreachable or the use-case refuses (unknown user, last admin, a
/// password that breaks the policy, …).
pub async fn run(config: &Config, command: UserCommand) -> anyhow::Result<()> {
    let (store, roster) = wire(config).await?;
    let users = roster.users();
    let operator = Principal::operator("roster-cli")?;
    let by_name = |name: &str| UserKey::Name(name.to_owned());
    match command {
        UserCommand::Create {
            username,
            role,
            password,
            servers,
            groups,
        } => {
            let input = CreateUser {
                id: None,
                email: None,
                username,
                password: password_from(password)?,
                role: Some(role.into()),
                servers,
                groups,
            };
            let user = users.create(&operator, input).await?;
            println!("created {} ({}, {})", user.username, user.role, user.id);
        }
        UserCommand::List => {
            let mut listing = users.list(&operator)?;
            while let Some(batch) = listing.next_batch().await? {
                for user in batch {
                    let servers: Vec<_> = user.servers.into_iter().collect();
                    let groups: Vec<_> = user.groups.into_iter().collect();
                    println!(
                        "{}\t{}\t{}\tservers={}\tgroups={}",
                        user.username,
                        user.role,
                        user.id,
                        servers.join(","),
                        groups.join(",")
                    );
                }
            }
        }
        UserCommand::Passwd { username, password } => {
            let change = UpdateUser {
                password: Some(password_from(password)?),
                ..UpdateUser::default()
            };
            users.update(&operator, &by_name(&username), change).await?;
            println!("changed the password of {username}; their sessions ended");
        }
        UserCommand::Delete { username } => {
            users.delete(&operator, &by_name(&username)).await?;
            println!("deleted {username}");
        }
        UserCommand::SetRole { username, role } => {
            let change = UpdateUser {
                role: Some(role.into()),
                ..UpdateUser::default()
            };
            let user = users.update(&operator, &by_name(&username), change).await?;
            println!("{} is now {}", user.username, user.role);
        }
    }
    store.close().await?;
    Ok(())
}

/// The given password, or the first line of standard input.
fn password_from(given: Option<String>) -> anyhow::Result<String> {
    if let Some(password) = given {
        return Ok(password);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password: ");
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!(
            "no password: pass --password, set ROSTER_NEW_PASSWORD, or write it to standard input"
        );
    }
    Ok(password)
}
