//! The message types of protocol v1, as serde types. Additive changes only:
//! new optional fields and new message types, never renames.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Supervisor → executor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SupervisorMessage {
    /// Always the first line: what to do.
    Start(Box<Start>),
    /// Finish now; the supervisor also signals the process group.
    Cancel { reason: CancelReason },
}

/// The `start` message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Start {
    pub protocol: u32,
    pub task: Task,
    /// The run being executed (absent for `draft`/`refine`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunInfo>,
    /// For `run`: [`JobSpec`] fields. For `draft`: `{"description": …}`.
    /// For `refine`: the current job fields plus `"instruction"`.
    pub job: Value,
    /// Resolved settings; for `ai` jobs see [`AiSettings`]. `{}` otherwise.
    #[serde(default)]
    pub settings: Value,
}

impl Start {
    /// The `job` field read as a job to run.
    pub fn job_spec(&self) -> Result<JobSpec, serde_json::Error> {
        serde_json::from_value(self.job.clone())
    }

    /// The `settings` field read as AI settings.
    pub fn ai_settings(&self) -> Result<AiSettings, serde_json::Error> {
        serde_json::from_value(self.settings.clone())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    Run,
    Draft,
    Refine,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelReason {
    User,
    Timeout,
    Shutdown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunInfo {
    pub id: i64,
    pub job_id: i64,
    pub trigger: String,
    #[serde(default)]
    pub scheduled_for: Option<String>,
}

/// The job as an executor sees it for task `run`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSpec {
    pub title: String,
    #[serde(rename = "type")]
    pub job_type: String,
    pub body: String,
    pub cwd: String,
    pub timeout_ms: u64,
    /// The job's `executorOptions`, already validated against the
    /// executor's `optionsSchema`; `{}` when the job has none.
    #[serde(default)]
    pub executor_options: serde_json::Map<String, Value>,
    /// The job's `env` with the run's overrides (already in the process
    /// environment too): for executors that run the body elsewhere and must
    /// pass it on explicitly.
    #[serde(default)]
    pub env: std::collections::BTreeMap<String, String>,
    /// The supervisor's `stopGraceMs`: after `cancel`, SIGKILL follows this
    /// long after SIGTERM. Absent from older supervisors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_grace_ms: Option<u64>,
}

/// Resolved AI settings for `claude-runner` / `codex-runner`. Empty strings
/// mean "leave the flag out, use the CLI's default".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AiSettings {
    pub mode: String,
    pub binary: String,
    pub model: String,
    pub effort: String,
    pub permission_mode: String,
    pub sandbox: String,
    /// Per-run budget in USD (the job's `ai.maxBudgetUsd`, else the
    /// preference `aiMaxBudgetUsdPerRun`); `None` = no budget.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_budget_usd: Option<f64>,
    /// Token cap for the run (input + output tokens); `None` = no cap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    /// `fresh` (default, also when empty) or `continue`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub session: String,
    /// With `session: "continue"`: the session id of the job's previous
    /// successful run to resume; `None` = there is none, start fresh.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resume_session_id: Option<String>,
}

/// Executor → supervisor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ExecutorMessage {
    Log {
        stream: LogStream,
        text: String,
    },
    Usage(Usage),
    Draft {
        draft: Value,
        #[serde(default)]
        notes: String,
    },
    Result(RunResult),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogStream {
    Stdout,
    Stderr,
}

/// AI usage of a run; the last `usage` message wins.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    #[serde(default)]
    pub input_tokens: u64,
    #[serde(default)]
    pub output_tokens: u64,
    #[serde(default)]
    pub cost_usd: Option<f64>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub turns: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultStatus {
    Success,
    Failure,
}

/// The outcome; the last message an executor sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunResult {
    pub status: ResultStatus,
    #[serde(default)]
    pub exit_code: Option<i32>,
    #[serde(default)]
    pub error: Option<String>,
    /// What kind of failure (`rate_limited`, `budget`, `token_cap`,
    /// `returned_nothing`); `None` for others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<Box<str>>,
    /// RFC 3339: when a rate limit resets (a retry waits until then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<Box<str>>,
    /// AI runs: the final assistant message, at most 500 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Box<str>>,
    /// A success with nothing to report: no success notification.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub quiet: bool,
    /// AI runs: the CLI's session id (for `ai.session: "continue"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<Box<str>>,
}

impl RunResult {
    pub fn success() -> Self {
        RunResult {
            status: ResultStatus::Success,
            exit_code: Some(0),
            error: None,
            error_kind: None,
            retry_at: None,
            summary: None,
            quiet: false,
            session_id: None,
        }
    }

    pub fn failure(exit_code: Option<i32>, error: impl Into<String>) -> Self {
        RunResult {
            status: ResultStatus::Failure,
            exit_code,
            error: Some(error.into()),
            ..RunResult::success()
        }
    }
}

/// What `X-runner --describe` prints (one line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Describe {
    pub name: String,
    pub protocol: u32,
    pub version: String,
    pub job_type: String,
    #[serde(default)]
    pub description: String,
    /// For AI runners: `claude` or `codex`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_mode: Option<String>,
    /// A JSON Schema (draft 2020-12) for the job's `executorOptions`; the
    /// supervisor validates options against it when a job is saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options_schema: Option<Value>,
}
