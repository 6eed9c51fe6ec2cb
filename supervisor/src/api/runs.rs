//! `/api/runs…`: history (keyset pages, filters), one run, stop/drop.

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde_json::{Value, json};

use super::body::json_response;
use super::error::{ApiError, ApiResult};
use super::query::Query;
use crate::app::App;
use crate::db::runs::{self, HistoryFilter};
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
    let filter = HistoryFilter {
        job_id: query.int("jobId")?,
        statuses,
        before: query.int("before")?,
        limit: limit as usize,
    };
    let (list, next) = app.db.call(move |c| runs::history(c, &filter)).await?;
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
