//! The executor's `main` shared by both AI runners: answers `--describe`,
//! installs the SIGTERM handler, reads the `start` line and always ends
//! with exactly one `result` message.

use std::io::{self, BufRead};

use backbeat_protocol::{
    Decoded, Describe, ExecutorMessage, LineWriter, LogStream, PROTOCOL_VERSION, RunResult, Start,
    SupervisorMessage, decode_supervisor_line,
};

use crate::control;

/// What a runner says about itself in `--describe`.
pub struct Identity {
    /// `claude` or `codex` (also the AI mode).
    pub name: &'static str,
    pub version: &'static str,
    pub description: &'static str,
}

impl Identity {
    pub fn describe(&self) -> Describe {
        Describe {
            name: self.name.into(),
            protocol: PROTOCOL_VERSION,
            version: self.version.into(),
            job_type: "ai".into(),
            description: self.description.into(),
            ai_mode: Some(self.name.into()),
        }
    }
}

/// Runs the executor: `handle` gets the `start` message and returns the
/// outcome, which is sent as the last protocol line.
pub fn main(identity: Identity, handle: impl FnOnce(&LineWriter, &Start) -> RunResult) {
    if std::env::args().nth(1).as_deref() == Some("--describe") {
        let line = serde_json::to_string(&identity.describe()).expect("describe serializes");
        println!("{line}");
        return;
    }
    control::install_sigterm_handler();
    let out = LineWriter::stdout();
    let result = match read_start() {
        Ok(start) => handle(&out, &start),
        Err(error) => RunResult::failure(None, error),
    };
    let _ = out.send(&ExecutorMessage::Result(result));
}

fn read_start() -> Result<Start, String> {
    let mut first = String::new();
    if io::stdin().lock().read_line(&mut first).unwrap_or(0) == 0 {
        return Err("no start message on stdin".into());
    }
    match decode_supervisor_line(first.trim_end().as_bytes()) {
        Ok(Decoded::Message(SupervisorMessage::Start(start)))
            if start.protocol == PROTOCOL_VERSION =>
        {
            Ok(*start)
        }
        Ok(Decoded::Message(SupervisorMessage::Start(start))) => {
            Err(format!("unsupported protocol {}", start.protocol))
        }
        Ok(_) => Err("first message was not `start`".into()),
        Err(e) => Err(format!("bad start message: {e}")),
    }
}

/// Sends one log line (a newline is added when missing); errors writing
/// stdout are ignored, the supervisor is then gone anyway.
pub fn log(out: &LineWriter, stream: LogStream, text: impl Into<String>) {
    let mut text = text.into();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    let _ = out.send(&ExecutorMessage::Log { stream, text });
}
