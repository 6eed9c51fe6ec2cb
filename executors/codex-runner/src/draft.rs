//! Tasks `draft` and `refine` with codex: one `codex exec --json` call in
//! the read-only sandbox with `--output-schema` (strict: every property
//! required, nullable types); the job arrives as the final `agent_message`.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use ai_common::cli;
use ai_common::control;
use ai_common::draft;
use ai_common::render::log_lines;
use ai_common::runner;
use ai_common::text;
use backbeat_protocol::{LineWriter, RunResult, Start};

use crate::events::EventStream;
use crate::{CODEX, args, is_stdin_notice};

/// The schema file codex reads, removed when dropped.
struct SchemaFile(PathBuf);

impl SchemaFile {
    fn write() -> std::io::Result<SchemaFile> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "backbeat-draft-schema-{}-{nanos}.json",
            std::process::id()
        ));
        std::fs::write(&path, draft::schema().to_string())?;
        Ok(SchemaFile(path))
    }
}

impl Drop for SchemaFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

pub fn draft(out: &LineWriter, start: &Start) -> RunResult {
    let (request, settings) = match runner::draft_inputs(start) {
        Ok(inputs) => inputs,
        Err(failure) => return failure,
    };
    let schema = match SchemaFile::write() {
        Ok(schema) => schema,
        Err(e) => {
            return RunResult::failure(None, format!("could not write the draft schema file: {e}"));
        }
    };
    let binary = CODEX.binary(&settings);
    let argv = args::draft(
        &settings,
        &schema.0.to_string_lossy(),
        &request.combined_prompt(),
    );
    let running = match cli::spawn(&CODEX, &binary, &argv, None, out, is_stdin_notice) {
        Ok(running) => running,
        Err(failure) => return failure,
    };
    let mut events = EventStream::default();
    let finished = running.pump(|line| log_lines(out, events.feed(line)));
    drop(schema);
    let code = finished.exit_code();
    if let Some(failure) = events.failure {
        return RunResult::failure(code, format!("codex failed: {failure}"));
    }
    if !finished.success() {
        if control::cancelled() {
            return RunResult::failure(code, "cancelled");
        }
        let said = finished.last_stderr().unwrap_or("no output");
        return RunResult::failure(
            code,
            format!("codex ended with {}: {said}", finished.describe()),
        );
    }
    let answer_text = events.last_message.unwrap_or_default();
    let Some(answer) = draft::parse_answer_text(&answer_text) else {
        let shown = if answer_text.trim().is_empty() {
            "(no answer)".into()
        } else {
            text::one_line(&answer_text, 300)
        };
        return RunResult::failure(
            code,
            format!("codex did not answer with a job as JSON: {shown}"),
        );
    };
    match request.normalize(&answer) {
        Ok(draft) => draft::send(out, draft),
        Err(e) => RunResult::failure(code, format!("codex returned an unusable draft: {e}")),
    }
}
