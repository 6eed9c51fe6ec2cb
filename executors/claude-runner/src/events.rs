//! Reads `claude -p --output-format stream-json --verbose` output, one
//! JSON event per line, into readable log lines (assistant text, `→ Tool:
//! input` per tool call, shortened tool results, denials, errors) and
//! keeps what the run's outcome and usage need. Unknown event types and
//! subtypes are skipped; a line that is not JSON is logged as it is.

use ai_common::render::{LogLine, err, out, parse_event, str_at};
use ai_common::text::{self, ONE_LINE_CHARS};
use backbeat_protocol::Usage;
use serde_json::Value;

/// The state of one stream: the model from `system/init`, the last
/// assistant text, tool calls, tokens per API message, the session id and
/// the final `result` event.
#[derive(Debug, Default)]
pub struct EventStream {
    model: Option<String>,
    permission_mode: Option<String>,
    last_text: Option<String>,
    result: Option<Value>,
    /// Tool calls the model made.
    pub tool_calls: usize,
    /// The session id claude reported (init, messages or result).
    pub session_id: Option<String>,
    /// An assistant line said `error: "rate_limit"`.
    rate_limited: bool,
    /// Tokens (input incl. cache, output) per API message id, largest seen.
    message_tokens: std::collections::HashMap<String, u64>,
}

impl EventStream {
    /// Renders one stdout line.
    pub fn feed(&mut self, line: &[u8]) -> Vec<LogLine> {
        let event = match parse_event(line) {
            Ok(event) => event,
            Err(lines) => return lines,
        };
        if let Some(id) = event.get("session_id").and_then(Value::as_str)
            && !id.is_empty()
        {
            self.session_id = Some(id.to_owned());
        }
        match (str_at(&event, "type"), str_at(&event, "subtype")) {
            ("system", "init") => self.init(&event),
            ("assistant", _) => self.assistant(&event),
            ("user", _) => tool_results(&event),
            ("result", _) => self.result(event),
            _ => vec![],
        }
    }

    fn init(&mut self, event: &Value) -> Vec<LogLine> {
        self.model = Some(str_at(event, "model").to_owned()).filter(|m| !m.is_empty());
        self.permission_mode =
            Some(str_at(event, "permissionMode").to_owned()).filter(|m| !m.is_empty());
        let version = str_at(event, "claude_code_version");
        let mut parts = vec![if version.is_empty() {
            "Claude Code".to_owned()
        } else {
            format!("Claude Code {version}")
        }];
        if let Some(model) = &self.model {
            parts.push(format!("model {model}"));
        }
        if let Some(mode) = &self.permission_mode {
            parts.push(format!("permission mode {mode}"));
        }
        vec![out(parts.join(" · "))]
    }

    fn assistant(&mut self, event: &Value) -> Vec<LogLine> {
        let failed = event.get("error").is_some_and(|e| !e.is_null());
        if str_at(event, "error") == "rate_limit" {
            self.rate_limited = true;
        }
        self.count_tokens(event);
        let blocks = event
            .pointer("/message/content")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut lines = Vec::new();
        for block in &blocks {
            match str_at(block, "type") {
                "text" => {
                    let text = str_at(block, "text").trim_end();
                    if !text.trim().is_empty() {
                        self.last_text = Some(text.trim().to_owned());
                        lines.push(if failed { err(text) } else { out(text) });
                    }
                }
                "tool_use" => {
                    self.tool_calls += 1;
                    let summary =
                        text::tool_input_summary(block.get("input").unwrap_or(&Value::Null));
                    let name = str_at(block, "name");
                    lines.push(out(if summary.is_empty() {
                        format!("→ {name}")
                    } else {
                        format!("→ {name}: {summary}")
                    }));
                }
                "thinking" => {
                    let thought = text::one_line(str_at(block, "thinking"), ONE_LINE_CHARS);
                    if !thought.is_empty() {
                        lines.push(out(format!("(thinking) {thought}")));
                    }
                }
                _ => {}
            }
        }
        lines
    }

    fn result(&mut self, event: Value) -> Vec<LogLine> {
        let mut lines = Vec::new();
        let denials = event
            .get("permission_denials")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for denial in &denials {
            let input = text::tool_input_summary(denial.get("tool_input").unwrap_or(&Value::Null));
            lines.push(err(format!(
                "⚠ permission denied: {}: {input}",
                str_at(denial, "tool_name")
            )));
        }
        if !denials.is_empty() {
            let mode = self.permission_mode.as_deref().unwrap_or("default");
            lines.push(err(format!(
                "  (permission mode {mode} did not allow these tool calls; choose another permission mode for this job if it needs them)"
            )));
        }
        match outcome_of(&event) {
            Ok(()) => {
                let turns = event.get("num_turns").and_then(Value::as_u64).unwrap_or(0);
                let cost = event
                    .get("total_cost_usd")
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0);
                lines.push(out(format!(
                    "✓ done in {turns} turn{} (${cost:.4})",
                    if turns == 1 { "" } else { "s" }
                )));
            }
            Err(error) if self.last_text.as_deref() == Some(error.as_str()) => {}
            Err(error) => lines.push(err(format!("✗ {error}"))),
        }
        self.result = Some(event);
        lines
    }

    /// Keeps the largest token count seen for this line's API message.
    fn count_tokens(&mut self, event: &Value) {
        let Some(usage) = event.pointer("/message/usage") else {
            return;
        };
        let tokens: u64 = [
            "input_tokens",
            "cache_read_input_tokens",
            "cache_creation_input_tokens",
            "output_tokens",
        ]
        .iter()
        .filter_map(|key| usage.get(*key).and_then(Value::as_u64))
        .sum();
        let id = event
            .pointer("/message/id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let seen = self.message_tokens.entry(id).or_default();
        *seen = (*seen).max(tokens);
    }

    /// Tokens used so far: the result's totals once it came, else the sum
    /// over the API messages streamed.
    pub fn tokens_so_far(&self) -> u64 {
        match self.usage().filter(|_| self.result.is_some()) {
            Some(usage) => {
                (usage.input_tokens + usage.output_tokens).max(self.message_tokens.values().sum())
            }
            None => self.message_tokens.values().sum(),
        }
    }

    /// The final assistant message: the result's `result`, else the last
    /// text block.
    pub fn final_text(&self) -> Option<&str> {
        self.result
            .as_ref()
            .map(|r| str_at(r, "result").trim())
            .filter(|t| !t.is_empty())
            .or(self.last_text.as_deref())
    }

    /// The result said the run hit a rate or usage limit.
    pub fn rate_limited(&self) -> bool {
        let Some(result) = &self.result else {
            return false;
        };
        result.get("is_error") == Some(&Value::Bool(true))
            && (self.rate_limited
                || result.get("api_error_status").and_then(Value::as_u64) == Some(429)
                || ai_common::rate_limit::is_rate_limit(str_at(result, "result")))
    }

    /// The result's subtype (`success`, `error_max_budget_usd`, …).
    pub fn subtype(&self) -> Option<&str> {
        self.result.as_ref().map(|r| str_at(r, "subtype"))
    }

    /// The outcome from the `result` event: `None` when there was none.
    pub fn outcome(&self) -> Option<Result<(), String>> {
        self.result.as_ref().map(outcome_of)
    }

    /// Usage from the `result` event.
    pub fn usage(&self) -> Option<Usage> {
        let result = self.result.as_ref()?;
        let tokens = |key: &str| {
            result
                .pointer(&format!("/usage/{key}"))
                .and_then(Value::as_u64)
                .unwrap_or(0)
        };
        let model = self.model.clone().or_else(|| {
            let models = result.get("modelUsage")?.as_object()?;
            let cost = |v: &Value| v.get("costUSD").and_then(Value::as_f64).unwrap_or(0.0);
            models
                .iter()
                .max_by(|a, b| cost(a.1).total_cmp(&cost(b.1)))
                .map(|(name, _)| name.clone())
        });
        Some(Usage {
            input_tokens: tokens("input_tokens")
                + tokens("cache_read_input_tokens")
                + tokens("cache_creation_input_tokens"),
            output_tokens: tokens("output_tokens"),
            cost_usd: result.get("total_cost_usd").and_then(Value::as_f64),
            model,
            turns: result.get("num_turns").and_then(Value::as_u64),
        })
    }
}

/// Success only for `is_error: false` (a failed run can still say
/// `subtype: "success"`); the error is `result`, else `errors`, else the subtype.
pub fn outcome_of(result: &Value) -> Result<(), String> {
    if result.get("is_error") == Some(&Value::Bool(false)) {
        return Ok(());
    }
    let subtype = str_at(result, "subtype");
    let mut message = str_at(result, "result").trim().to_owned();
    if message.is_empty() {
        let errors: Vec<&str> = result
            .get("errors")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        message = errors.join("; ");
    }
    Err(match (subtype, message.is_empty()) {
        ("success" | "", true) => "claude reported an error".into(),
        ("success" | "", false) => message,
        (subtype, true) => subtype.to_owned(),
        (subtype, false) => format!("{subtype}: {message}"),
    })
}

/// `user` events carry tool results: `  ← output` (or `  ✗ error`), shortened.
fn tool_results(event: &Value) -> Vec<LogLine> {
    let Some(blocks) = event.pointer("/message/content").and_then(Value::as_array) else {
        return vec![];
    };
    blocks
        .iter()
        .filter(|b| str_at(b, "type") == "tool_result")
        .map(|block| {
            let failed = block.get("is_error") == Some(&Value::Bool(true));
            let content = match block.get("content") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Array(parts)) => parts
                    .iter()
                    .filter_map(|p| p.get("text").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join("\n"),
                _ => String::new(),
            };
            let marker = if failed { "  ✗ " } else { "  ← " };
            let body = text::shorten_output(&content, "    ");
            let text = match body.strip_prefix("    ") {
                Some(rest) => format!("{marker}{}", rest.trim_end()),
                None => format!("{marker}(no output)"),
            };
            if failed { err(text) } else { out(text) }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(stream: &mut EventStream, line: &str) {
        stream.feed(line.as_bytes());
    }

    #[test]
    fn tokens_are_counted_once_per_api_message() {
        let mut stream = EventStream::default();
        let usage = |output: u64| {
            format!(
                r#"{{"input_tokens":100,"cache_read_input_tokens":50,"cache_creation_input_tokens":0,"output_tokens":{output}}}"#
            )
        };
        // Two lines of the same message (text, then a tool call), then a second message.
        for (id, block, output) in [
            ("msg_1", r#"{"type":"text","text":"Looking."}"#, 1),
            (
                "msg_1",
                r#"{"type":"tool_use","id":"t1","name":"Bash","input":{}}"#,
                20,
            ),
            ("msg_2", r#"{"type":"text","text":"Done."}"#, 5),
        ] {
            feed(
                &mut stream,
                &format!(
                    r#"{{"type":"assistant","message":{{"id":"{id}","content":[{block}],"usage":{}}},"session_id":"s-1"}}"#,
                    usage(output)
                ),
            );
        }
        assert_eq!(stream.tokens_so_far(), 170 + 155);
        assert_eq!(stream.tool_calls, 1);
        assert_eq!(stream.final_text(), Some("Done."));
        assert_eq!(stream.session_id.as_deref(), Some("s-1"));
    }

    #[test]
    fn a_429_result_is_a_rate_limit_and_other_errors_are_not() {
        let mut limited = EventStream::default();
        feed(
            &mut limited,
            r#"{"type":"result","subtype":"success","is_error":true,"api_error_status":429,"result":"API Error: Request rejected (429)"}"#,
        );
        assert!(limited.rate_limited());
        let mut other = EventStream::default();
        feed(
            &mut other,
            r#"{"type":"result","subtype":"success","is_error":true,"api_error_status":400,"result":"API Error: 400 bad prompt"}"#,
        );
        assert!(!other.rate_limited());
        let mut fine = EventStream::default();
        feed(
            &mut fine,
            r#"{"type":"result","subtype":"success","is_error":false,"result":"We are within the rate limit."}"#,
        );
        assert!(!fine.rate_limited(), "a success is never rate limited");
    }
}
