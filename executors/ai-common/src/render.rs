//! Building blocks of the runners' event renderers: the [`LogLine`] a
//! CLI event becomes, reading one stdout line as a JSON event (a line that
//! is not JSON is shown as it is), and sending rendered lines to the log.

use backbeat_protocol::{LineWriter, LogStream};
use serde_json::Value;

use crate::runner;
use crate::text::{self, RAW_LINE_CHARS};

/// One line for the run log.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    pub stream: LogStream,
    pub text: String,
}

/// A log line on `stdout`: what the CLI did.
pub fn out(text: impl Into<String>) -> LogLine {
    LogLine {
        stream: LogStream::Stdout,
        text: text.into(),
    }
}

/// A log line on `stderr`: errors, denials, warnings.
pub fn err(text: impl Into<String>) -> LogLine {
    LogLine {
        stream: LogStream::Stderr,
        text: text.into(),
    }
}

/// One stdout line of the CLI as a JSON event, or else the lines to log
/// instead: the line itself (cut to [`RAW_LINE_CHARS`]), nothing if blank.
pub fn parse_event(line: &[u8]) -> Result<Value, Vec<LogLine>> {
    serde_json::from_slice::<Value>(line).map_err(|_| {
        let raw = String::from_utf8_lossy(line);
        if raw.trim().is_empty() {
            vec![]
        } else {
            vec![out(text::cut(raw.trim_end(), RAW_LINE_CHARS))]
        }
    })
}

/// The string at `key`, or `""`.
pub fn str_at<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Sends rendered lines to the run log.
pub fn log_lines(out: &LineWriter, lines: Vec<LogLine>) {
    for line in lines {
        runner::log(out, line.stream, line.text);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn non_json_lines_are_logged_as_they_are() {
        assert_eq!(parse_event(b"{\"type\":\"x\"}"), Ok(json!({"type": "x"})));
        assert_eq!(parse_event(b"  "), Err(vec![]));
        assert_eq!(parse_event(b"oops \n"), Err(vec![out("oops")]));
        assert_eq!(str_at(&json!({"a": "b", "n": 1}), "a"), "b");
        assert_eq!(str_at(&json!({"n": 1}), "n"), "");
    }
}
