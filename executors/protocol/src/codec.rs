//! The JSON-lines codec: one message per line, UTF-8, at most
//! [`MAX_LINE_BYTES`]. Decoding never panics; unknown message types are
//! reported as [`Decoded::Unknown`] so the caller can skip them.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{ExecutorMessage, MAX_LINE_BYTES, SupervisorMessage};

/// Why a line could not be decoded. The supervisor logs these as
/// `[backbeat] protocol error: <reason>: <first 200 chars>`.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProtocolError {
    #[error("line longer than {MAX_LINE_BYTES} bytes")]
    TooLong,
    #[error("not valid JSON ({0})")]
    NotJson(String),
    #[error("not a JSON object with a string \"type\"")]
    NoType,
    #[error("invalid {kind} message ({reason})")]
    Invalid { kind: String, reason: String },
}

/// A decoded line: a known message, or a message of a type this version
/// does not know (to be ignored).
#[derive(Debug, PartialEq)]
pub enum Decoded<T> {
    Message(T),
    Unknown(String),
}

const EXECUTOR_TYPES: &[&str] = &["log", "usage", "draft", "result"];
const SUPERVISOR_TYPES: &[&str] = &["start", "cancel"];

fn decode<T: DeserializeOwned>(line: &[u8], known: &[&str]) -> Result<Decoded<T>, ProtocolError> {
    if line.len() > MAX_LINE_BYTES {
        return Err(ProtocolError::TooLong);
    }
    let value: serde_json::Value =
        serde_json::from_slice(line).map_err(|e| ProtocolError::NotJson(e.to_string()))?;
    let kind = match value.get("type").and_then(|t| t.as_str()) {
        Some(kind) => kind.to_owned(),
        None => return Err(ProtocolError::NoType),
    };
    if !known.contains(&kind.as_str()) {
        return Ok(Decoded::Unknown(kind));
    }
    serde_json::from_value(value)
        .map(Decoded::Message)
        .map_err(|e| ProtocolError::Invalid {
            kind,
            reason: e.to_string(),
        })
}

/// Decodes one line (without its newline) sent by an executor.
pub fn decode_executor_line(line: &[u8]) -> Result<Decoded<ExecutorMessage>, ProtocolError> {
    decode(line, EXECUTOR_TYPES)
}

/// Decodes one line (without its newline) sent by the supervisor.
pub fn decode_supervisor_line(line: &[u8]) -> Result<Decoded<SupervisorMessage>, ProtocolError> {
    decode(line, SUPERVISOR_TYPES)
}

/// Encodes a message as one line, newline included.
pub fn encode_line<T: Serialize>(message: &T) -> String {
    let mut line = serde_json::to_string(message).expect("protocol messages always serialize");
    line.push('\n');
    line
}

/// A cloneable, thread-safe writer of protocol lines (an executor's stdout
/// shared by its output-forwarding threads). Each line is written whole.
#[derive(Clone)]
pub struct LineWriter {
    out: Arc<Mutex<Box<dyn Write + Send>>>,
}

impl LineWriter {
    pub fn new(out: impl Write + Send + 'static) -> Self {
        LineWriter {
            out: Arc::new(Mutex::new(Box::new(out))),
        }
    }

    /// Writes to this process's stdout.
    pub fn stdout() -> Self {
        Self::new(io::stdout())
    }

    pub fn send<T: Serialize>(&self, message: &T) -> io::Result<()> {
        let line = encode_line(message);
        let mut out = self
            .out
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        out.write_all(line.as_bytes())?;
        out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LogStream, ResultStatus, RunResult};

    #[test]
    fn decodes_known_messages() {
        let line = br#"{"type":"log","stream":"stderr","text":"hi\n"}"#;
        assert_eq!(
            decode_executor_line(line).unwrap(),
            Decoded::Message(ExecutorMessage::Log {
                stream: LogStream::Stderr,
                text: "hi\n".into()
            })
        );
        let line = br#"{"type":"result","status":"failure","exitCode":3,"error":"exit code 3"}"#;
        assert_eq!(
            decode_executor_line(line).unwrap(),
            Decoded::Message(ExecutorMessage::Result(RunResult {
                status: ResultStatus::Failure,
                exit_code: Some(3),
                error: Some("exit code 3".into()),
                ..RunResult::success()
            }))
        );
    }

    #[test]
    fn unknown_types_are_skippable_and_garbage_is_an_error() {
        assert_eq!(
            decode_executor_line(br#"{"type":"progress","pct":5}"#).unwrap(),
            Decoded::Unknown("progress".into())
        );
        assert!(matches!(
            decode_executor_line(b"hello"),
            Err(ProtocolError::NotJson(_))
        ));
        assert_eq!(decode_executor_line(b"[1,2]"), Err(ProtocolError::NoType));
        assert!(matches!(
            decode_executor_line(br#"{"type":"log","stream":"video"}"#),
            Err(ProtocolError::Invalid { .. })
        ));
        let long = vec![b' '; MAX_LINE_BYTES + 1];
        assert_eq!(decode_executor_line(&long), Err(ProtocolError::TooLong));
    }

    #[test]
    fn round_trips_supervisor_messages() {
        let cancel = SupervisorMessage::Cancel {
            reason: crate::CancelReason::Timeout,
        };
        let line = encode_line(&cancel);
        assert_eq!(line, "{\"type\":\"cancel\",\"reason\":\"timeout\"}\n");
        assert_eq!(
            decode_supervisor_line(line.trim_end().as_bytes()).unwrap(),
            Decoded::Message(cancel)
        );
    }
}
