use roster_server::config::{CacheCommand, Command, ImportCommand};
#[cfg(feature = "seed")]
use roster_server::seed;
use roster_server::{Application, Config, cli, import, telemetry};

use std::process::ExitCode;

/// glibc's malloc took 15–25 % of the CPU of a GET served from memory: its arenas' locks,
/// contended by the two runtime threads, and its consolidation of freed chunks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => match err.downcast::<clap::Error>() {
            // --help, --version and usage errors print as clap formats them.
            Ok(clap_err) => clap_err.exit(),
            Err(err) => {
                // One line with its causes, no backtrace: this is for an operator.
                eprintln!("error: {err:#}");
                ExitCode::FAILURE
            }
        },
    }
}

async fn run() -> anyhow::Result<()> {
    let config = Config::load()?;
    let command = config.command.clone().unwrap_or(Command::Serve);
    // A one-shot command logs only what needs attention; its output is the answer.
    let level = if command == Command::Serve {
        "info"
    } else {
        "warn"
    };
    let _logs = telemetry::init(config.log_format, level);
    match command {
        Command::Serve => {
            let app = Application::build(config).await?;
            app.run_until(shutdown_signal()).await;
            Ok(())
        }
        Command::Migrate => {
            let store =
                roster_db::Store::connect_with(&config.database_url, config.store()).await?;
            store.migrate().await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Cache(CacheCommand::Flush) => {
            let store =
                roster_db::Store::connect_with(&config.database_url, config.store()).await?;
            store.mark_changed().await?;
            tracing::info!("every instance will read users and sessions afresh");
            Ok(())
        }
        Command::User(command) => cli::run(&config, command).await,
        #[cfg(feature = "seed")]
        Command::Seed { users, team_size } => seed::run(&config, users, team_size).await,
        Command::Import(ImportCommand::Mcphub { settings }) => {
            import::mcphub(&config, &settings).await
        }
        Command::Openapi => {
            println!("{}", roster_http::openapi_json(&config.mounts()));
            Ok(())
        }
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing the SIGTERM handler");
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    tracing::info!("shutting down");
}
