//! Tasks `draft` and `refine` with claude: one `claude -p --output-format
//! json` call with tools disabled and `--json-schema`; the job comes back
//! as `structured_output` (or, failing that, as JSON text in `result`).

use ai_common::cli;
use ai_common::control;
use ai_common::draft;
use ai_common::runner::{self, log};
use ai_common::text;
use backbeat_protocol::{LineWriter, LogStream, RunResult, Start};
use serde_json::Value;

use crate::events::outcome_of;
use crate::{CLAUDE, args};

pub fn draft(out: &LineWriter, start: &Start) -> RunResult {
    let (request, settings) = match runner::draft_inputs(start) {
        Ok(inputs) => inputs,
        Err(failure) => return failure,
    };
    let binary = CLAUDE.binary(&settings);
    let running = match cli::spawn(
        &CLAUDE,
        &binary,
        &args::draft(&settings, &request),
        None,
        out,
        |_| false,
    ) {
        Ok(running) => running,
        Err(failure) => return failure,
    };
    let mut result: Option<Value> = None;
    let finished = running.pump(|line| match serde_json::from_slice::<Value>(line) {
        Ok(event) if event.get("type").and_then(Value::as_str) == Some("result") => {
            result = Some(event)
        }
        Ok(_) => {}
        Err(_) => log(out, LogStream::Stdout, String::from_utf8_lossy(line)),
    });
    let code = finished.exit_code();
    let Some(result) = result else {
        if control::cancelled() {
            return RunResult::failure(code, "cancelled");
        }
        let said = finished.last_stderr().unwrap_or("no result");
        return RunResult::failure(
            code,
            format!("claude ended with {}: {said}", finished.describe()),
        );
    };
    if let Err(error) = outcome_of(&result) {
        return RunResult::failure(code, format!("claude failed: {error}"));
    }
    let answer = match result.get("structured_output") {
        Some(answer @ Value::Object(_)) => answer.clone(),
        _ => {
            let text = result.get("result").and_then(Value::as_str).unwrap_or("");
            match draft::parse_answer_text(text) {
                Some(answer) => answer,
                None => {
                    return RunResult::failure(
                        code,
                        format!(
                            "claude did not answer with a job as JSON: {}",
                            text::one_line(text, 300)
                        ),
                    );
                }
            }
        }
    };
    match request.normalize(&answer) {
        Ok(draft) => draft::send(out, draft),
        Err(e) => RunResult::failure(code, format!("claude returned an unusable draft: {e}")),
    }
}
