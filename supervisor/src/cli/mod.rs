//! The `backbeat` command line: parses it (`args`), runs the supervisor
//! for `serve`, and otherwise acts as a client of a running one over HTTP.
//! Errors carry the exit code documented in `args::EXIT_CODES`.

pub mod args;
mod channels;
mod crontab;
mod doctor;
pub mod http;
mod jobs;
mod output;
mod runs;
mod sync;
mod transfer;

use std::io::Read;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::config::Config;
use args::{Cli, Command};

/// An error with the exit code it ends the client with.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Exit {
    pub code: u8,
    pub message: String,
}

impl Exit {
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const UNREACHABLE: u8 = 3;
    pub const NOT_FOUND: u8 = 4;
    pub const UNAUTHORISED: u8 = 5;

    /// The exit code an error ends the client with.
    pub fn code_of(error: &anyhow::Error) -> u8 {
        if let Some(exit) = error.downcast_ref::<Exit>() {
            exit.code
        } else if let Some(refusal) = error.downcast_ref::<crate::Refusal>() {
            refusal.exit_code as u8
        } else {
            Exit::FAILURE
        }
    }
}

pub fn exit(code: u8, message: impl Into<String>) -> anyhow::Error {
    Exit {
        code,
        message: message.into(),
    }
    .into()
}

/// A file's text, or stdin's for `-`.
pub fn read_input(source: &str) -> anyhow::Result<String> {
    let mut text = String::new();
    if source == "-" {
        std::io::stdin().read_to_string(&mut text)?;
    } else {
        text = std::fs::read_to_string(source)
            .map_err(|e| exit(Exit::USAGE, format!("cannot read {source}: {e}")))?;
    }
    Ok(text)
}

/// Entry point of the `backbeat` binary.
pub fn main(serve: impl FnOnce(Config) -> ExitCode) -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if !matches!(command, Command::Serve) {
        // A client writing into a closed pipe (`backbeat runs | head -1`)
        // ends quietly, as other Unix tools do, instead of panicking.
        // SAFETY: restoring a signal's default disposition at start-up,
        // before any thread exists.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    match command {
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "backbeat",
                &mut std::io::stdout(),
            );
            return ExitCode::SUCCESS;
        }
        Command::Man => {
            return match clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e.into()),
            };
        }
        _ => {}
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => return fail(&e),
    };
    let outcome = match command {
        Command::Serve => return serve(config),
        Command::Doctor { json } => doctor::main(&config, json),
        Command::Mcp => mcp(&config),
        command => client_command(&config, command),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => fail(&e),
    }
}

/// `backbeat mcp`: the MCP server on stdio until the client hangs up.
fn mcp(config: &Config) -> anyhow::Result<bool> {
    let client = http::Client::new(config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(crate::mcp::serve_stdio(client))?;
    Ok(true)
}

fn client_command(config: &Config, command: Command) -> anyhow::Result<bool> {
    if let Command::Url = command {
        return url(config);
    }
    let client = http::Client::new(config)?;
    match command {
        Command::Jobs { action, json, tag } => jobs::main(&client, action, &tag, json),
        Command::Run(args) => runs::run(&client, args),
        Command::Runs {
            job,
            status,
            limit,
            json,
        } => runs::runs(&client, job.as_deref(), status.as_deref(), limit, json),
        Command::Logs { run, follow } => runs::logs(&client, run, follow),
        Command::Stop { run, no_wait, json } => runs::stop(&client, run, no_wait, json),
        Command::Export { file } => transfer::export(&client, file.as_deref()),
        Command::Import(args) => transfer::import(&client, args),
        Command::Serve
        | Command::Url
        | Command::Doctor { .. }
        | Command::Mcp
        | Command::Completions { .. }
        | Command::Man => unreachable!("handled before"),
    }
}

/// `backbeat url`: the login link, with the token read (never created).
fn url(config: &Config) -> anyhow::Result<bool> {
    let (token, source) = http::client_token(config)?;
    if token.is_none() && !config.auth_disabled {
        return Err(exit(
            Exit::UNAUTHORISED,
            format!(
                "no token yet ({source}): start Backbeat first (`backbeat`); it creates the token, then run `backbeat url` again"
            ),
        ));
    }
    // A link the running server would refuse is worse than none.
    let client = http::Client::new(config)?;
    match client.get("/api/preferences") {
        Ok(_) => {}
        Err(e) if Exit::code_of(&e) == Exit::UNREACHABLE => eprintln!(
            "note: Backbeat does not answer at {} yet; start it with `backbeat`",
            client.base
        ),
        Err(e) => return Err(e),
    }
    let base = http::base_url(config);
    match token {
        Some(token) => println!("{base}/?token={token}"),
        None => println!("{base}/"),
    }
    Ok(true)
}

pub fn fail(error: &anyhow::Error) -> ExitCode {
    eprintln!("backbeat: {error:#}");
    ExitCode::from(Exit::code_of(error))
}
