//! The command line of `backbeat`: every verb, flag and help text (clap
//! derive). Behaviour lives in the sibling modules.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub const EXIT_CODES: &str = "\
Exit status:
  0  success (for run --wait/--follow and stop: the run succeeded)
  1  the run failed, timed out or was stopped; doctor found a problem; other errors
  2  bad usage, or the server refused the input (400/422)
  3  cannot reach Backbeat (is it running?)
  4  no such job or run
  5  not authorised: no token, or not the server's token

Environment: BACKBEAT_URL (default http://HOST:PORT, 127.0.0.1:3786),
BACKBEAT_TOKEN (default: the token file in the config directory,
BACKBEAT_CONFIG_DIR or ~/.config/backbeat). The client never writes a token.";

#[derive(Parser)]
#[command(
    name = "backbeat",
    version,
    about = "Local-first background job scheduler with a web dashboard",
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

// Parsed once per process: the size of the `jobs` variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum Command {
    /// Run the scheduler and serve the dashboard and API (the default).
    Serve,
    /// Print the dashboard login URL (with the API token).
    Url,
    /// List, show, add, edit, enable, disable or remove jobs.
    Jobs {
        #[command(subcommand)]
        action: Option<JobsAction>,
        /// List only jobs with this tag (repeatable or comma-separated: all must match).
        #[arg(long, value_name = "TAG")]
        tag: Vec<String>,
        /// Print JSON (for scripts) instead of text for people.
        #[arg(long, global = true)]
        json: bool,
    },
    /// Run a job now; prints the run id.
    Run(RunArgs),
    /// List recent runs, newest first.
    Runs {
        /// Only runs of this job (id or exact title).
        #[arg(long)]
        job: Option<String>,
        /// Only these statuses, comma-separated (e.g. failure,timeout).
        #[arg(long)]
        status: Option<String>,
        /// How many runs (1–500).
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Print JSON (for scripts) instead of text for people.
        #[arg(long)]
        json: bool,
    },
    /// Print a run's log; with --follow, until the run ends.
    Logs {
        run: i64,
        #[arg(long, short)]
        follow: bool,
    },
    /// Stop a running run (or drop a queued one) and print how it ended.
    Stop {
        run: i64,
        /// Return once the stop is requested, without waiting for the end.
        #[arg(long)]
        no_wait: bool,
        /// Print JSON (for scripts) instead of text for people.
        #[arg(long)]
        json: bool,
    },
    /// Write every job as JSON (to stdout or --file).
    Export {
        #[arg(long, short)]
        file: Option<PathBuf>,
    },
    /// Create or update jobs from an export, a crontab, or a jobs file.
    Import(ImportArgs),
    /// Check the installation: directories, lock, port, token, executors, AI CLIs, disk.
    Doctor {
        /// Print JSON (for scripts) instead of text for people.
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff) to stdout.
    Man,
    /// Serve MCP on stdin/stdout for agents (`claude mcp add backbeat --
    /// backbeat mcp`), talking to the running Backbeat over its API.
    Mcp,
}

#[derive(Subcommand)]
pub enum JobsAction {
    /// List the jobs (the default).
    List {
        /// Only jobs with this tag (repeatable or comma-separated: all must match).
        #[arg(long, value_name = "TAG")]
        tag: Vec<String>,
    },
    /// Show one job.
    Show { job: String },
    /// Create a job from flags, a JSON file (--file) or JSON on stdin (-).
    Add {
        /// `-` reads the job as JSON from stdin.
        #[arg(value_name = "-")]
        stdin: Option<String>,
        #[arg(long, short)]
        file: Option<PathBuf>,
        #[command(flatten)]
        fields: JobFlags,
    },
    /// Change a job: only the given flags (or the fields of --file / -).
    Edit {
        job: String,
        #[arg(value_name = "-")]
        stdin: Option<String>,
        #[arg(long, short)]
        file: Option<PathBuf>,
        #[command(flatten)]
        fields: JobFlags,
    },
    /// Enable a job.
    Enable { job: String },
    /// Disable a job.
    Disable { job: String },
    /// Delete a job and its history.
    Rm { job: String },
}

/// Job fields as flags; each one given becomes a field of the request.
#[derive(Args, Default)]
pub struct JobFlags {
    #[arg(long)]
    pub title: Option<String>,
    /// script (default), ai, or a custom executor name.
    #[arg(long = "type", value_name = "TYPE")]
    pub job_type: Option<String>,
    /// The script or instruction; `@FILE` reads it from a file.
    #[arg(long)]
    pub body: Option<String>,
    /// A 5-field cron expression, e.g. "0 3 * * *".
    #[arg(long, conflicts_with_all = ["at", "manual"])]
    pub cron: Option<String>,
    /// IANA time zone of --cron (default: the server's).
    #[arg(long, requires = "cron")]
    pub tz: Option<String>,
    /// Run once at this RFC 3339 time.
    #[arg(long, conflicts_with = "manual")]
    pub at: Option<String>,
    /// Only run when asked.
    #[arg(long)]
    pub manual: bool,
    /// Working directory (absolute); empty for your home.
    #[arg(long)]
    pub cwd: Option<String>,
    /// Environment variable KEY=VALUE (repeatable; edit merges into the job's).
    #[arg(long = "env", short = 'e', value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Remove an environment variable (edit).
    #[arg(long, value_name = "KEY")]
    pub unset_env: Vec<String>,
    /// Timeout: 90s, 10m, 2h, 1d (or "none").
    #[arg(long)]
    pub timeout: Option<String>,
    /// When a run is due while one runs: queue, skip or parallel.
    #[arg(long)]
    pub overlap: Option<String>,
    /// Occurrences missed while Backbeat was down: none, last or all
    /// (true = last, false = none).
    #[arg(long, value_name = "POLICY")]
    pub catch_up: Option<String>,
    /// Create the job disabled.
    #[arg(long)]
    pub disabled: bool,
    /// A tag (repeatable or comma-separated); replaces the job's tags on
    /// edit, and `--tag ''` removes them all.
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
}

#[derive(Args)]
pub struct RunArgs {
    /// Job id or exact title.
    pub job: String,
    /// Extra environment for this run only (repeatable).
    #[arg(long = "env", short = 'e', value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Wait for the run to end and print the outcome (exit 0 only on success).
    #[arg(long, short, conflicts_with = "follow")]
    pub wait: bool,
    /// Stream the log until the run ends, then print the outcome.
    #[arg(long, short)]
    pub follow: bool,
    /// Print JSON (for scripts) instead of text for people.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct ImportArgs {
    /// Read from this file instead of stdin (`-` is stdin).
    #[arg(long, short)]
    pub file: Option<PathBuf>,
    /// Show what would change without changing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Import a crontab (`crontab -l` format) from FILE or stdin (`-`).
    #[arg(long, value_name = "FILE|-", num_args = 0..=1, default_missing_value = "-",
          conflicts_with = "sync")]
    pub crontab: Option<String>,
    /// /etc/crontab format: a user field after the five time fields.
    #[arg(long, requires = "crontab")]
    pub system: bool,
    /// Enable the jobs imported from a crontab (they start disabled).
    #[arg(long, requires = "crontab")]
    pub enable: bool,
    /// Apply a jobs file declaratively (see api-spec/schemas/jobs-file.json).
    #[arg(long, value_name = "FILE")]
    pub sync: Option<PathBuf>,
    /// With --sync: delete jobs this file once created that it no longer lists.
    #[arg(long, requires = "sync")]
    pub prune: bool,
    /// Print JSON (for scripts) instead of text for people.
    #[arg(long)]
    pub json: bool,
}
