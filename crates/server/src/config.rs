//! Configuration: flags, `ROSTER_*` environment variables, an optional TOML file, defaults —
//! in that order of precedence.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use roster_app::{AuthConfig, ThrottleConfig};
use roster_db::StoreOptions;
use roster_domain::PasswordPolicy;
use roster_hash::Argon2Config;
use roster_http::Mounts;

use crate::serve::Limits;

/// Roster: a user directory that speaks the MCPHub and Umami users APIs.
#[derive(Parser, Clone)]
#[command(version, about, args_override_self = true)]
pub struct Config {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// A TOML file of settings, keyed by the long flag names (`database_url = "…"`).
    /// Flags and environment variables take precedence over it.
    #[arg(long, env = "ROSTER_CONFIG", global = true)]
    pub config: Option<PathBuf>,

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

    /// Database connections this instance opens at most. N instances open up to N times
    /// this many: keep that under the database's `max_connections`.
    #[arg(long, env = "ROSTER_DB_POOL_SIZE", default_value_t = 16,
          value_parser = clap::value_parser!(u32).range(1..=10_000), global = true)]
    pub db_pool_size: u32,

    /// Milliseconds a database call may take, waiting for a connection included; then the
    /// request is answered 503. The database is told to end statements that run longer.
    #[arg(long, env = "ROSTER_DB_TIMEOUT_MS", default_value_t = 1500,
          value_parser = clap::value_parser!(u64).range(100..=MAX_TIMEOUT_SECS * 1000),
          global = true)]
    pub db_timeout_ms: u64,

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

    /// Seconds a client may take to send a request's head, from connecting or from the
    /// request's first byte; then the connection is closed.
    #[arg(long, env = "ROSTER_HEADER_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS), global = true)]
    pub header_timeout_secs: u64,

    /// Seconds a request body may take to arrive; then the answer is 408.
    #[arg(long, env = "ROSTER_BODY_TIMEOUT_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS), global = true)]
    pub body_timeout_secs: u64,

    /// Seconds a kept-alive connection may stay idle between requests.
    #[arg(long, env = "ROSTER_IDLE_TIMEOUT_SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=MAX_TIMEOUT_SECS), global = true)]
    pub idle_timeout_secs: u64,

    /// Open connections at most (lowered to fit the open-file limit). At the limit a new
    /// connection takes the place of the one that has waited longest for a request.
    #[arg(long, env = "ROSTER_MAX_CONNECTIONS", default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub max_connections: u32,

    /// A bearer token `/metrics` demands (16 characters at least); without it `/metrics` is
    /// open to all.
    #[arg(
        long,
        env = "ROSTER_METRICS_TOKEN",
        hide_env_values = true,
        value_parser = metrics_token,
        global = true
    )]
    pub metrics_token: Option<String>,

    /// Serve `/metrics` on this address only, instead of on `--listen`.
    #[arg(long, env = "ROSTER_METRICS_LISTEN", global = true)]
    pub metrics_listen: Option<SocketAddr>,
}

#[derive(Subcommand, Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Serve HTTP (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Print the OpenAPI document and exit.
    Openapi,
    /// Manage users directly in the database, as an admin would.
    #[command(subcommand)]
    User(UserCommand),
    /// Bring users over from another system.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Act on what the running instances keep in memory.
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Fill an empty database with generated users and teams, for benchmarks.
    #[cfg(feature = "seed")]
    #[command(hide = true)]
    Seed {
        /// How many users (`user0000001`, …, all with the password `bench-password`).
        #[arg(long, default_value_t = 100_000)]
        users: u64,
        /// Members per team; every user is in exactly one team.
        #[arg(long, default_value_t = 10)]
        team_size: u64,
    },
}

/// `roster cache …`.
#[derive(Subcommand, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheCommand {
    /// Tell every instance that users, grants or sessions were changed outside Roster (by
    /// SQL): each drops what it keeps in memory within a few milliseconds, and the users
    /// list's page counts are counted afresh.
    Flush,
}

/// `roster import …`.
#[derive(Subcommand, Clone, Debug, PartialEq, Eq)]
pub enum ImportCommand {
    /// Import the users of an MCPHub `mcp_settings.json`, keeping their bcrypt password
    /// hashes (upgraded to argon2id at each user's next login).
    Mcphub { settings: PathBuf },
}

/// `roster user …`. A password comes from `--password`, `ROSTER_NEW_PASSWORD`, or the first
/// line of standard input, so that it need not appear in the shell history.
#[derive(Subcommand, Clone, Debug, PartialEq, Eq)]
pub enum UserCommand {
    /// Create a user.
    Create {
        username: String,
        #[arg(long, value_enum, default_value_t = RoleArg::User)]
        role: RoleArg,
        #[arg(long, env = "ROSTER_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// A server the user may access (repeatable).
        #[arg(long = "server")]
        servers: Vec<String>,
        /// A group the user belongs to (repeatable).
        #[arg(long = "group")]
        groups: Vec<String>,
    },
    /// List every user.
    List,
    /// Set a user's password; their sessions end.
    Passwd {
        username: String,
        #[arg(long, env = "ROSTER_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Delete a user (never the last admin).
    Delete { username: String },
    /// Change a user's role (never demoting the last admin).
    SetRole {
        username: String,
        #[arg(value_enum)]
        role: RoleArg,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleArg {
    Admin,
    User,
    ViewOnly,
}

impl From<RoleArg> for roster_domain::Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Admin => Self::Admin,
            RoleArg::User => Self::User,
            RoleArg::ViewOnly => Self::ViewOnly,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    /// Reads the process's flags, environment and configuration file.
    ///
    /// # Errors
    /// When the file cannot be read, is not TOML, or names an unknown setting; clap's own
    /// errors (bad flags, `--help`) are returned for the caller to print.
    pub fn load() -> anyhow::Result<Self> {
        Self::load_from(std::env::args_os())
    }

    /// As [`Config::load`], from the given arguments.
    ///
    /// # Errors
    /// As [`Config::load`].
    pub fn load_from(args: impl IntoIterator<Item = impl Into<OsString>>) -> anyhow::Result<Self> {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        let mut command = Self::command();
        if let Some(path) = config_file(&args) {
            // File values become the defaults, so flags and variables still win over them.
            for (id, value) in file_settings(&path, &command)? {
                command = command.mut_arg(id, |arg| arg.default_value(value));
            }
        }
        let matches = command.try_get_matches_from(args)?;
        Ok(Self::from_arg_matches(&matches)?)
    }

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

    pub fn store(&self) -> StoreOptions {
        let mut options = StoreOptions::default();
        options.pool_size = self.db_pool_size;
        options.timeout = Duration::from_millis(self.db_timeout_ms);
        options
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
            metrics: self.metrics_listen.is_none(),
            password_min: self.password_min,
        }
    }

    /// The connection limits, before [`crate::serve::connection_cap`] fits them to the
    /// open-file limit.
    pub fn limits(&self) -> Limits {
        Limits {
            header_timeout: Duration::from_secs(self.header_timeout_secs),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            max_connections: self.max_connections,
        }
    }
}

/// `--config FILE`, `--config=FILE`, or `ROSTER_CONFIG`.
fn config_file(args: &[OsString]) -> Option<PathBuf> {
    let mut args = args.iter().map(|a| a.to_string_lossy());
    while let Some(arg) = args.next() {
        if arg == "--config" {
            return args.next().map(|p| PathBuf::from(p.as_ref()));
        }
        if let Some(path) = arg.strip_prefix("--config=") {
            return Some(PathBuf::from(path));
        }
    }
    std::env::var_os("ROSTER_CONFIG").map(PathBuf::from)
}

/// The longest timeout accepted: a day. Longer ones would overflow the clock's arithmetic.
const MAX_TIMEOUT_SECS: u64 = 86_400;

/// A metrics token long enough not to be guessed; an empty one would leave `/metrics`
/// open while seeming to close it.
fn metrics_token(token: &str) -> Result<String, String> {
    if token.chars().count() < 16 {
        return Err("the metrics token needs 16 characters at least".into());
    }
    Ok(token.to_owned())
}

/// The settings of a TOML file as (argument id, value) pairs.
fn file_settings(path: &Path, command: &clap::Command) -> anyhow::Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the configuration file {}", path.display()))?;
    let table: toml::Table = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", path.display()))?;
    let known: Vec<&str> = command
        .get_arguments()
        .filter(|arg| arg.get_long().is_some() && arg.get_id() != "config")
        .map(|arg| arg.get_id().as_str())
        .collect();
    let mut settings = Vec::new();
    for (key, value) in table {
        let id = key.replace('-', "_");
        if !known.contains(&id.as_str()) {
            bail!(
                "{}: unknown setting {key:?}; known settings: {}",
                path.display(),
                known.join(", ")
            );
        }
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => bail!(
                "{}: {key} must be a string, number or boolean, not a {}",
                path.display(),
                other.type_str()
            ),
        };
        settings.push((id, value));
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_spec() {
        let config = Config::parse_from(["roster"]);
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.database_url, "sqlite://roster.db?mode=rwc");
        let store = config.store();
        assert_eq!(
            (store.pool_size, store.timeout),
            (16, Duration::from_millis(1500))
        );
        assert_eq!(config.argon2(), Argon2Config::default());
        assert_eq!(config.auth(), AuthConfig::default());
        assert_eq!(config.mounts(), Mounts::default());
        assert_eq!(config.command, None);
        assert_eq!(
            config.limits(),
            Limits {
                header_timeout: Duration::from_secs(10),
                idle_timeout: Duration::from_secs(60),
                max_connections: 1024,
            }
        );
        assert_eq!(config.body_timeout_secs, 30);
        assert_eq!((config.metrics_token, config.metrics_listen), (None, None));
    }

    #[test]
    fn a_file_sets_defaults_that_flags_override_and_unknown_keys_are_refused() {
        let dir = std::env::temp_dir().join(format!("roster-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("roster.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:9999\"\npassword-min = 10\n").unwrap();
        let path = file.to_str().unwrap();
        let from_file = Config::load_from(["roster", "--config", path]).unwrap();
        assert_eq!(from_file.listen.to_string(), "127.0.0.1:9999");
        assert_eq!(from_file.password_min, 10);
        let flag = Config::load_from(["roster", "--config", path, "--password-min", "8"]).unwrap();
        assert_eq!(flag.password_min, 8);

        std::fs::write(&file, "listen_address = \"x\"").unwrap();
        let Err(err) = Config::load_from(["roster", "--config", path]) else {
            panic!("an unknown key must be refused");
        };
        assert!(
            err.to_string()
                .contains("unknown setting \"listen_address\""),
            "{err}"
        );
        std::fs::write(&file, "listen = [1]").unwrap();
        assert!(Config::load_from(["roster", "--config", path]).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn user_subcommands_parse() {
        let config = Config::parse_from(["roster", "user", "set-role", "bob", "view-only"]);
        assert_eq!(
            config.command,
            Some(Command::User(UserCommand::SetRole {
                username: "bob".into(),
                role: RoleArg::ViewOnly
            }))
        );
    }

    #[test]
    fn an_empty_prefix_disables_a_dialect_and_slashes_are_normalised() {
        let off = Config::parse_from(["roster", "--mcphub-prefix", ""]);
        assert_eq!(off.mounts().mcphub, None);
        let odd = Config::parse_from(["roster", "--mcphub-prefix", "mcp/v1/"]);
        assert_eq!(odd.mounts().mcphub.as_deref(), Some("/mcp/v1"));
    }

    #[test]
    fn a_metrics_listener_takes_metrics_off_the_main_one_and_limits_are_bounded() {
        let apart = Config::parse_from(["roster", "--metrics-listen", "127.0.0.1:9100"]);
        assert!(!apart.mounts().metrics);
        for flag in [
            "--header-timeout-secs",
            "--body-timeout-secs",
            "--idle-timeout-secs",
        ] {
            for refused in ["0", "86401", "18446744073709551615"] {
                assert!(
                    Config::try_parse_from(["roster", flag, refused]).is_err(),
                    "{flag} {refused}"
                );
            }
            assert!(Config::try_parse_from(["roster", flag, "86400"]).is_ok());
        }
        assert!(Config::try_parse_from(["roster", "--max-connections", "0"]).is_err());
        for short in ["", "short"] {
            assert!(Config::try_parse_from(["roster", "--metrics-token", short]).is_err());
        }
        let token = "0123456789abcdef";
        let config = Config::parse_from(["roster", "--metrics-token", token]);
        assert_eq!(config.metrics_token.as_deref(), Some(token));
    }
}
