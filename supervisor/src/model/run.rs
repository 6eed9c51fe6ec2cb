//! Runs: one execution of a job, its status machine
//! (queued → running → success | failure | timeout | dropped) and triggers.

use serde::{Deserialize, Serialize};

use crate::time::{Millis, to_rfc3339};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Queued,
    Running,
    Success,
    Failure,
    Timeout,
    Dropped,
}

impl RunStatus {
    pub const ALL: [RunStatus; 6] = [
        RunStatus::Queued,
        RunStatus::Running,
        RunStatus::Success,
        RunStatus::Failure,
        RunStatus::Timeout,
        RunStatus::Dropped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Success => "success",
            RunStatus::Failure => "failure",
            RunStatus::Timeout => "timeout",
            RunStatus::Dropped => "dropped",
        }
    }

    pub fn parse(text: &str) -> Option<RunStatus> {
        RunStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_finished(self) -> bool {
        !matches!(self, RunStatus::Queued | RunStatus::Running)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    Schedule,
    Manual,
    Catchup,
    Retry,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Manual => "manual",
            Trigger::Catchup => "catchup",
            Trigger::Retry => "retry",
        }
    }

    pub fn parse(text: &str) -> Option<Trigger> {
        match text {
            "schedule" => Some(Trigger::Schedule),
            "manual" => Some(Trigger::Manual),
            "catchup" => Some(Trigger::Catchup),
            "retry" => Some(Trigger::Retry),
            _ => None,
        }
    }
}

/// AI usage of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_usd: Option<f64>,
    pub model: Option<String>,
    pub turns: Option<i64>,
}

/// What an AI run reported beyond its status (empty for other runs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AiReport {
    /// The final assistant message, at most [`SUMMARY_CHARS`] characters.
    pub summary: Option<String>,
    /// A success with nothing to report (`NOTHING_TO_REPORT`): no success
    /// notification, shown muted.
    pub quiet: bool,
    /// `rate_limited`, `budget`, `token_cap`, `returned_nothing`, or
    /// whatever kind a custom executor reports.
    pub error_kind: Option<String>,
    /// The CLI's session id, resumed by the next run of a `continue` job.
    pub session_id: Option<String>,
}

/// How many characters of an AI run's final message are kept.
pub const SUMMARY_CHARS: usize = 500;

/// `text` cut to [`SUMMARY_CHARS`] characters (at a char boundary).
pub fn cut_summary(text: &str) -> String {
    match text.char_indices().nth(SUMMARY_CHARS) {
        Some((at, _)) => text[..at].to_string(),
        None => text.to_string(),
    }
}

/// A run as stored (times in ms) and shown (see [`Run::to_json`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub id: i64,
    pub job_id: i64,
    pub job_title: String,
    pub status: RunStatus,
    pub trigger: Trigger,
    pub executor: Option<String>,
    pub scheduled_for: Option<Millis>,
    pub queued_at: Millis,
    pub started_at: Option<Millis>,
    pub finished_at: Option<Millis>,
    pub exit_code: Option<i32>,
    pub error: Option<String>,
    pub log_bytes: i64,
    pub usage: Option<Usage>,
    /// 1 for a first run, n + 1 for the n-th retry.
    pub attempt: i64,
    /// The run this one retries.
    pub retry_of: Option<i64>,
    /// A queued retry does not start before this time.
    pub not_before: Option<Millis>,
    /// When the AI CLI said its rate limit resets (a retry waits for it).
    pub retry_at: Option<Millis>,
    pub ai: AiReport,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunJson<'a> {
    id: i64,
    job_id: i64,
    job_title: &'a str,
    status: RunStatus,
    trigger: Trigger,
    executor: Option<&'a str>,
    scheduled_for: Option<String>,
    queued_at: String,
    started_at: Option<String>,
    finished_at: Option<String>,
    duration_ms: Option<i64>,
    exit_code: Option<i32>,
    error: Option<&'a str>,
    log_bytes: i64,
    usage: Option<&'a Usage>,
    attempt: i64,
    retry_of: Option<i64>,
    not_before: Option<String>,
    retry_at: Option<String>,
    error_kind: Option<&'a str>,
    summary: Option<&'a str>,
    quiet: bool,
    session_id: Option<&'a str>,
}

impl Run {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(RunJson {
            id: self.id,
            job_id: self.job_id,
            job_title: &self.job_title,
            status: self.status,
            trigger: self.trigger,
            executor: self.executor.as_deref(),
            scheduled_for: self.scheduled_for.map(to_rfc3339),
            queued_at: to_rfc3339(self.queued_at),
            started_at: self.started_at.map(to_rfc3339),
            finished_at: self.finished_at.map(to_rfc3339),
            duration_ms: match (self.started_at, self.finished_at) {
                (Some(s), Some(f)) => Some((f - s).max(0)),
                _ => None,
            },
            exit_code: self.exit_code,
            error: self.error.as_deref(),
            log_bytes: self.log_bytes,
            usage: self.usage.as_ref(),
            attempt: self.attempt,
            retry_of: self.retry_of,
            not_before: self.not_before.map(to_rfc3339),
            retry_at: self.retry_at.map(to_rfc3339),
            error_kind: self.ai.error_kind.as_deref(),
            summary: self.ai.summary.as_deref(),
            quiet: self.ai.quiet,
            session_id: self.ai.session_id.as_deref(),
        })
        .expect("runs serialize")
    }
}
