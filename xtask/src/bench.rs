//! `cargo xtask bench`: seed a directory, start the release server, drive it over loopback
//! from this process, and report requests/s, p50, p99 and the server's memory.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Client, RequestBuilder};
use serde_json::{Value, json};
use wrk::Read;

mod wrk;

/// Settings of a run, from `--users N --seconds S --connections C`.
pub struct Options {
    pub users: u64,
    pub seconds: u64,
    pub connections: usize,
}

impl Options {
    pub fn parse(args: &[&str]) -> Result<Self, String> {
        let mut options = Self {
            users: 100_000,
            seconds: 10,
            connections: 64,
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let value = args.next().ok_or(format!("{flag} needs a value"))?;
            let number = || {
                value
                    .parse::<u64>()
                    .map_err(|_| format!("{flag}: not a number: {value}"))
            };
            match *flag {
                "--users" => options.users = number()?,
                "--seconds" => options.seconds = number()?,
                "--connections" => {
                    options.connections = usize::try_from(number()?).map_err(|e| e.to_string())?
                }
                other => return Err(format!("unknown bench option {other}")),
            }
        }
        Ok(options)
    }
}

/// One scenario's figures.
struct Figures {
    scenario: String,
    measured: Measured,
    peak_rss_mib: f64,
}

/// What a load generator saw: successful answers, failures, and the latency of successes.
#[derive(Default)]
pub struct Measured {
    requests: u64,
    errors: u64,
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
}

pub fn run(root: &Path, options: &Options) -> Result<(), String> {
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--package",
            "roster-server",
            "--features",
            "seed",
        ])
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("building the release server failed".into());
    }
    let out = root.join("target/bench");
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    let mut backends = vec![(
        "sqlite",
        format!("sqlite://{}/roster-bench.db?mode=rwc", out.display()),
    )];
    if let Some(url) = postgres_database()? {
        backends.push(("postgres", url));
    }
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    for (backend, url) in backends {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(out.join(format!("roster-bench.db{suffix}")));
        }
        let binary = root.join("target/release/roster");
        eprintln!("seeding {} users on {backend}…", options.users);
        let seeded = Command::new(&binary)
            .args([
                "--database-url",
                &url,
                "seed",
                "--users",
                &options.users.to_string(),
            ])
            .status()
            .map_err(|e| e.to_string())?;
        if !seeded.success() {
            return Err(format!("seeding {backend} failed"));
        }
        let (figures, full_lists, hashing) =
            runtime.block_on(measure(&binary, &url, options, &out))?;
        report(backend, options, &figures, &full_lists, &hashing, &out)?;
    }
    Ok(())
}

/// A fresh `roster_bench` database on the PostgreSQL of ROSTER_TEST_POSTGRES_URL, if set.
fn postgres_database() -> Result<Option<String>, String> {
    let Ok(admin) = std::env::var("ROSTER_TEST_POSTGRES_URL") else {
        return Ok(None);
    };
    for sql in [
        "DROP DATABASE IF EXISTS roster_bench WITH (FORCE)",
        "CREATE DATABASE roster_bench",
    ] {
        let done = Command::new("psql").args([&admin, "-qc", sql]).status();
        if !done.is_ok_and(|s| s.success()) {
            eprintln!("no psql or no PostgreSQL: the PostgreSQL run is skipped");
            return Ok(None);
        }
    }
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(base, _)| base);
    Ok(Some(format!("{base}/roster_bench")))
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn memory_mib(&self, field: &str) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .map_or(0.0, |kib| kib / 1024.0)
    }

    /// CPU time (user and system) the server has used so far: in its hashing threads, and
    /// in the rest (threads that have ended included).
    fn cpu_ms(&self) -> (f64, f64) {
        let pid = self.child.id();
        let hashing = std::fs::read_dir(format!("/proc/{pid}/task"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|task| cpu_of(&task.path().join("stat")))
            .filter(|(name, _)| name.starts_with("roster-hash"))
            .map(|(_, ms)| ms)
            .sum::<f64>();
        let total = cpu_of(Path::new(&format!("/proc/{pid}/stat"))).map_or(0.0, |(_, ms)| ms);
        (hashing, total - hashing)
    }
}

/// The name and CPU time (user and system) in a `/proc/…/stat` file.
fn cpu_of(stat: &Path) -> Option<(String, f64)> {
    let stat = std::fs::read_to_string(stat).ok()?;
    let (_, rest) = stat.split_once(" (")?;
    let (name, rest) = rest.rsplit_once(") ")?;
    // After the name: the state, ten more fields, then utime and stime in clock ticks,
    // 10 ms on Linux (USER_HZ is 100 on every architecture).
    let ticks: f64 = rest
        .split(' ')
        .skip(11)
        .take(2)
        .filter_map(|n| n.parse::<f64>().ok())
        .sum();
    Some((name.to_owned(), ticks * 10.0))
}

/// Where the server's CPU went during the last login scenario, per successful login.
#[derive(Clone, Copy, Default)]
struct CpuPerLogin {
    hashing_ms: f64,
    other_ms: f64,
}

async fn start(binary: &PathBuf, url: &str) -> Result<Server, String> {
    start_logging(binary, url, None).await
}

/// [`start`], or with `log` as `cargo run --release` starts it: the default log level
/// (`info`, a line per request), written to the file `log`.
async fn start_logging(binary: &PathBuf, url: &str, log: Option<&Path>) -> Result<Server, String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let mut command = Command::new(binary);
    match log {
        Some(log) => {
            let file = std::fs::File::create(log).map_err(|e| e.to_string())?;
            command.env_remove("RUST_LOG").stderr(file);
        }
        None => {
            command.env("RUST_LOG", "warn").stderr(Stdio::inherit());
        }
    }
    let child = command
        .args([
            "--database-url",
            url,
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--login-max-failures",
            "1000000000",
        ])
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let client = Client::new();
    for _ in 0..300 {
        if client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .is_ok()
        {
            return Ok(server);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("the server did not start".into())
}

/// Connections of the search flood, as issue 16 measures it.
const SEARCH_FLOOD: usize = 64;

/// Builds a request from a per-loop sequence number and a random number.
/// Loop `l` numbers its requests from `l * LOOP_SEQUENCE + 1`.
const LOOP_SEQUENCE: u64 = 1_000_000_000;

/// Starts a `wrk` run.
type StartWrk<'a> = &'a dyn Fn() -> Result<Child, String>;

/// `None` ends the loop.
type MakeRequest = Arc<dyn Fn(&Client, u64, u64) -> Option<RequestBuilder> + Send + Sync>;

/// Runs `connections` loops of `make` for `seconds` from this process; latencies of 2xx
/// answers only.
async fn load(connections: usize, seconds: u64, make: MakeRequest) -> Measured {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|c| {
            let make = make.clone();
            tokio::spawn(async move {
                let client = Client::builder()
                    .pool_max_idle_per_host(1)
                    .build()
                    .expect("a client");
                let (mut ok, mut errors, mut latencies) = (0u64, 0u64, Vec::new());
                let mut n = c as u64 * 1_000_003;
                let mut seq = c as u64 * LOOP_SEQUENCE;
                while Instant::now() < deadline {
                    n = n
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    let sent = Instant::now();
                    seq += 1;
                    let Some(request) = make(&client, seq, n >> 16) else {
                        break;
                    };
                    match request.send().await {
                        Ok(response) if response.status().is_success() => {
                            let _ = response.bytes().await;
                            ok += 1;
                            latencies.push(
                                u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX),
                            );
                        }
                        _ => errors += 1,
                    }
                }
                (ok, errors, latencies)
            })
        })
        .collect();
    let (mut ok, mut errors, mut all) = (0, 0, Vec::new());
    for task in tasks {
        let (o, e, l) = task.await.expect("a load task");
        ok += o;
        errors += e;
        all.extend(l);
    }
    all.sort_unstable();
    Measured {
        requests: ok,
        errors,
        rps: ok as f64 / started.elapsed().as_secs_f64(),
        p50_ms: percentile(&all, 0.5),
        p99_ms: percentile(&all, 0.99),
    }
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[index]) / 1000.0
}

async fn measure(
    binary: &PathBuf,
    url: &str,
    options: &Options,
    dir: &Path,
) -> Result<(Vec<Figures>, Vec<FullList>, Hashing), String> {
    let server = start(binary, url).await?;
    // Idle is after start-up's work (a decoy hash, whose memory is freed when unused).
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut figures = vec![Figures {
        scenario: "idle".into(),
        measured: Measured::default(),
        peak_rss_mib: server.memory_mib("VmRSS:"),
    }];
    let base = Arc::new(server.base.clone());
    let token: Value = login(&Client::new(), &base, "user0000000")
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let token = Arc::new(
        token["token"]
            .as_str()
            .ok_or("the seeded admin cannot log in")?
            .to_owned(),
    );
    let users = options.users.max(1);
    let (seconds, connections) = (options.seconds, options.connections);
    let use_wrk = wrk::available();
    if !use_wrk {
        eprintln!("wrk is not installed: reads are driven by the Rust client (slower)");
    }
    let rust_read_at = |base: &Arc<String>, read: Read| -> MakeRequest {
        let (base, token) = (base.clone(), token.clone());
        Arc::new(move |c, seq, n| {
            let n = if matches!(read, Read::FirstPass) {
                // Loop `l` of `connections` reads users l, l + connections, … once each.
                let (l, k) = (seq / LOOP_SEQUENCE, seq % LOOP_SEQUENCE - 1);
                let user = k * connections as u64 + l;
                (user < users).then_some(user)?
            } else {
                n % users
            };
            Some(
                c.get(format!("{base}{}", path(read, n, users)))
                    .bearer_auth(&*token),
            )
        })
    };
    let rust_read = |read: Read| rust_read_at(&base, read);
    let reads = [
        Read::FirstPass,
        Read::UserByName,
        Read::UserById,
        Read::Stats,
        Read::Page,
        Read::Teams,
        Read::Search,
    ];
    for kind in reads {
        let measured = match kind {
            // The Rust client, which can stop once every user has been read (at most a minute).
            Read::FirstPass => load(connections, 60, rust_read(kind)).await,
            _ if use_wrk => wrk::finish(wrk::start(
                &base,
                &token,
                kind,
                users,
                connections,
                seconds,
                dir,
            )?)?,
            _ => load(connections, seconds, rust_read(kind)).await,
        };
        figures.push(Figures {
            scenario: kind.name().into(),
            measured,
            peak_rss_mib: server.memory_mib("VmHWM:"),
        });
    }
    // Every user at once, in the two dialects that answer the whole directory.
    let mut full_lists = Vec::new();
    for path in ["/api/users", "/umami/api/admin/users"] {
        full_lists.push(full_list(&server, &token, path).await?);
    }
    if use_wrk {
        // The same reads from a second server with the default configuration, on the same
        // database, after the same cold pass that filled the first server's cache.
        let logging = start_logging(binary, url, Some(&dir.join("server-info.log"))).await?;
        let logging_base = Arc::new(logging.base.clone());
        load(
            connections,
            60,
            rust_read_at(&logging_base, Read::FirstPass),
        )
        .await;
        let read = |seconds| {
            wrk::start(
                &logging.base,
                &token,
                Read::UserByName,
                users,
                connections,
                seconds,
                dir,
            )
        };
        figures.push(Figures {
            scenario: "GET /api/users/:name, default logging (info)".into(),
            measured: wrk::finish(read(seconds)?)?,
            peak_rss_mib: logging.memory_mib("VmHWM:"),
        });
    }
    let logins: MakeRequest = {
        let base = base.clone();
        Arc::new(move |c, _, n| {
            Some(login(
                c,
                &base,
                &format!("user{:07}", 1 + n % (users - 1).max(1)),
            ))
        })
    };
    // Reads while logins saturate the hashing pool, then while 64 connections of searches
    // take what the database gives them (the figure issue 16 asks for); before the writes.
    let half = (connections / 2).max(1);
    let floods: [(&str, usize, StartWrk, MakeRequest); 2] = [
        (
            "login",
            half,
            &|| wrk::start_logins(&base, users, half, seconds, dir),
            logins.clone(),
        ),
        (
            "search",
            SEARCH_FLOOD,
            &|| {
                wrk::start(
                    &base,
                    &token,
                    Read::Search,
                    users,
                    SEARCH_FLOOD,
                    seconds,
                    dir,
                )
            },
            rust_read(Read::Search),
        ),
    ];
    for (flood, flooders, start_flood, rust_flood) in floods {
        let (measured, flooded) = if use_wrk {
            let reads = wrk::start(&base, &token, Read::UserByName, users, half, seconds, dir)?;
            let flooded = wrk::finish(start_flood()?)?;
            (wrk::finish(reads)?, flooded)
        } else {
            tokio::join!(
                load(half, seconds, rust_read(Read::UserByName)),
                load(flooders, seconds, rust_flood)
            )
        };
        for (scenario, measured) in [
            (
                format!("GET /api/users/:name during a {flood} flood"),
                measured,
            ),
            (
                format!("the {flood} flood itself, {flooders} connections"),
                flooded,
            ),
        ] {
            figures.push(Figures {
                scenario,
                measured,
                peak_rss_mib: server.memory_mib("VmHWM:"),
            });
        }
    }
    // Reads while one client changes grants as fast as it can: each write drops its own
    // user's entries, and every instance's poll reads the change log.
    let readers = connections.saturating_sub(1).max(1);
    let writer = grants(std::slice::from_ref(&base), &token, users);
    let (measured, written) = if use_wrk {
        let reads = wrk::start(
            &base,
            &token,
            Read::UserByName,
            users,
            readers,
            seconds,
            dir,
        )?;
        let written = load(1, seconds, writer).await;
        (wrk::finish(reads)?, written)
    } else {
        tokio::join!(
            load(readers, seconds, rust_read(Read::UserByName)),
            load(1, seconds, writer)
        )
    };
    for (scenario, measured) in [
        (
            "GET /api/users/:name while one client writes grants",
            measured,
        ),
        (
            "PUT /api/users/:name grants, 1 client, during those reads",
            written,
        ),
    ] {
        figures.push(Figures {
            scenario: scenario.into(),
            measured,
            peak_rss_mib: server.memory_mib("VmHWM:"),
        });
    }
    let writes: MakeRequest = {
        let (base, token) = (base.clone(), token.clone());
        Arc::new(move |c, seq, _| {
            // Each loop creates a user, then deletes it with its next request.
            Some(if seq % 2 == 1 {
                c.post(format!("{base}/api/users")).bearer_auth(&*token).json(
                    &json!({ "username": format!("bench-{seq}"), "password": "bench-password" }),
                )
            } else {
                c.delete(format!("{base}/api/users/bench-{}", seq - 1))
                    .bearer_auth(&*token)
            })
        })
    };
    figures.push(Figures {
        scenario: "POST+DELETE /api/users (write)".into(),
        measured: load(connections, seconds, writes).await,
        peak_rss_mib: server.memory_mib("VmHWM:"),
    });
    // Grant changes spread over the instances: none can remove an admin.
    let mut instances = vec![base.clone()];
    let mut others = Vec::new();
    for count in [1, 3] {
        if count > 1 {
            if !url.starts_with("postgres") {
                break; // SQLite has one writer, whatever the instances
            }
            while instances.len() < count {
                let other = start(binary, url).await?;
                instances.push(Arc::new(other.base.clone()));
                others.push(other);
            }
        }
        figures.push(Figures {
            scenario: format!("PUT /api/users/:name grants (write), {count} instance(s)"),
            measured: load(connections, seconds, grants(&instances, &token, users)).await,
            peak_rss_mib: server.memory_mib("VmHWM:"),
        });
    }
    drop(others);
    // The reference hash is timed just before and just after the logins: the speed of a
    // shared host drifts within a run.
    let mut hashing = Hashing::time().await?;
    for (name, connections) in [
        ("POST /api/auth/login, 1 connection", 1),
        ("POST /api/auth/login", connections),
    ] {
        let cpu_before = server.cpu_ms();
        let measured = if use_wrk {
            wrk::finish(wrk::start_logins(&base, users, connections, seconds, dir)?)?
        } else {
            load(connections, seconds, logins.clone()).await
        };
        // Kept from the last scenario, the flood.
        let (hashing_ms, other_ms) = server.cpu_ms();
        let logins = measured.requests.max(1) as f64;
        hashing.per_login = CpuPerLogin {
            hashing_ms: (hashing_ms - cpu_before.0) / logins,
            other_ms: (other_ms - cpu_before.1) / logins,
        };
        figures.push(Figures {
            scenario: name.into(),
            measured,
            peak_rss_mib: server.memory_mib("VmHWM:"),
        });
    }
    hashing.extend(Hashing::time().await?);
    Ok((figures, full_lists, hashing))
}

/// What reading a whole list cost: the time to its first byte and to its end, its size, and
/// how far the server's memory grew over what it held before.
struct FullList {
    path: &'static str,
    first_byte_ms: f64,
    seconds: f64,
    mib: f64,
    growth_mib: f64,
}

/// Reads `path` to its end, sampling the server's memory as it goes.
async fn full_list(server: &Server, token: &str, path: &'static str) -> Result<FullList, String> {
    let before = server.memory_mib("VmRSS:");
    let sent = Instant::now();
    let mut response = Client::new()
        .get(format!("{}{path}", server.base))
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("{path} answered {}", response.status()));
    }
    let (mut first_byte, mut bytes, mut peak) = (None, 0, before);
    let mut sampled = Instant::now();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        first_byte.get_or_insert_with(|| sent.elapsed());
        bytes += chunk.len();
        if sampled.elapsed() >= Duration::from_millis(5) {
            peak = peak.max(server.memory_mib("VmRSS:"));
            sampled = Instant::now();
        }
    }
    let seconds = sent.elapsed().as_secs_f64();
    peak = peak.max(server.memory_mib("VmRSS:"));
    Ok(FullList {
        path,
        first_byte_ms: first_byte.unwrap_or_default().as_secs_f64() * 1000.0,
        seconds,
        mib: bytes as f64 / (1024.0 * 1024.0),
        growth_mib: peak - before,
    })
}

/// Grant changes of random users but the admin, spread over `instances`.
fn grants(instances: &[Arc<String>], token: &Arc<String>, users: u64) -> MakeRequest {
    let (instances, token) = (instances.to_vec(), token.clone());
    Arc::new(move |c, seq, n| {
        let base = &instances[(seq % instances.len() as u64) as usize];
        let user = 1 + n % (users - 1).max(1);
        Some(
            c.put(format!("{base}/api/users/user{user:07}"))
                .bearer_auth(&*token)
                .json(&json!({ "servers": [format!("server-{}", seq % 7)] })),
        )
    })
}

fn login(client: &Client, base: &str, name: &str) -> RequestBuilder {
    client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({ "username": name, "password": "bench-password" }))
}

/// The path `read` asks for user number `n`, as the wrk scripts build it.
fn path(read: Read, n: u64, users: u64) -> String {
    let id = format!("00000000-0000-4000-8000-{n:012x}");
    match read {
        Read::FirstPass | Read::UserByName => format!("/api/users/user{n:07}"),
        Read::UserById => format!("/umami/api/users/{id}"),
        Read::Stats => "/api/users-stats".into(),
        Read::Page => format!(
            "/umami/api/admin/users?page={}&pageSize=20",
            1 + n % (users / 20).max(1)
        ),
        Read::Teams => format!("/umami/api/users/{id}/teams"),
        Read::Search => format!("/umami/api/admin/users?search=r{:06}", n % 1_000_000),
    }
}

/// Times of one argon2 hash, alone and among one per core, as the argon2 crate computes it
/// in any program: what bounds logins/s. `per_login` is where the server's CPU went during
/// the login flood.
struct Hashing {
    alone: Vec<f64>,
    side_by_side: Vec<f64>,
    cores: usize,
    per_login: CpuPerLogin,
}

impl Hashing {
    /// Hashes at the server's default costs here and now, with the server idle.
    async fn time() -> Result<Self, String> {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (alone, side_by_side) =
            tokio::task::spawn_blocking(move || (hash_times_ms(1), hash_times_ms(cores)))
                .await
                .map_err(|e| e.to_string())?;
        Ok(Self {
            alone,
            side_by_side,
            cores,
            per_login: CpuPerLogin::default(),
        })
    }

    fn extend(&mut self, other: Self) {
        self.alone.extend(other.alone);
        self.side_by_side.extend(other.side_by_side);
    }
}

fn median(times: &[f64]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// Times of argon2id hashes at the server's default (OWASP) costs, on `threads` threads at
/// once.
fn hash_times_ms(threads: usize) -> Vec<f64> {
    let hashing: Vec<_> = (0..threads)
        .map(|_| {
            std::thread::spawn(|| {
                use argon2::{Algorithm, Argon2, Block, Params, Version};
                let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP's argon2 costs");
                // Memory allocated once, as the server's hashing threads keep theirs: fresh
                // memory for each hash costs ~5 000 page faults, which doubled the time.
                let mut memory = vec![Block::default(); params.block_count()];
                let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
                let mut out = [0u8; 32];
                (0..9)
                    .map(|_| {
                        let started = Instant::now();
                        argon2
                            .hash_password_into_with_memory(
                                b"bench-password",
                                b"sixteen-byte-slt",
                                &mut out,
                                &mut memory,
                            )
                            .expect("an argon2 hash");
                        started.elapsed().as_secs_f64() * 1000.0
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    hashing
        .into_iter()
        .flat_map(|thread| thread.join().expect("a hashing thread"))
        .collect()
}

fn report(
    backend: &str,
    options: &Options,
    figures: &[Figures],
    full_lists: &[FullList],
    hashing: &Hashing,
    out: &Path,
) -> Result<(), String> {
    println!(
        "\n{backend}, {} users, {} connections, {} s per scenario",
        options.users, options.connections, options.seconds
    );
    println!(
        "{:<50} {:>10} {:>8} {:>9} {:>9} {:>10}",
        "scenario", "req/s", "errors", "p50 ms", "p99 ms", "peak MiB"
    );
    for f in figures {
        println!(
            "{:<50} {:>10.0} {:>8} {:>9.2} {:>9.2} {:>10.1}",
            f.scenario,
            f.measured.rps,
            f.measured.errors,
            f.measured.p50_ms,
            f.measured.p99_ms,
            f.peak_rss_mib
        );
    }
    for list in full_lists {
        println!(
            "GET {}, whole: first byte {:.1} ms, {:.1} MiB in {:.1} s, memory +{:.1} MiB",
            list.path, list.first_byte_ms, list.mib, list.seconds, list.growth_mib
        );
    }
    let hash_ms = median(&hashing.alone);
    let side_by_side_ms = median(&hashing.side_by_side);
    let cores = hashing.cores as f64;
    let ceiling = cores / (hash_ms / 1000.0);
    let logins = figures
        .iter()
        .find(|f| f.scenario == "POST /api/auth/login")
        .map_or(0.0, |f| f.measured.rps);
    println!(
        "logins/s {logins:.0} = {:.0} % of cores ÷ one argon2 hash ({hash_ms:.1} ms): {ceiling:.0}/s",
        100.0 * logins / ceiling,
    );
    println!(
        "  ({:.0} % of cores ÷ one hash among {cores} at once: {side_by_side_ms:.1} ms)",
        100.0 * logins * side_by_side_ms / 1000.0 / cores,
    );
    let CpuPerLogin {
        hashing_ms,
        other_ms,
    } = hashing.per_login;
    println!(
        "  the server's CPU per login: {hashing_ms:.1} ms in its hashing threads, {other_ms:.1} ms in the rest"
    );
    let json = json!({
        "argon2_hash_ms": hash_ms,
        "argon2_hash_ms_side_by_side": side_by_side_ms,
        "server_cpu_ms_per_login": { "hashing": hashing_ms, "other": other_ms },
        "logins_per_s_ceiling": ceiling,
        "backend": backend,
        "reads_driven_by": if wrk::available() { "wrk" } else { "rust client" },
        "users": options.users,
        "connections": options.connections,
        "seconds": options.seconds,
        "cores": cores,
        "full_lists": full_lists.iter().map(|l| json!({
            "path": l.path, "first_byte_ms": l.first_byte_ms, "seconds": l.seconds,
            "mib": l.mib, "memory_growth_mib": l.growth_mib,
        })).collect::<Vec<_>>(),
        "scenarios": figures.iter().map(|f| json!({
            "scenario": f.scenario, "requests": f.measured.requests, "errors": f.measured.errors,
            "rps": f.measured.rps, "p50_ms": f.measured.p50_ms, "p99_ms": f.measured.p99_ms,
            "peak_rss_mib": f.peak_rss_mib,
        })).collect::<Vec<_>>(),
    });
    let path = out.join(format!("{backend}-{}.json", options.users));
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    println!("wrote {}", path.display());
    Ok(())
}
