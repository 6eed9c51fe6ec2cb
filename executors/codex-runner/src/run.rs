//! Task `run`: one `codex exec --json` run of the job's instruction in the
//! job's directory, its events rendered live into the log, then `usage`
//! and the outcome: failure on `turn.failed` or a non-zero exit.

use ai_common::cli;
use ai_common::control;
use ai_common::render::log_lines;
use ai_common::runner;
use backbeat_protocol::{ExecutorMessage, LineWriter, RunResult, Start};

use crate::events::EventStream;
use crate::{CODEX, args, is_stdin_notice};

pub fn run(out: &LineWriter, start: &Start) -> RunResult {
    let (job, settings) = match runner::run_inputs(start) {
        Ok(inputs) => inputs,
        Err(failure) => return failure,
    };
    let binary = CODEX.binary(&settings);
    let argv = args::run(&settings, &job.cwd, &job.body);
    let running = match cli::spawn(&CODEX, &binary, &argv, Some(&job.cwd), out, is_stdin_notice) {
        Ok(running) => running,
        Err(failure) => return failure,
    };
    let mut events = EventStream::default();
    let finished = running.pump(|line| log_lines(out, events.feed(line)));
    if let Some(usage) = events.usage(&settings.model) {
        let _ = out.send(&ExecutorMessage::Usage(usage));
    }
    let code = finished.exit_code();
    if let Some(failure) = events.failure {
        return RunResult::failure(code, failure);
    }
    if finished.success() {
        return RunResult::success();
    }
    if control::cancelled() {
        return RunResult::failure(code, "cancelled");
    }
    let said = finished.last_stderr().unwrap_or("no output");
    RunResult::failure(
        code,
        format!("codex ended with {}: {said}", finished.describe()),
    )
}
