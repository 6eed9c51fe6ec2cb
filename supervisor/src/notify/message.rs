//! What a notification says: the event, the job, the run, the last lines
//! of its log and the dashboard link, rendered as a title and a text.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use serde_json::{Value, json};

use super::Event;
use crate::model::{Job, Run};

/// Lines of log a notification carries.
pub const TAIL_LINES: usize = 20;
/// At most this much of the log end is read to find them.
const TAIL_BYTES: u64 = 16 * 1024;

#[derive(Debug, Clone)]
pub struct Message {
    pub event: Event,
    pub job_id: i64,
    pub job_title: String,
    /// `{id, title, type, schedule}` of the job.
    pub job: Value,
    pub run: Option<Run>,
    pub log_tail: String,
    pub run_url: String,
}

impl Message {
    pub fn new(
        event: Event,
        job: &Job,
        run: Option<Run>,
        log_tail: String,
        base_url: &str,
    ) -> Self {
        let run_url = match &run {
            Some(run) => format!("{base_url}#/runs/{}", run.id),
            None => format!("{base_url}#/jobs/{}", job.id),
        };
        Message {
            event,
            job_id: job.id,
            job_title: job.title.clone(),
            job: json!({"id": job.id, "title": job.title, "type": job.job_type, "schedule": job.schedule}),
            run,
            log_tail,
            run_url,
        }
    }

    /// A test message for a channel.
    pub fn test(base_url: &str) -> Self {
        Message {
            event: Event::Test,
            job_id: 0,
            job_title: "Backbeat".into(),
            job: Value::Null,
            run: None,
            log_tail: String::new(),
            run_url: base_url.to_string(),
        }
    }

    pub fn run_status(&self) -> &str {
        self.run.as_ref().map(|r| r.status.as_str()).unwrap_or("")
    }

    pub fn run_error(&self) -> &str {
        self.run
            .as_ref()
            .and_then(|r| r.error.as_deref())
            .unwrap_or("")
    }

    /// An AI run's final message ("" when none).
    pub fn run_summary(&self) -> &str {
        self.run
            .as_ref()
            .and_then(|r| r.ai.summary.as_deref())
            .unwrap_or("")
    }

    /// One line naming the job and the event.
    pub fn title(&self) -> String {
        let job = &self.job_title;
        match self.event {
            Event::Failure => match self.run_status() {
                "timeout" => format!("{job} timed out"),
                _ => format!("{job} failed"),
            },
            Event::Recovery => format!("{job} recovered"),
            Event::Success => format!("{job} succeeded"),
            Event::Start => format!("{job} started"),
            Event::Long => format!("{job} is still running"),
            Event::Missed => format!("{job} missed runs"),
            Event::Budget => format!("{job} reached its budget"),
            Event::Test => "Test message from Backbeat".to_string(),
        }
    }

    /// The plain-text body: title, run, error, link and log tail.
    pub fn text(&self) -> String {
        let mut text = self.title();
        if let Some(run) = &self.run {
            text.push_str(&format!("\nRun #{} ({})", run.id, run.status.as_str()));
        }
        if !self.run_error().is_empty() {
            text.push_str(&format!("\nError: {}", self.run_error()));
        }
        if !self.run_summary().is_empty() {
            text.push_str(&format!("\nSummary: {}", self.run_summary()));
        }
        if self.event == Event::Test {
            text.push_str("\nThis channel works.");
        }
        text.push_str(&format!("\n{}", self.run_url));
        if !self.log_tail.is_empty() {
            text.push_str(&format!("\n\nLast lines of the log:\n{}", self.log_tail));
        }
        text
    }

    /// The `json` webhook body.
    pub fn json(&self) -> Value {
        json!({
            "event": self.event.as_str(),
            "job": self.job,
            "run": self.run.as_ref().map(Run::to_json),
            "logTail": self.log_tail,
            "runUrl": self.run_url,
        })
    }
}

/// The last [`TAIL_LINES`] lines of a log file ("" when there is none).
pub fn log_tail(path: &Path) -> String {
    let Ok(mut file) = std::fs::File::open(path) else {
        return String::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let start = len.saturating_sub(TAIL_BYTES);
    if file.seek(SeekFrom::Start(start)).is_err() {
        return String::new();
    }
    let mut bytes = Vec::new();
    let _ = file.take(TAIL_BYTES).read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let mut lines: Vec<&str> = text.lines().collect();
    if start > 0 && !lines.is_empty() {
        lines.remove(0); // probably cut mid-line
    }
    let from = lines.len().saturating_sub(TAIL_LINES);
    lines[from..].join("\n")
}
