//! Task `run`: one `codex exec --json` run of the job's instruction in the
//! job's directory (or `codex exec … resume <id>` to continue the job's
//! previous session), its events rendered live into the log, then `usage`
//! and the outcome: failure on `turn.failed` or a non-zero exit, on a
//! success that said and did nothing, or when the token cap or the
//! estimated cost crosses the run's limits (codex has no budget flag: the
//! runner kills it). Usage limits become `rate_limited` with their reset.

use ai_common::cli::{self, Flow};
use ai_common::control;
use ai_common::guard::{self, Limits};
use ai_common::rate_limit;
use ai_common::render::log_lines;
use ai_common::runner::{self, log};
use backbeat_protocol::{ExecutorMessage, LineWriter, LogStream, RunResult, Start};

use crate::events::EventStream;
use crate::{CODEX, args, is_stdin_notice};

pub fn run(out: &LineWriter, start: &Start) -> RunResult {
    let (job, settings) = match runner::run_inputs(start) {
        Ok(inputs) => inputs,
        Err(failure) => return failure,
    };
    let limits = Limits::from_settings(&settings);
    let binary = CODEX.binary(&settings);
    let argv = args::run(&settings, &job.cwd, &job.body);
    let running = match cli::spawn(&CODEX, &binary, &argv, Some(&job.cwd), out, is_stdin_notice) {
        Ok(running) => running,
        Err(failure) => return failure,
    };
    let mut events = EventStream::default();
    let mut crossed = None;
    let finished = running.pump_until(|line| {
        log_lines(out, events.feed(line));
        if crossed.is_none() {
            let cost = events.estimated_cost(&settings.model);
            crossed = limits.check(events.tokens_so_far(), Some(cost));
            if crossed.is_some() {
                return Flow::Stop;
            }
        }
        Flow::Continue
    });
    if let Some(usage) = events.usage(&settings.model) {
        let _ = out.send(&ExecutorMessage::Usage(usage));
    }
    let code = finished.exit_code();
    let mut result = match crossed {
        Some(crossed) => {
            log(
                out,
                LogStream::Stderr,
                if finished.stopped {
                    format!("✗ {}: stopped codex", crossed.message)
                } else {
                    format!("✗ {}", crossed.message)
                },
            );
            crossed.into_result(code)
        }
        None => outcome(&events, &finished, code),
    };
    result.session_id = events.session_id.as_deref().map(Into::into);
    result
}

fn outcome(events: &EventStream, finished: &cli::Finished, code: Option<i32>) -> RunResult {
    if let Some(failure) = &events.failure {
        if rate_limit::is_rate_limit(failure) {
            return rate_limit::rate_limited(code, failure.clone());
        }
        return RunResult::failure(code, failure.clone());
    }
    if finished.success() {
        return guard::successful_run(events.last_message.as_deref(), events.tool_calls);
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
