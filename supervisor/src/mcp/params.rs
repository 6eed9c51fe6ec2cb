//! The arguments of the MCP tools, with the JSON Schemas clients see
//! (field docs become the schema descriptions). Names follow the HTTP API.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobId {
    /// The job's id (from list_jobs).
    pub job_id: i64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunId {
    /// The run's id (from list_runs or run_job).
    pub run_id: i64,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ScheduleKind {
    Cron,
    Once,
    Manual,
}

/// When the job runs.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct Schedule {
    /// `cron` (recurring, needs `expr`), `once` (needs `at`) or `manual`
    /// (only when started by hand or by run_job).
    pub kind: ScheduleKind,
    /// A 5-field crontab expression (minute hour day-of-month month
    /// day-of-week) or an alias such as `@daily`; check it with preview_cron.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expr: Option<String>,
    /// IANA time zone for `cron`, e.g. `Europe/Paris`; absent = the machine's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// RFC 3339 time in the future for `once`, e.g. `2026-12-01T09:00:00+01:00`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// The optional job fields, shared by create_job and update_job.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobOptions {
    /// false pauses the schedule (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Absolute working directory; absent = the home directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Extra environment variables, NAME → value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<BTreeMap<String, String>>,
    /// Stop the run after this many milliseconds (1000–604800000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// What to do when the job fires while a run is still going:
    /// `queue` (default), `skip` or `parallel`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlap: Option<String>,
    /// Short labels for grouping and filtering: up to 20, each 1–32 of
    /// `a-z 0-9 . _ -` (upper case is lowered). Replaces the job's tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// AI settings for `ai` jobs, any of: `mode` (`claude` | `codex`),
    /// `model`, `effort`, `permissionMode` (claude), `sandbox` (codex),
    /// and guardrails: `maxBudgetUsd` (per run, USD), `maxTokens` (per
    /// run), `dailyBudgetUsd` (last 24 h, USD), `session` (`fresh` |
    /// `continue`: resume the last successful run's conversation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ai: Option<Map<String, Value>>,
    /// Any other job field of the HTTP API (see GET /api/jobs/{id}),
    /// passed through as is and validated by the server.
    #[serde(flatten)]
    pub more: Map<String, Value>,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateJob {
    /// Short name shown in lists (1–200 characters).
    pub title: String,
    /// `script` (a shell script run with /bin/sh), `ai` (a prompt run by
    /// the claude or codex CLI) or a custom executor's type.
    #[serde(rename = "type")]
    pub job_type: String,
    /// The script, or the prompt of an `ai` job.
    pub body: String,
    pub schedule: Schedule,
    #[serde(flatten)]
    pub options: JobOptions,
}

#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateJob {
    /// The job's id (from list_jobs).
    #[serde(skip_serializing)]
    pub job_id: i64,
    /// New title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// New type (`script`, `ai`, or a custom executor's).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub job_type: Option<String>,
    /// New script or prompt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    #[serde(flatten)]
    pub options: JobOptions,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeleteJob {
    /// The job's id (from list_jobs).
    pub job_id: i64,
    /// The job's exact title, to confirm this is the job meant. Deleting
    /// removes the job, its runs and their logs for good.
    pub confirm_title: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunJob {
    /// The job's id (from list_jobs).
    pub job_id: i64,
    /// Wait up to this many seconds (0–120) for the run to end, then answer
    /// with its status and the end of its log. 0 or absent: answer at once.
    #[serde(default)]
    pub wait_seconds: Option<u64>,
    /// Extra environment variables for this run only.
    #[serde(default)]
    pub env: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListRuns {
    /// Only runs of this job.
    #[serde(default)]
    pub job_id: Option<i64>,
    /// Only these statuses, comma-separated: queued, running, success,
    /// failure, timeout, dropped.
    #[serde(default)]
    pub status: Option<String>,
    /// How many, newest first (1–500, default 20).
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReadLog {
    /// The run's id.
    pub run_id: i64,
    /// Return the last this many lines (default 100) …
    #[serde(default)]
    pub tail: Option<usize>,
    /// … or, instead, everything from this byte offset (up to 64 KiB);
    /// the answer says where to continue.
    #[serde(default)]
    pub offset: Option<u64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreviewCron {
    /// A 5-field crontab expression or an alias such as `@daily`.
    pub expr: String,
    /// IANA time zone, e.g. `Europe/Paris`; absent = the machine's.
    #[serde(default)]
    pub timezone: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Upcoming {
    /// Start of the window, RFC 3339 (default now).
    #[serde(default)]
    pub from: Option<String>,
    /// End of the window, RFC 3339 (default 7 days after `from`; at most 62 days).
    #[serde(default)]
    pub to: Option<String>,
}
