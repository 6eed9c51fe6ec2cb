//! Jobs: the stored record and its API view (with `nextRunAt`, `lastRun`,
//! `usageTotals`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::executor_options::ExecutorOptions;
use super::limits::{CatchUp, JobLimits};
use crate::time::{Millis, to_rfc3339};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Schedule {
    Cron {
        expr: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timezone: Option<String>,
    },
    /// `at` is stored normalised (RFC 3339 UTC, milliseconds).
    Once {
        at: String,
    },
    Manual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Overlap {
    Queue,
    Skip,
    Parallel,
}

impl Overlap {
    pub fn as_str(self) -> &'static str {
        match self {
            Overlap::Queue => "queue",
            Overlap::Skip => "skip",
            Overlap::Parallel => "parallel",
        }
    }

    pub fn parse(text: &str) -> Option<Overlap> {
        match text {
            "queue" => Some(Overlap::Queue),
            "skip" => Some(Overlap::Skip),
            "parallel" => Some(Overlap::Parallel),
            _ => None,
        }
    }
}

/// Per-job AI settings; `None` falls back to the preferences.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AiOverrides {
    pub mode: Option<String>,
    pub model: Option<String>,
    pub effort: Option<String>,
    pub permission_mode: Option<String>,
    pub sandbox: Option<String>,
    /// At most this much spent by the job's runs in the last 24 h: a run
    /// about to start beyond it is dropped (`service::budget`).
    #[serde(default)]
    pub daily_budget_usd: Option<f64>,
    /// Per-run budget (USD); the run stops when it is reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_budget_usd: Option<f64>,
    /// Per-run token cap (input + output).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<i64>,
    /// `fresh` (default) or `continue` (resume the previous run's session).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: i64,
    pub title: String,
    pub job_type: String,
    pub body: String,
    pub schedule: Schedule,
    pub enabled: bool,
    pub cwd: Option<String>,
    pub env: BTreeMap<String, String>,
    pub timeout_ms: Option<i64>,
    pub ai: Option<AiOverrides>,
    /// Passed to the executor in `start` as `job.executorOptions`.
    pub executor_options: ExecutorOptions,
    pub overlap: Overlap,
    pub catch_up: CatchUp,
    pub limits: JobLimits,
    pub notify: Option<super::NotifySettings>,
    pub ping_url: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// The scheduler has accounted for every occurrence up to this time
    /// (last fire, or when the schedule was last set or enabled). Catch-up
    /// looks for occurrences missed after it.
    pub anchor_at: Millis,
    /// Its name in the jobs file of `backbeat import --sync`, if a sync manages it.
    pub managed_as: Option<String>,
    /// Short lowercase labels, in the order given (see `job_input::parse_tags`).
    pub tags: Vec<String>,
}

impl Job {
    /// Runs through claude-runner or codex-runner: held to
    /// `maxConcurrentAiRuns` and the daily budgets.
    pub fn is_ai(&self) -> bool {
        self.job_type == "ai"
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LastRun {
    pub id: i64,
    pub status: String,
    pub finished_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageTotals {
    pub runs: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cost_usd: Option<f64>,
}

/// A job as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    pub id: i64,
    pub title: String,
    #[serde(rename = "type")]
    pub job_type: String,
    pub body: String,
    pub schedule: Schedule,
    pub enabled: bool,
    pub cwd: Option<String>,
    pub env: BTreeMap<String, String>,
    pub timeout_ms: Option<i64>,
    pub ai: Option<AiOverrides>,
    pub executor_options: ExecutorOptions,
    pub overlap: Overlap,
    pub catch_up: CatchUp,
    #[serde(flatten)]
    pub limits: JobLimits,
    pub notify: Option<super::NotifySettings>,
    pub ping_url: Option<String>,
    pub tags: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub next_run_at: Option<String>,
    pub last_run: Option<LastRun>,
    pub usage_totals: Option<UsageTotals>,
    pub managed_as: Option<String>,
    /// What its runs that finished in the last 24 h cost (its daily budget's use).
    pub spent_today_usd: f64,
}

impl JobView {
    pub fn new(
        job: Job,
        next_run_at: Option<Millis>,
        last_run: Option<LastRun>,
        usage_totals: Option<UsageTotals>,
    ) -> Self {
        JobView {
            id: job.id,
            title: job.title,
            job_type: job.job_type,
            body: job.body,
            schedule: job.schedule,
            enabled: job.enabled,
            cwd: job.cwd,
            env: job.env,
            timeout_ms: job.timeout_ms,
            ai: job.ai,
            executor_options: job.executor_options,
            overlap: job.overlap,
            catch_up: job.catch_up,
            limits: job.limits,
            notify: job.notify,
            ping_url: job.ping_url,
            tags: job.tags,
            created_at: to_rfc3339(job.created_at),
            updated_at: to_rfc3339(job.updated_at),
            next_run_at: next_run_at.map(to_rfc3339),
            last_run,
            usage_totals,
            managed_as: job.managed_as,
            spent_today_usd: 0.0,
        }
    }
}
