//! Task `run`: one `claude -p` run of the job's instruction, its events
//! rendered live into the log, then `usage` and the outcome. Success only
//! when the final `result` event says `is_error: false` and claude exited 0
//! (and the model said or did something). Guardrails: `--max-budget-usd`
//! (its `error_max_budget_usd` becomes `budget of $X reached`), the token
//! cap watched on the streamed usage, rate limits with their reset time.

use ai_common::cli::{self, Flow};
use ai_common::control;
use ai_common::guard::{self, Limits};
use ai_common::rate_limit;
use ai_common::render::log_lines;
use ai_common::runner::{self, log};
use backbeat_protocol::{
    AiSettings, ExecutorMessage, JobSpec, LineWriter, LogStream, RunResult, Start,
};

use crate::events::EventStream;
use crate::{CLAUDE, args};

/// What claude says when `--resume` names a session it does not have.
const SESSION_MISSING: &str = "No conversation found with session ID";
/// What claude prints when asked to bypass permissions as root.
const ROOT_REFUSAL: &str = "root/sudo";
const ROOT_HINT: &str = "Claude Code refuses bypassPermissions when run as root: run Backbeat as a normal user, \
                         or pick another permission mode (e.g. acceptEdits) in Preferences or the job's AI settings";

pub fn run(out: &LineWriter, start: &Start) -> RunResult {
    let (job, settings) = match runner::run_inputs(start) {
        Ok(inputs) => inputs,
        Err(failure) => return failure,
    };
    let limits = Limits::from_settings(&settings);
    let mut events = EventStream::default();
    let mut result = outcome(out, &job, &settings, limits, &mut events);
    // The session to continue is gone (claude's files were cleaned up):
    // start a new one rather than failing every run from now on.
    if settings.resume_session_id.is_some()
        && result
            .error
            .as_deref()
            .is_some_and(|e| e.contains(SESSION_MISSING))
        && !control::cancelled()
    {
        log(
            out,
            LogStream::Stderr,
            "the previous session no longer exists: starting a new one",
        );
        let fresh = AiSettings {
            resume_session_id: None,
            ..settings.clone()
        };
        events = EventStream::default();
        result = outcome(out, &job, &fresh, limits, &mut events);
    }
    // Only a persisted session (`continue`) can be resumed by a later run.
    if settings.session == "continue" {
        result.session_id = events.session_id.as_deref().map(Into::into);
    }
    result
}

fn outcome(
    out: &LineWriter,
    job: &JobSpec,
    settings: &AiSettings,
    limits: Limits,
    events: &mut EventStream,
) -> RunResult {
    let binary = CLAUDE.binary(settings);
    let running = match cli::spawn(
        &CLAUDE,
        &binary,
        &args::run(settings, &job.body),
        Some(&job.cwd),
        out,
        |_| false,
    ) {
        Ok(running) => running,
        Err(failure) => return failure,
    };
    let mut crossed = None;
    let finished = running.pump_until(|line| {
        log_lines(out, events.feed(line));
        if crossed.is_none() {
            crossed = limits.check(events.tokens_so_far(), None);
            if crossed.is_some() {
                return Flow::Stop;
            }
        }
        Flow::Continue
    });
    if let Some(usage) = events.usage() {
        let _ = out.send(&ExecutorMessage::Usage(usage));
    }
    let code = finished.exit_code();
    if let Some(crossed) = crossed {
        log(
            out,
            LogStream::Stderr,
            if finished.stopped {
                format!("✗ {}: stopped claude", crossed.message)
            } else {
                format!("✗ {}", crossed.message)
            },
        );
        return crossed.into_result(code);
    }
    if events.subtype() == Some("error_max_budget_usd") {
        let budget = limits.max_budget_usd.unwrap_or(0.0);
        return Limits::budget_reached(budget).into_result(code);
    }
    if events.rate_limited() {
        let message = match events.outcome() {
            Some(Err(message)) => message,
            _ => "rate limited".to_owned(),
        };
        return rate_limit::rate_limited(code, message);
    }
    match events.outcome() {
        Some(Ok(())) if finished.success() => {
            guard::successful_run(events.final_text(), events.tool_calls)
        }
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
