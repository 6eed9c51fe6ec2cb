//! The `backbeat` command: `backbeat` / `backbeat serve` runs the
//! supervisor; `backbeat url` prints the dashboard login link.

use std::process::ExitCode;

use backbeat::config::Config;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "backbeat",
    version,
    about = "Local-first background job scheduler with a web dashboard"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the scheduler and serve the dashboard and API (the default).
    Serve,
    /// Print the dashboard login URL (with the API token).
    Url,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => return fail(&e),
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config),
        Command::Url => match backbeat::api::auth::load_token(&config) {
            Ok(token) => {
                println!(
                    "{}",
                    backbeat::dashboard_url(&config, config.port, token.as_deref())
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
    }
}

fn serve(config: Config) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&e.into()),
    };
    runtime.block_on(async {
        let prepared = match backbeat::prepare(config).await {
            Ok(prepared) => prepared,
            Err(e) => return fail(&e),
        };
        if let Err(e) = backbeat::shutdown_on_signals(&prepared.app) {
            return fail(&e);
        }
        match backbeat::run(prepared).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e),
        }
    })
}

fn fail(error: &anyhow::Error) -> ExitCode {
    eprintln!("backbeat: {error:#}");
    match error.downcast_ref::<backbeat::Refusal>() {
        Some(refusal) => ExitCode::from(refusal.exit_code as u8),
        None => ExitCode::FAILURE,
    }
}
