//! The executor's `main` shared by both AI runners: answers `--describe`,
//! checks the protocol version of `start`, picks the task's handler and
//! always ends with exactly one `result` message (`runner-control` does
//! the rest).

use backbeat_protocol::{
    Describe, ExecutorMessage, LineWriter, LogStream, PROTOCOL_VERSION, RunResult, Start, Task,
};

/// What a runner says about itself in `--describe`.
pub struct Identity {
    /// `claude` or `codex` (also the AI mode).
    pub name: &'static str,
    pub version: &'static str,
    pub description: &'static str,
}

impl Identity {
    pub fn describe(&self) -> Describe {
        Describe {
            name: self.name.into(),
            protocol: PROTOCOL_VERSION,
            version: self.version.into(),
            job_type: "ai".into(),
            description: self.description.into(),
            ai_mode: Some(self.name.into()),
        }
    }
}

/// What a runner does for one task.
pub type Handler = fn(&LineWriter, &Start) -> RunResult;

/// Runs the executor: `run` handles task `run`, `draft` tasks `draft` and
/// `refine`; the outcome is sent as the last protocol line.
pub fn main(identity: Identity, run: Handler, draft: Handler) {
    runner_control::serve(
        || identity.describe(),
        |out, start| {
            if start.protocol != PROTOCOL_VERSION {
                return RunResult::failure(
                    None,
                    format!("unsupported protocol {}", start.protocol),
                );
            }
            match start.task {
                Task::Run => run(out, &start),
                Task::Draft | Task::Refine => draft(out, &start),
            }
        },
    );
}

/// Sends one log line (a newline is added when missing); errors writing
/// stdout are ignored, the supervisor is then gone anyway.
pub fn log(out: &LineWriter, stream: LogStream, text: impl Into<String>) {
    let mut text = text.into();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let _ = out.send(&ExecutorMessage::Log { stream, text });
}
