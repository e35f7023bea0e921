//! Project chores: `cargo xtask openapi [--check]`, `cargo xtask ci`, `cargo xtask bench`.

mod bench;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "usage: cargo xtask <openapi [--check] | ci [--offline] | bench [options]>
  openapi          write docs/openapi.json from the server's current API
  openapi --check  fail if docs/openapi.json is out of date
  ci               fmt check, clippy -D warnings, the test suite, openapi --check,
                   cargo deny check (--offline: without the advisory database, which is
                   fetched from GitHub)
  bench            seed, start the release server, load it, print and save the figures
                   (--users N, default 100000; --seconds S per scenario, default 10;
                   --connections C, default 64; reads driven by wrk when installed;
                   PostgreSQL too when ROSTER_TEST_POSTGRES_URL is set and psql is
                   installed)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let outcome = match args.as_slice() {
        ["openapi"] => openapi(false),
        ["openapi", "--check"] => openapi(true),
        ["ci"] => ci(false),
        ["ci", "--offline"] => ci(true),
        ["bench", options @ ..] => {
            bench::Options::parse(options).and_then(|options| bench::run(&root(), &options))
        }
        _ => Err(USAGE.to_owned()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root());
    command
}

fn run(mut command: Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    eprintln!("$ {shown}");
    let status = command.status().map_err(|e| format!("{shown}: {e}"))?;
    status
        .success()
        .then_some(())
        .ok_or_else(|| format!("{shown} failed: {status}"))
}

/// The document as the server generates it with its default mounts.
fn generated_spec() -> Result<String, String> {
    let mut command = cargo();
    command.args([
        "run",
        "--quiet",
        "--package",
        "roster-server",
        "--",
        "openapi",
    ]);
    // The committed document describes the default mounts, whatever this shell sets.
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("ROSTER_")) {
        command.env_remove(key);
    }
    let output = command.output().map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    String::from_utf8(output.stdout).map_err(|e| e.to_string())
}

fn openapi(check: bool) -> Result<(), String> {
    let path = root().join("docs/openapi.json");
    let spec = generated_spec()?;
    if check {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != spec {
            return Err(format!(
                "{} is out of date: run `cargo xtask openapi` and commit it",
                path.display()
            ));
        }
        eprintln!("{} is up to date", path.display());
        return Ok(());
    }
    std::fs::write(&path, spec).map_err(|e| format!("{}: {e}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn ci(offline: bool) -> Result<(), String> {
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--", "--check"]);
    run(fmt)?;
    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    run(clippy)?;
    let mut test = cargo();
    test.args(["test", "--workspace"]);
    run(test)?;
    openapi(true)?;
    let mut deny = cargo();
    deny.args([
        "deny",
        "--all-features",
        "check",
        "bans",
        "licenses",
        "sources",
    ]);
    if !offline {
        deny.arg("advisories");
    }
    run(deny).map_err(|e| {
        format!("{e}\n(cargo-deny is installed with `cargo install cargo-deny --locked`)")
    })
}
