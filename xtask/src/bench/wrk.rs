//! Reads and logins driven by `wrk` (Debian's package), which costs the shared cores far
//! less than a Rust client: each request addresses a user picked at random by the Lua script.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use super::Measured;

/// What a read scenario asks for; `r` is a random user number in the script.
#[derive(Clone, Copy, Debug)]
pub enum Read {
    /// Every user once, as in a cold start: each read misses the cache (driven by the Rust
    /// client, which can stop when every user has been read).
    FirstPass,
    UserByName,
    UserById,
    Stats,
    Page,
    Teams,
    /// A contains-search of the users for `r` and six digits: ten users at a million.
    Search,
}

impl Read {
    pub fn name(self) -> &'static str {
        match self {
            Self::FirstPass => "GET /api/users/:name, every user once (cold)",
            Self::UserByName => "GET /api/users/:name",
            Self::UserById => "GET /umami/api/users/:id",
            Self::Stats => "GET /api/users-stats",
            Self::Page => "GET /umami/api/admin/users (paged)",
            Self::Teams => "GET /umami/api/users/:id/teams",
            Self::Search => "GET /umami/api/admin/users?search=r012345",
        }
    }

    /// The request path, in Lua, for user number `r` of `users`.
    fn lua_path(self, users: u64) -> String {
        // Seeded ids are `00000000-0000-4000-8000-` and the user's number in 12 hex digits.
        let id = r#""/umami/api/users/00000000-0000-4000-8000-%012x""#;
        match self {
            Self::FirstPass | Self::UserByName => {
                r#"string.format("/api/users/user%07d", r)"#.into()
            }
            Self::UserById => format!("string.format({id}, r)"),
            Self::Stats => r#""/api/users-stats""#.into(),
            Self::Page => format!(
                r#"string.format("/umami/api/admin/users?page=%d&pageSize=20", 1 + r % {})"#,
                (users / 20).max(1)
            ),
            Self::Teams => format!("string.format({id}, r) .. \"/teams\""),
            Self::Search => {
                r#"string.format("/umami/api/admin/users?search=r%06d", r % 1000000)"#.into()
            }
        }
    }
}

/// Whether `wrk` can be run here.
pub fn available() -> bool {
    Command::new("wrk")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Starts `wrk` on `read` for `seconds` with `connections`.
pub fn start(
    base: &str,
    token: &str,
    read: Read,
    users: u64,
    connections: usize,
    seconds: u64,
    dir: &Path,
) -> Result<Child, String> {
    let lua = format!(
        r#"wrk.headers["Authorization"] = "Bearer {token}"
{RANDOM_USER}
function request()
  local r = math.random(0, {last})
  return wrk.format("GET", {path})
end
"#,
        last = users.max(1) - 1,
        path = read.lua_path(users),
    );
    // A script per kind: two may start at once.
    let script = dir.join(format!("read-{read:?}.lua"));
    spawn(base, &script, &lua, connections, seconds)
}

/// Starts `wrk` logging in as seeded users other than the admin, picked at random, for
/// `seconds` with `connections`.
pub fn start_logins(
    base: &str,
    users: u64,
    connections: usize,
    seconds: u64,
    dir: &Path,
) -> Result<Child, String> {
    let lua = format!(
        r#"wrk.method = "POST"
wrk.path = "/api/auth/login"
wrk.headers["Content-Type"] = "application/json"
{RANDOM_USER}
function request()
  local r = math.random(1, {last})
  return wrk.format(nil, nil, nil,
    string.format('{{"username":"user%07d","password":"bench-password"}}', r))
end
"#,
        last = users.max(2) - 1,
    );
    spawn(base, &dir.join("login.lua"), &lua, connections, seconds)
}

/// Seeds each of wrk's threads differently.
const RANDOM_USER: &str = r#"local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("number", threads)
end
function init(args)
  math.randomseed(number * 7919)
end"#;

/// Runs `script` with two threads (one per core), or one for a single connection.
fn spawn(
    base: &str,
    script: &Path,
    lua: &str,
    connections: usize,
    seconds: u64,
) -> Result<Child, String> {
    std::fs::write(script, lua).map_err(|e| e.to_string())?;
    Command::new("wrk")
        .args(["--latency", "--timeout", "10s"])
        .arg(format!("-t{}", connections.clamp(1, 2)))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{seconds}s"))
        .arg("-s")
        .arg(script)
        .arg(base)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("wrk: {e}"))
}

/// Waits for a `wrk` run and reads its figures.
pub fn finish(child: Child) -> Result<Measured, String> {
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&output.stdout);
    parse(&text).ok_or_else(|| format!("unexpected wrk output:\n{text}"))
}

fn parse(text: &str) -> Option<Measured> {
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|line| line.strip_prefix(prefix))
            .map(str::trim)
    };
    let requests = text
        .lines()
        .find(|line| line.contains(" requests in "))?
        .split_whitespace()
        .next()?
        .parse::<u64>()
        .ok()?;
    let mut errors = field("Non-2xx or 3xx responses:").map_or(Some(0), |n| n.parse().ok())?;
    if let Some(socket) = field("Socket errors:") {
        errors += socket
            .split(',')
            .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
            .sum::<u64>();
    }
    Some(Measured {
        requests: requests.saturating_sub(errors),
        errors,
        rps: field("Requests/sec:")?.parse().ok()?,
        p50_ms: millis(field("50%")?)?,
        p99_ms: millis(field("99%")?)?,
    })
}

/// `812.00us`, `1.46ms` or `1.20s` in milliseconds.
fn millis(value: &str) -> Option<f64> {
    let split = value.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().ok()?;
    match unit {
        "us" => Some(number / 1000.0),
        "ms" => Some(number),
        "s" => Some(number * 1000.0),
        "m" => Some(number * 60_000.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrk_figures() {
        let text = "Running 5s test @ http://127.0.0.1:8099
  2 threads and 64 connections
  Latency Distribution
     50%  812.00us
     75%    1.20ms
     90%    3.10ms
     99%   10.55ms
  163000 requests in 5.00s, 29.23MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 12
Requests/sec:  32895.76
Transfer/sec:      5.85MB
";
        let m = parse(text).unwrap();
        assert_eq!((m.requests, m.errors), (162_985, 15));
        assert!((m.rps - 32_895.76).abs() < 1e-6);
        assert!((m.p50_ms - 0.812).abs() < 1e-9);
        assert!((m.p99_ms - 10.55).abs() < 1e-9);
        assert_eq!(millis("1.20s"), Some(1200.0));
    }
}
