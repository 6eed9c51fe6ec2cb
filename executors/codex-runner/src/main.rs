//! `codex-runner`: the executor for `ai` jobs in Codex mode. Task `run`
//! runs the job body as the prompt of `codex exec --json` and turns its
//! item events into the run log and a `usage` message; tasks `draft` and
//! `refine` ask codex for a job as strict structured JSON and answer with a
//! `draft` message. Protocol: `api-spec/executor-protocol.md`.

mod args;
mod draft;
mod events;
mod pricing;
mod run;

use ai_common::cli::CliKind;
use ai_common::runner::{self, Identity};

/// The CLI this runner drives.
pub const CODEX: CliKind = CliKind {
    name: "codex",
    product: "the Codex CLI",
    setting: "codexBinary",
};

/// codex prints one of these on stderr whenever stdin is not a terminal,
/// even with stdin closed; it would only confuse readers of the log.
pub fn is_stdin_notice(line: &str) -> bool {
    matches!(
        line.trim(),
        "Reading additional input from stdin..." | "Reading prompt from stdin..."
    )
}

fn main() {
    let identity = Identity {
        name: "codex",
        version: env!("CARGO_PKG_VERSION"),
        description: "Runs the instruction with the Codex CLI (codex exec)",
    };
    runner::main(identity, run::run, draft::draft);
}
