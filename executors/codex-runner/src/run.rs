//! Task `run`: one `codex exec --json` run of the job's instruction in the
//! job's directory, its events rendered live into the log, then `usage`
//! and the outcome: failure on `turn.failed` or a non-zero exit.

use ai_common::cli;
use ai_common::control;
use ai_common::runner::log;
use backbeat_protocol::{ExecutorMessage, LineWriter, RunResult, Start};

use crate::events::EventStream;
use crate::{CODEX, args, is_stdin_notice};

pub fn run(out: &LineWriter, start: &Start) -> RunResult {
    let job = match start.job_spec() {
        Ok(job) => job,
        Err(e) => return RunResult::failure(None, format!("bad job in start message: {e}")),
    };
    let settings = match start.ai_settings() {
        Ok(settings) => settings,
        Err(e) => {
            return RunResult::failure(None, format!("bad AI settings in start message: {e}"));
        }
    };
    if job.body.trim().is_empty() {
        return RunResult::failure(None, "the job has no instruction: its body is empty");
    }
    let binary = CODEX.binary(&settings);
    let argv = args::run(&settings, &job.cwd, &job.body);
    let running = match cli::spawn(&CODEX, &binary, &argv, Some(&job.cwd), out, is_stdin_notice) {
        Ok(running) => running,
        Err(failure) => return failure,
    };
    let mut events = EventStream::default();
    let finished = running.pump(|line| {
        for line in events.feed(line) {
            log(out, line.stream, line.text);
        }
    });
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
