//! `claude-runner`: the executor for `ai` jobs in Claude Code mode. Task
//! `run` runs the job body as the prompt of `claude -p` and turns its
//! stream-json events into the run log and a `usage` message; tasks
//! `draft` and `refine` ask claude for a job as structured JSON and answer
//! with a `draft` message. Protocol: `api-spec/executor-protocol.md`.

mod args;
mod draft;
mod events;
mod run;

use ai_common::cli::CliKind;
use ai_common::runner::{self, Identity};

/// The CLI this runner drives.
pub const CLAUDE: CliKind = CliKind {
    name: "claude",
    product: "Claude Code",
    setting: "claudeBinary",
};

fn main() {
    let identity = Identity {
        name: "claude",
        version: env!("CARGO_PKG_VERSION"),
        description: "Runs the instruction with Claude Code (claude -p)",
    };
    runner::main(identity, run::run, draft::draft);
}
