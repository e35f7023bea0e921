//! Command line and `ROSTER_*` environment configuration.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use roster_app::password::Argon2Config;
use roster_app::{AuthConfig, ThrottleConfig};
use roster_domain::PasswordPolicy;
use roster_http::Mounts;

/// Roster: a user directory that speaks the MCPHub and Umami users APIs.
#[derive(Parser, Clone, Debug)]
#[command(version, about)]
pub struct Config {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Address to listen on.
    #[arg(
        long,
        env = "ROSTER_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: SocketAddr,

    /// Database URL: sqlite://FILE?mode=rwc, postgres://… or mysql://…
    #[arg(
        long,
        env = "ROSTER_DATABASE_URL",
        default_value = "sqlite://roster.db?mode=rwc",
        global = true
    )]
    pub database_url: String,

    /// Password of the first admin, created when the database is empty; without it a
    /// random password is generated and logged once.
    #[arg(
        long,
        env = "ROSTER_ADMIN_PASSWORD",
        hide_env_values = true,
        global = true
    )]
    pub admin_password: Option<String>,

    /// Mount of the MCPHub dialect; empty to disable it.
    #[arg(
        long,
        env = "ROSTER_MCPHUB_PREFIX",
        default_value = "/api",
        global = true
    )]
    pub mcphub_prefix: String,

    /// Mount of the Umami dialect; empty to disable it.
    #[arg(
        long,
        env = "ROSTER_UMAMI_PREFIX",
        default_value = "/umami/api",
        global = true
    )]
    pub umami_prefix: String,

    /// Lifetime of a login token, in seconds.
    #[arg(
        long,
        env = "ROSTER_TOKEN_TTL_SECS",
        default_value_t = 86_400,
        global = true
    )]
    pub token_ttl_secs: u64,

    /// Shortest password accepted, in characters.
    #[arg(long, env = "ROSTER_PASSWORD_MIN", default_value_t = 6, global = true)]
    pub password_min: usize,

    /// Failed logins per username or client address before further attempts get 429.
    #[arg(
        long,
        env = "ROSTER_LOGIN_MAX_FAILURES",
        default_value_t = 10,
        global = true
    )]
    pub login_max_failures: u32,

    /// Length of the failed-login window, in seconds.
    #[arg(
        long,
        env = "ROSTER_LOGIN_WINDOW_SECS",
        default_value_t = 900,
        global = true
    )]
    pub login_window_secs: u64,

    /// Argon2id memory cost in KiB (OWASP: 19456).
    #[arg(
        long,
        env = "ROSTER_ARGON2_MEMORY_KIB",
        default_value_t = 19_456,
        global = true
    )]
    pub argon2_memory_kib: u32,

    /// Argon2id passes (OWASP: 2).
    #[arg(
        long,
        env = "ROSTER_ARGON2_ITERATIONS",
        default_value_t = 2,
        global = true
    )]
    pub argon2_iterations: u32,

    /// Argon2id lanes (OWASP: 1).
    #[arg(
        long,
        env = "ROSTER_ARGON2_PARALLELISM",
        default_value_t = 1,
        global = true
    )]
    pub argon2_parallelism: u32,

    /// Threads that hash passwords; 0 means one per core.
    #[arg(long, env = "ROSTER_HASH_THREADS", default_value_t = 0, global = true)]
    pub hash_threads: usize,

    /// Log format.
    #[arg(long, env = "ROSTER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

#[derive(Subcommand, Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Serve HTTP (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Print the OpenAPI document and exit.
    Openapi,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    pub fn auth(&self) -> AuthConfig {
        AuthConfig {
            token_ttl: Duration::from_secs(self.token_ttl_secs),
            password_policy: PasswordPolicy {
                min_chars: self.password_min,
            },
            throttle: ThrottleConfig {
                max_failures: self.login_max_failures,
                window: Duration::from_secs(self.login_window_secs),
            },
        }
    }

    pub fn argon2(&self) -> Argon2Config {
        Argon2Config {
            memory_kib: self.argon2_memory_kib,
            iterations: self.argon2_iterations,
            parallelism: self.argon2_parallelism,
        }
    }

    pub fn mounts(&self) -> Mounts {
        let mount = |prefix: &str| {
            let prefix = prefix.trim().trim_end_matches('/');
            (!prefix.is_empty()).then(|| format!("/{}", prefix.trim_start_matches('/')))
        };
        Mounts {
            mcphub: mount(&self.mcphub_prefix),
            umami: mount(&self.umami_prefix),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_spec() {
        let config = Config::parse_from(["roster"]);
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.database_url, "sqlite://roster.db?mode=rwc");
        assert_eq!(config.argon2(), Argon2Config::default());
        assert_eq!(config.auth(), AuthConfig::default());
        assert_eq!(config.mounts(), Mounts::default());
        assert_eq!(config.command, None);
    }

    #[test]
    fn an_empty_prefix_disables_a_dialect_and_slashes_are_normalised() {
        let off = Config::parse_from(["roster", "--mcphub-prefix", ""]);
        assert_eq!(off.mounts().mcphub, None);
        let odd = Config::parse_from(["roster", "--mcphub-prefix", "mcp/v1/"]);
        assert_eq!(odd.mounts().mcphub.as_deref(), Some("/mcp/v1"));
    }
}
