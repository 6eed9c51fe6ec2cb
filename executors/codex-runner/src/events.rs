//! Reads `codex exec --json` output, one JSON event per line, into
//! readable log lines (agent messages, reasoning, `→ $ command` with its
//! output shortened, file changes, MCP calls, web searches, to-do lists,
//! error items) and keeps what the outcome and usage need. Top-level
//! `error` events are retries: logged, never fatal; only `turn.failed` is.
//! Unknown event and item types are skipped.

use std::collections::HashSet;

use ai_common::render::{LogLine, err, out, parse_event, str_at};
use ai_common::text::{self, ONE_LINE_CHARS};
use backbeat_protocol::Usage;
use serde_json::Value;

/// The state of one event stream.
#[derive(Debug, Default)]
pub struct EventStream {
    /// Items whose start was already shown.
    started: HashSet<String>,
    input_tokens: u64,
    cached_input_tokens: u64,
    output_tokens: u64,
    completed_turns: u64,
    /// Tool calls: commands, file changes, MCP calls, web searches.
    pub tool_calls: usize,
    /// The thread id of `thread.started`: the session to resume.
    pub session_id: Option<String>,
    /// `turn.failed`'s message.
    pub failure: Option<String>,
    /// The last `agent_message` text (a draft's JSON answer).
    pub last_message: Option<String>,
}

impl EventStream {
    /// Renders one stdout line.
    pub fn feed(&mut self, line: &[u8]) -> Vec<LogLine> {
        let event = match parse_event(line) {
            Ok(event) => event,
            Err(lines) => return lines,
        };
        let item = event.get("item").unwrap_or(&Value::Null);
        match str_at(&event, "type") {
            "thread.started" => {
                self.session_id =
                    Some(str_at(&event, "thread_id").to_owned()).filter(|t| !t.is_empty());
                vec![]
            }
            "item.started" => self.item_started(item),
            "item.completed" => self.item_completed(item),
            "error" => vec![err(format!("⚠ {}", str_at(&event, "message")))],
            "turn.completed" => self.turn_completed(&event),
            "turn.failed" => {
                let message = event
                    .pointer("/error/message")
                    .and_then(Value::as_str)
                    .unwrap_or("turn failed");
                self.failure = Some(message.to_owned());
                vec![err(format!("✗ {message}"))]
            }
            _ => vec![],
        }
    }

    fn item_started(&mut self, item: &Value) -> Vec<LogLine> {
        let line = match str_at(item, "type") {
            "command_execution" => command_line(item),
            "mcp_tool_call" => mcp_line(item),
            "todo_list" => return vec![out(todo_list(item))],
            _ => return vec![],
        };
        self.started.insert(str_at(item, "id").to_owned());
        vec![out(line)]
    }

    fn item_completed(&mut self, item: &Value) -> Vec<LogLine> {
        let shown = self.started.remove(str_at(item, "id"));
        if matches!(
            str_at(item, "type"),
            "command_execution" | "file_change" | "mcp_tool_call" | "web_search"
        ) {
            self.tool_calls += 1;
        }
        let mut lines = Vec::new();
        match str_at(item, "type") {
            "agent_message" => {
                let text = str_at(item, "text");
                self.last_message = Some(text.to_owned());
                if !text.trim().is_empty() {
                    lines.push(out(text.trim_end()));
                }
            }
            "reasoning" => {
                let thought = text::one_line(str_at(item, "text"), ONE_LINE_CHARS);
                if !thought.is_empty() {
                    lines.push(out(format!("(thinking) {thought}")));
                }
            }
            "command_execution" => {
                if !shown {
                    lines.push(out(command_line(item)));
                }
                lines.extend(command_result(item));
            }
            "file_change" => lines.extend(file_change(item)),
            "mcp_tool_call" => {
                if !shown {
                    lines.push(out(mcp_line(item)));
                }
                lines.push(mcp_result(item));
            }
            "web_search" => lines.push(out(format!(
                "→ web search: {}",
                text::one_line(str_at(item, "query"), ONE_LINE_CHARS)
            ))),
            "todo_list" => lines.push(out(todo_list(item))),
            "error" => lines.push(err(format!("⚠ {}", str_at(item, "message")))),
            _ => {}
        }
        lines
    }

    fn turn_completed(&mut self, event: &Value) -> Vec<LogLine> {
        let tokens = |key: &str| {
            event
                .pointer(&format!("/usage/{key}"))
                .and_then(Value::as_u64)
                .unwrap_or(0)
        };
        let (input, output) = (tokens("input_tokens"), tokens("output_tokens"));
        self.cached_input_tokens += tokens("cached_input_tokens");
        self.input_tokens += input;
        self.output_tokens += output;
        self.completed_turns += 1;
        vec![out(format!(
            "✓ done ({input} input / {output} output tokens)"
        ))]
    }

    /// Tokens so far (input + output) over completed turns.
    pub fn tokens_so_far(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }

    /// The estimated cost so far on `model` (codex reports no price).
    pub fn estimated_cost(&self, model: &str) -> f64 {
        crate::pricing::estimate_usd(
            model,
            self.input_tokens,
            self.cached_input_tokens,
            self.output_tokens,
        )
    }

    /// Usage summed over completed turns (`input_tokens` already counts
    /// cached ones, `output_tokens` reasoning ones); codex reports no cost.
    pub fn usage(&self, model: &str) -> Option<Usage> {
        (self.completed_turns > 0).then(|| Usage {
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
            cost_usd: None,
            model: Some(model.trim().to_owned()).filter(|m| !m.is_empty()),
            turns: None,
        })
    }
}

/// `→ $ echo hi`, without codex's `/bin/bash -lc '…'` wrapper when simple.
fn command_line(item: &Value) -> String {
    let command = str_at(item, "command");
    let inner = ["/bin/bash -lc ", "bash -lc ", "/bin/sh -c ", "sh -c "]
        .iter()
        .find_map(|prefix| command.strip_prefix(prefix))
        .and_then(|rest| rest.strip_prefix('\'')?.strip_suffix('\''))
        .filter(|inner| !inner.contains('\''))
        .unwrap_or(command);
    format!("→ $ {}", text::one_line(inner, ONE_LINE_CHARS))
}

fn command_result(item: &Value) -> Vec<LogLine> {
    let mut lines = Vec::new();
    let output = text::shorten_output(str_at(item, "aggregated_output"), "    ");
    if let Some(rest) = output.strip_prefix("    ") {
        lines.push(out(format!("  ← {}", rest.trim_end())));
    }
    match (
        str_at(item, "status"),
        item.get("exit_code").and_then(Value::as_i64),
    ) {
        ("declined", _) => lines.push(err("  ✗ declined")),
        (_, Some(code)) if code != 0 => lines.push(err(format!("  ✗ exit code {code}"))),
        ("failed", None) => lines.push(err("  ✗ failed")),
        _ => {}
    }
    lines
}

fn file_change(item: &Value) -> Vec<LogLine> {
    let changes: Vec<String> = item
        .get("changes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| format!("{} {}", str_at(c, "kind"), str_at(c, "path")))
        .collect();
    let mut lines = vec![out(format!("→ file changes: {}", changes.join(", ")))];
    if str_at(item, "status") == "failed" {
        lines.push(err("  ✗ failed"));
    }
    lines
}

fn mcp_line(item: &Value) -> String {
    let arguments = text::one_line(
        &item.get("arguments").unwrap_or(&Value::Null).to_string(),
        ONE_LINE_CHARS,
    );
    format!(
        "→ {}.{}: {arguments}",
        str_at(item, "server"),
        str_at(item, "tool")
    )
}

fn mcp_result(item: &Value) -> LogLine {
    if let Some(message) = item.pointer("/error/message").and_then(Value::as_str) {
        return err(format!("  ✗ {}", text::one_line(message, ONE_LINE_CHARS)));
    }
    let content: Vec<&str> = item
        .pointer("/result/content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|block| block.get("text").and_then(Value::as_str))
        .collect();
    let output = text::shorten_output(&content.join("\n"), "    ");
    match output.strip_prefix("    ") {
        Some(rest) => out(format!("  ← {}", rest.trim_end())),
        None => out("  ← (no output)"),
    }
}

fn todo_list(item: &Value) -> String {
    let mut text = String::from("to-do:");
    for entry in item
        .get("items")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let mark = if entry.get("completed") == Some(&Value::Bool(true)) {
            "x"
        } else {
            " "
        };
        text.push_str(&format!("\n  [{mark}] {}", str_at(entry, "text")));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thread_tools_and_tokens_of_a_stream() {
        let mut stream = EventStream::default();
        for line in [
            r#"{"type":"thread.started","thread_id":"th-1"}"#,
            r#"{"type":"item.completed","item":{"id":"i1","type":"command_execution","command":"ls","aggregated_output":"","exit_code":0,"status":"completed"}}"#,
            r#"{"type":"item.completed","item":{"id":"i2","type":"agent_message","text":"Done."}}"#,
            r#"{"type":"turn.completed","usage":{"input_tokens":1000,"cached_input_tokens":800,"output_tokens":100}}"#,
        ] {
            stream.feed(line.as_bytes());
        }
        assert_eq!(stream.session_id.as_deref(), Some("th-1"));
        assert_eq!(stream.tool_calls, 1);
        assert_eq!(stream.tokens_so_far(), 1100);
        // 200 uncached + 800 cached input and 100 output at the default rates.
        let expected = (200.0 * 1.25 + 800.0 * 0.125 + 100.0 * 10.0) / 1e6;
        assert!((stream.estimated_cost("") - expected).abs() < 1e-12);
    }
}
