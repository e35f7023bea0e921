//! `roster import mcphub`: MCPHub's users, with their bcrypt hashes, into Roster.

use std::path::Path;

use anyhow::{Context, bail};
use roster_app::ImportedUser;
use roster_domain::{Conflict, Email, Error, Principal, Role};
use serde::Deserialize;

use crate::app::wire_without_admin;
use crate::config::Config;

/// The part of MCPHub's `mcp_settings.json` that holds its users.
#[derive(Deserialize)]
struct Settings {
    #[serde(default)]
    users: Vec<McpHubUser>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct McpHubUser {
    username: String,
    /// A bcrypt hash.
    password: String,
    #[serde(default)]
    is_admin: bool,
    #[serde(default)]
    email: Option<String>,
}

/// Imports every user of `settings`; names already taken are skipped and reported.
///
/// # Errors
/// When the file is unreadable or not MCPHub's format, when the import would leave the
/// directory without an admin, and the store's errors.
pub async fn mcphub(config: &Config, settings: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(settings)
        .with_context(|| format!("reading {}", settings.display()))?;
    let file: Settings = serde_json::from_str(&text)
        .with_context(|| format!("{} is not an MCPHub settings file", settings.display()))?;
    let (store, roster) = wire_without_admin(config).await?;
    let operator = Principal::operator("roster-import")?;
    let admins_now = roster.users().stats(&operator).await?.admins;
    if admins_now == 0 && !file.users.iter().any(|u| u.is_admin) {
        bail!(
            "{} has no admin and neither has Roster: the directory would have none",
            settings.display()
        );
    }
    let (mut imported, mut skipped) = (0, Vec::new());
    for user in file.users {
        let input = ImportedUser {
            username: user.username.clone(),
            password_hash: user.password,
            role: if user.is_admin {
                Role::Admin
            } else {
                Role::User
            },
            email: user.email.filter(|raw| {
                // MCPHub never checked addresses: one it kept is no reason to stop the import.
                let valid = raw.trim().is_empty() || Email::parse(raw).is_ok();
                if !valid {
                    eprintln!(
                        "{}: dropped the email, not an address: {raw:?}",
                        user.username
                    );
                }
                valid
            }),
            servers: Vec::new(),
            groups: Vec::new(),
        };
        match roster.users().import(&operator, input).await {
            Ok(_) => imported += 1,
            Err(Error::Conflict(Conflict::UsernameTaken)) => skipped.push(user.username),
            Err(err) => return Err(err).with_context(|| format!("importing {}", user.username)),
        }
    }
    println!("imported {imported} users from {}", settings.display());
    if !skipped.is_empty() {
        println!("skipped, the name is taken: {}", skipped.join(", "));
    }
    store.close().await?;
    Ok(())
}
