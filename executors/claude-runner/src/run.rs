//! Task `run`: one `claude -p` run of the job's instruction, its events
//! rendered live into the log, then `usage` and the outcome. Success only
//! when the final `result` event says `is_error: false` and claude exited 0.

use ai_common::cli;
use ai_common::control;
use ai_common::render::log_lines;
use ai_common::runner::{self, log};
use backbeat_protocol::{ExecutorMessage, LineWriter, LogStream, RunResult, Start};

use crate::events::EventStream;
use crate::{CLAUDE, args};

/// What claude prints when asked to bypass permissions as root.
const ROOT_REFUSAL: &str = "root/sudo";
const ROOT_HINT: &str = "Claude Code refuses bypassPermissions when run as root: run Backbeat as a normal user, \
                         or pick another permission mode (e.g. acceptEdits) in Preferences or the job's AI settings";

pub fn run(out: &LineWriter, start: &Start) -> RunResult {
    let (job, settings) = match runner::run_inputs(start) {
        Ok(inputs) => inputs,
        Err(failure) => return failure,
    };
    let binary = CLAUDE.binary(&settings);
    let running = match cli::spawn(
        &CLAUDE,
        &binary,
        &args::run(&settings, &job.body),
        Some(&job.cwd),
        out,
        |_| false,
    ) {
        Ok(running) => running,
        Err(failure) => return failure,
    };
    let mut events = EventStream::default();
    let finished = running.pump(|line| log_lines(out, events.feed(line)));
    if let Some(usage) = events.usage() {
        let _ = out.send(&ExecutorMessage::Usage(usage));
    }
    let code = finished.exit_code();
    match events.outcome() {
        Some(Ok(())) if finished.success() => RunResult::success(),
        Some(Ok(())) if control::cancelled() => RunResult::failure(code, "cancelled"),
        Some(Ok(())) => RunResult::failure(
            code,
            format!(
                "claude reported success but ended with {}",
                finished.describe()
            ),
        ),
        Some(Err(error)) => RunResult::failure(code, error),
        None if control::cancelled() => RunResult::failure(code, "cancelled"),
        None => {
            let said = finished.last_stderr().unwrap_or("no result event");
            if finished
                .stderr_tail
                .iter()
                .any(|l| l.contains(ROOT_REFUSAL))
            {
                log(out, LogStream::Stderr, format!("hint: {ROOT_HINT}"));
                return RunResult::failure(code, format!("{said} (hint: {ROOT_HINT})"));
            }
            RunResult::failure(
                code,
                format!("claude ended with {}: {said}", finished.describe()),
            )
        }
    }
}
