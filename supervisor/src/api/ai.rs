//! `POST /api/ai/draft` and `POST /api/ai/refine`: a job drafted by the AI
//! runner, validated exactly as `POST /api/jobs` would, returned unsaved.
//! A missing or failing CLI, or a draft that is not a valid job, is a 502.

use std::sync::Arc;
use std::time::Duration;

use backbeat_protocol::Task;
use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde_json::{Map, Value, json};

use super::body::{json_response, require_json};
use super::error::{ApiError, ApiResult};
use crate::app::App;
use crate::model::{JobFields, ValidationContext};
use crate::preferences::AI_MODES;
use crate::runner::draft::ask;
use crate::runner::settings::ai_settings;
use crate::scheduler::cron::local_timezone;
use crate::time::{now_ms, to_rfc3339};
use crate::validation::{Fields, Invalid, one_of};

/// Drafting should take seconds; never wait longer than this.
const MAX_WAIT: Duration = Duration::from_secs(300);

fn executor_failed(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_GATEWAY, "executor_failed", message)
}

pub async fn draft(app: &Arc<App>, req: Request<Incoming>) -> ApiResult {
    let body = require_json(req).await?;
    let fields = Fields::of(&body, "")?;
    fields.reject_unknown(&["description", "mode"], &[])?;
    let description = fields.req_str("description")?.trim().to_string();
    if description.is_empty() {
        return Err(Invalid::value("description", "must not be empty").into());
    }
    let mode = mode_of(app, &fields)?;
    answer(
        app,
        &mode,
        Task::Draft,
        json!({ "description": description }),
    )
    .await
}

pub async fn refine(app: &Arc<App>, req: Request<Incoming>) -> ApiResult {
    let body = require_json(req).await?;
    let fields = Fields::of(&body, "")?;
    fields.reject_unknown(&["job", "instruction", "mode"], &[])?;
    let job = fields
        .opt_object("job")?
        .ok_or_else(|| Invalid::value("job", "is required"))?;
    let instruction = fields.req_str("instruction")?.trim().to_string();
    if instruction.is_empty() {
        return Err(Invalid::value("instruction", "must not be empty").into());
    }
    let mut current = Map::new();
    for key in ["title", "type", "body", "schedule", "cwd", "timeoutMs"] {
        if let Some(value) = job.raw(key) {
            current.insert(key.to_string(), value.clone());
        }
    }
    current.insert("instruction".into(), Value::String(instruction));
    let mode = mode_of(app, &fields)?;
    answer(app, &mode, Task::Refine, Value::Object(current)).await
}

fn mode_of(app: &App, fields: &Fields) -> Result<String, ApiError> {
    match fields.opt_str("mode")? {
        Some(mode) => {
            one_of("mode", mode, AI_MODES)?;
            Ok(mode.to_string())
        }
        None => Ok(app.prefs().ai_mode),
    }
}

async fn answer(app: &Arc<App>, mode: &str, task: Task, job: Value) -> ApiResult {
    let prefs = app.prefs();
    let overrides = crate::model::AiOverrides {
        mode: Some(mode.to_string()),
        ..Default::default()
    };
    let mut settings =
        serde_json::to_value(ai_settings(Some(&overrides), &prefs)).expect("settings serialize");
    settings["now"] = json!(to_rfc3339(now_ms()));
    settings["timezone"] = json!(local_timezone().name());
    let timeout = Duration::from_millis(prefs.default_timeout_ms.max(1000) as u64).min(MAX_WAIT);
    let answer = ask(&app.registry, mode, task, job, settings, timeout)
        .await
        .map_err(executor_failed)?;

    // Validate exactly like a new job (a draft is never saved here).
    let mut candidate = match answer.draft {
        Value::Object(map) => map,
        _ => {
            return Err(executor_failed(
                "the AI answered with something that is not a job object",
            ));
        }
    };
    candidate.retain(|k, _| {
        ["title", "type", "body", "schedule", "cwd", "timeoutMs"].contains(&k.as_str())
    });
    let candidate = Value::Object(candidate);
    let exists = |binary: &str| app.registry.find(binary).is_some();
    let ctx = ValidationContext {
        now: now_ms(),
        prefs: &prefs,
        executor_exists: &exists,
        channel_ids: &[],
    };
    let fields = JobFields::parse_create(&candidate, &ctx).map_err(|e| {
        executor_failed(format!(
            "the AI drafted a job that is not valid ({e}); try rephrasing the request"
        ))
    })?;
    let mut draft = json!({
        "title": fields.title,
        "type": fields.job_type,
        "body": fields.body,
        "schedule": fields.schedule,
    });
    if let Some(cwd) = fields.cwd {
        draft["cwd"] = json!(cwd);
    }
    if let Some(timeout) = fields.timeout_ms {
        draft["timeoutMs"] = json!(timeout);
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({ "draft": draft, "notes": answer.notes }),
    ))
}
