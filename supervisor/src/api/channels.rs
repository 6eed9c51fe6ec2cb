//! `/api/channels…` (list, create, read, change, delete, test) and
//! `GET /api/runs/{id}/deliveries`.

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde_json::json;

use super::body::{json_response, no_content, require_json};
use super::error::{ApiError, ApiResult};
use crate::app::App;
use crate::db::{deliveries, runs};
use crate::service::channels::{self, ChannelError};

impl From<ChannelError> for ApiError {
    fn from(e: ChannelError) -> Self {
        match e {
            ChannelError::Invalid(invalid) => invalid.into(),
            ChannelError::NotFound(_) => ApiError::not_found(e.to_string()),
            ChannelError::Db(db) => db.into(),
            ChannelError::Preferences(message) => ApiError::internal(message),
        }
    }
}

pub async fn list(app: &Arc<App>) -> ApiResult {
    Ok(json_response(
        StatusCode::OK,
        &json!({ "channels": channels::list(app).await? }),
    ))
}

pub async fn create(app: &Arc<App>, req: Request<Incoming>) -> ApiResult {
    let body = require_json(req).await?;
    let view = channels::create(app, &body).await?;
    let mut response = json_response(StatusCode::CREATED, &view);
    if let Ok(location) = format!("/api/channels/{}", view["id"]).parse() {
        response
            .headers_mut()
            .insert(hyper::header::LOCATION, location);
    }
    Ok(response)
}

pub async fn get(app: &Arc<App>, id: i64) -> ApiResult {
    Ok(json_response(
        StatusCode::OK,
        &channels::get(app, id).await?,
    ))
}

pub async fn update(app: &Arc<App>, id: i64, req: Request<Incoming>) -> ApiResult {
    let body = require_json(req).await?;
    Ok(json_response(
        StatusCode::OK,
        &channels::update(app, id, &body).await?,
    ))
}

pub async fn delete(app: &Arc<App>, id: i64) -> ApiResult {
    channels::delete(app, id).await?;
    Ok(no_content())
}

pub async fn test(app: &Arc<App>, id: i64) -> ApiResult {
    Ok(json_response(
        StatusCode::OK,
        &channels::test(app, id).await?,
    ))
}

pub async fn run_deliveries(app: &Arc<App>, run_id: i64) -> ApiResult {
    let found = app
        .db
        .call(move |c| {
            if runs::get(c, run_id)?.is_none() {
                return Ok(None);
            }
            deliveries::for_run(c, run_id).map(Some)
        })
        .await?
        .ok_or_else(|| ApiError::not_found(format!("run {run_id} not found")))?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "deliveries": found }),
    ))
}
