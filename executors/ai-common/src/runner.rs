//! The executor's `main` shared by both AI runners: answers `--describe`,
//! checks the protocol version of `start`, picks the task's handler and
//! always ends with exactly one `result` message (`runner-control` does
//! the rest).

use backbeat_protocol::{
    AiSettings, Describe, ExecutorMessage, JobSpec, LineWriter, LogStream, PROTOCOL_VERSION,
    RunResult, Start, Task,
};

use crate::draft::Request;

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
            options_schema: None,
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

/// For task `run`: the job and its AI settings, or the failure to report
/// (also when the job has no instruction).
pub fn run_inputs(start: &Start) -> Result<(JobSpec, AiSettings), RunResult> {
    let job = start
        .job_spec()
        .map_err(|e| RunResult::failure(None, format!("bad job in start message: {e}")))?;
    let settings = ai_settings(start)?;
    if job.body.trim().is_empty() {
        return Err(RunResult::failure(
            None,
            "the job has no instruction: its body is empty",
        ));
    }
    Ok((job, settings))
}

/// For tasks `draft` and `refine`: the request and the AI settings, or the
/// failure to report.
pub fn draft_inputs(start: &Start) -> Result<(Request, AiSettings), RunResult> {
    let request = Request::from_start(start).map_err(|e| RunResult::failure(None, e))?;
    Ok((request, ai_settings(start)?))
}

fn ai_settings(start: &Start) -> Result<AiSettings, RunResult> {
    start
        .ai_settings()
        .map_err(|e| RunResult::failure(None, format!("bad AI settings in start message: {e}")))
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
