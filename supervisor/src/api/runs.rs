//! `/api/runs…`: history (keyset pages, filters), one run, stop/drop.

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde_json::{Value, json};

use super::body::json_response;
use super::error::{ApiError, ApiResult};
use super::query::Query;
use crate::app::App;
use crate::db::history::{self, HistoryFilter};
use crate::model::RunStatus;
use crate::service;

pub async fn list(app: &Arc<App>, req: &Request<Incoming>) -> ApiResult {
    let query = Query::of(req);
    let limit = query.int("limit")?.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit must be between 1 and 500, got {limit}"
        )));
    }
    let mut statuses = Vec::new();
    if let Some(list) = query.get("status") {
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let status = RunStatus::parse(name).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "unknown status {name:?}; use queued, running, success, failure, timeout or dropped"
                ))
            })?;
            if !statuses.contains(&status) {
                statuses.push(status);
            }
        }
    }
    let queued_from = query.time("from")?;
    let queued_to = query.time("to")?;
    if let (Some(from), Some(to)) = (queued_from, queued_to)
        && from >= to
    {
        return Err(ApiError::bad_request(
            "query parameter from must be earlier than to (runs queued in [from, to))",
        ));
    }
    let error_contains = query.get("error").map(str::to_string);
    if error_contains
        .as_ref()
        .is_some_and(|e| e.chars().count() > 200)
    {
        return Err(ApiError::bad_request(
            "query parameter error must be at most 200 characters",
        ));
    }
    let filter = HistoryFilter {
        job_id: query.int("jobId")?,
        statuses,
        before: query.int("before")?,
        queued_from,
        queued_to,
        error_contains,
        limit: limit as usize,
    };
    let (list, next) = app.db.call(move |c| history::history(c, &filter)).await?;
    let list: Vec<Value> = list.iter().map(|r| r.to_json()).collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "runs": list, "nextBefore": next }),
    ))
}

pub async fn get(app: &Arc<App>, id: i64) -> ApiResult {
    Ok(json_response(
        StatusCode::OK,
        &service::runs::get(app, id).await?.to_json(),
    ))
}

pub async fn stop(app: &Arc<App>, id: i64) -> ApiResult {
    let run = service::runs::stop(app, id).await?;
    Ok(json_response(StatusCode::ACCEPTED, &run.to_json()))
}
