//! `GET /api/schedule` (upcoming fire times of enabled jobs) and
//! `POST /api/cron/preview` (description and next times of an expression).

use std::collections::HashMap;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde_json::json;

use super::body::{json_response, require_json};
use super::error::{ApiError, ApiResult};
use super::query::Query;
use crate::app::App;
use crate::db::jobs;
use crate::scheduler::cron::CronSchedule;
use crate::time::{now_ms, parse_rfc3339, to_rfc3339};
use crate::validation::{Fields, Invalid, in_range};

const DAY_MS: i64 = 24 * 3600 * 1000;
const MAX_OCCURRENCES: usize = 5000;

pub async fn upcoming(app: &Arc<App>, req: &Request<Incoming>) -> ApiResult {
    let query = Query::of(req);
    let from = query.time("from")?.unwrap_or_else(now_ms);
    let to = query.time("to")?.unwrap_or(from + 7 * DAY_MS);
    if to <= from {
        return Err(ApiError::bad_request("to must be after from"));
    }
    if to - from > 62 * DAY_MS {
        return Err(ApiError::bad_request("the span from…to is at most 62 days"));
    }
    let snapshot = app.schedule().snapshot();
    // The window is [from, to): an occurrence exactly at `from` belongs to
    // it (times are whole milliseconds; `occurrences` starts after its
    // first argument).
    let (occurrences, truncated) =
        tokio::task::spawn_blocking(move || snapshot.occurrences(from - 1, to, MAX_OCCURRENCES))
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?;
    let titles: HashMap<i64, String> = app
        .db
        .call(|c| jobs::enabled_titles(c))
        .await?
        .into_iter()
        .collect();
    let list: Vec<_> = occurrences
        .into_iter()
        .filter_map(|(job_id, at)| {
            titles
                .get(&job_id)
                .map(|title| json!({"jobId": job_id, "title": title, "at": to_rfc3339(at)}))
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "occurrences": list, "truncated": truncated }),
    ))
}

pub async fn preview(req: Request<Incoming>) -> ApiResult {
    let body = require_json(req).await?;
    let fields = Fields::of(&body, "")?;
    fields.reject_unknown(&["expr", "timezone", "count", "from"], &[])?;
    let expr = fields.req_str("expr")?;
    let timezone = fields
        .opt_str("timezone")?
        .filter(|tz| !tz.trim().is_empty());
    let count = fields.opt_i64("count")?.unwrap_or(5);
    in_range("count", count, 1, 50)?;
    let from = match fields.opt_str("from")? {
        Some(text) => parse_rfc3339(text).ok_or_else(|| {
            Invalid::value("from", format!("{text:?} is not an RFC 3339 timestamp"))
        })?,
        None => now_ms(),
    };
    // Errors name the fields of this body, not of a job.
    let schedule = CronSchedule::parse(expr, timezone).map_err(|e| match e {
        Invalid::Value { field, message } => Invalid::Value {
            field: field.trim_start_matches("schedule.").to_string(),
            message,
        },
        other => other,
    })?;
    let mut next = Vec::with_capacity(count as usize);
    let mut at = from;
    for _ in 0..count {
        match schedule.next_after(at) {
            Some(t) => {
                next.push(to_rfc3339(t));
                at = t;
            }
            None => break,
        }
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({ "description": schedule.describe(), "timezone": schedule.timezone().name(), "next": next }),
    ))
}
