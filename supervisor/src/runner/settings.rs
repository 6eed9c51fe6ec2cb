//! What an executor is told in `start`: the job as it sees it and the
//! resolved AI settings (job overrides, else preferences).

use std::collections::BTreeMap;

use backbeat_protocol::{AiSettings, JobSpec};
use serde_json::Value;

use super::registry::resolved_ai_mode;
use crate::model::{AiOverrides, Job};
use crate::preferences::Preferences;

pub fn ai_settings(ai: Option<&AiOverrides>, prefs: &Preferences) -> AiSettings {
    let mode = resolved_ai_mode(ai, prefs).to_string();
    let pick = |over: Option<&Option<String>>, default: &str| -> String {
        over.and_then(|o| o.clone())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.to_string())
    };
    let codex = mode == "codex";
    AiSettings {
        binary: if codex {
            prefs.codex_binary.clone()
        } else {
            prefs.claude_binary.clone()
        },
        model: pick(
            ai.map(|a| &a.model),
            if codex {
                &prefs.codex_model
            } else {
                &prefs.claude_model
            },
        ),
        effort: pick(
            ai.map(|a| &a.effort),
            if codex {
                &prefs.codex_effort
            } else {
                &prefs.claude_effort
            },
        ),
        permission_mode: pick(
            ai.map(|a| &a.permission_mode),
            &prefs.claude_permission_mode,
        ),
        sandbox: pick(ai.map(|a| &a.sandbox), &prefs.codex_sandbox),
        mode,
        max_budget_usd: ai
            .and_then(|a| a.max_budget_usd)
            .or(prefs.ai_max_budget_usd_per_run),
        max_tokens: ai.and_then(|a| a.max_tokens).map(|t| t.max(1) as u64),
        session: ai.and_then(|a| a.session.clone()).unwrap_or_default(),
        resume_session_id: None,
    }
}

/// Whether the job's runs continue the previous run's session.
pub fn continues_session(job: &Job) -> bool {
    job.job_type == "ai" && job.ai.as_ref().and_then(|a| a.session.as_deref()) == Some("continue")
}

/// `settings` for a job: AI settings for `ai` jobs (with the session to
/// resume, if any), `{}` otherwise.
pub fn settings_for(job: &Job, prefs: &Preferences, resume_session_id: Option<String>) -> Value {
    if job.job_type == "ai" {
        let mut settings = ai_settings(job.ai.as_ref(), prefs);
        settings.resume_session_id = resume_session_id.filter(|_| continues_session(job));
        serde_json::to_value(settings).expect("settings serialize")
    } else {
        Value::Object(Default::default())
    }
}

/// `job` of a `run` start message; `env` is the job's env with the run's
/// overrides applied.
pub fn job_spec(
    job: &Job,
    cwd: &str,
    timeout_ms: u64,
    env: BTreeMap<String, String>,
    stop_grace_ms: u64,
) -> Value {
    serde_json::to_value(JobSpec {
        title: job.title.clone(),
        job_type: job.job_type.clone(),
        body: job.body.clone(),
        cwd: cwd.to_string(),
        timeout_ms,
        executor_options: job.executor_options.clone(),
        env,
        stop_grace_ms: Some(stop_grace_ms),
    })
    .expect("job spec serializes")
}
