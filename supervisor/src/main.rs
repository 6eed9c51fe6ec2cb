//! The `backbeat` command: `backbeat` / `backbeat serve` runs the
//! supervisor; `backbeat url` prints the dashboard login link; `jobs`,
//! `runs`, `run`, `logs` and `stop` drive a running supervisor over HTTP.

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
    /// List the jobs of the running Backbeat.
    Jobs,
    /// List recent runs, newest first.
    Runs {
        /// Only runs of this job.
        #[arg(long)]
        job: Option<i64>,
        /// Only these statuses, comma-separated (e.g. failure,timeout).
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Run a job now; with --follow, stream its log and exit 0 only on success.
    Run {
        job: i64,
        #[arg(long, short)]
        follow: bool,
    },
    /// Print a run's log; with --follow, until the run ends.
    Logs {
        run: i64,
        #[arg(long, short)]
        follow: bool,
    },
    /// Stop a running run, or drop a queued one.
    Stop { run: i64 },
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
        command => client(config, command),
    }
}

fn client(config: Config, command: Command) -> ExitCode {
    let client = match backbeat::client::Client::new(&config) {
        Ok(client) => client,
        Err(e) => return fail(&e),
    };
    let outcome = match command {
        Command::Jobs => client.jobs().map(|_| true),
        Command::Runs { job, status, limit } => {
            client.runs(job, status.as_deref(), limit).map(|_| true)
        }
        Command::Run { job, follow } => client.run(job, follow),
        Command::Logs { run, follow } => client.logs(run, follow),
        Command::Stop { run } => client.stop(run).map(|_| true),
        Command::Serve | Command::Url => unreachable!("handled above"),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => fail(&e),
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
    let code = runtime.block_on(async {
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
    });
    // Runs that did not stop in time are SIGKILLed as the runtime drops
    // their actors; what their runners had started elsewhere (setsid) is
    // now ours, as subreaper: kill and reap all of it before leaving.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    process_tree::kill_and_reap_descendants(std::time::Duration::from_secs(5));
    code
}

fn fail(error: &anyhow::Error) -> ExitCode {
    eprintln!("backbeat: {error:#}");
    match error.downcast_ref::<backbeat::Refusal>() {
        Some(refusal) => ExitCode::from(refusal.exit_code as u8),
        None => ExitCode::FAILURE,
    }
}
