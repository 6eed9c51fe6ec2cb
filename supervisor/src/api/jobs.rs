//! `/api/jobs…`: list, create, read, change, delete, and run now.

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde_json::json;

use super::body::{Response, json_response, no_content, read_json, require_json};
use super::error::{ApiError, ApiResult};
use super::query::Query;
use crate::app::App;
use crate::db::jobs;
use crate::model::job_input::{normalize_tag, parse_env_map};
use crate::service;
use crate::validation::Fields;

pub async fn list(app: &Arc<App>, req: &Request<Incoming>) -> ApiResult {
    let query = Query::of(req);
    let mut filter = jobs::JobFilter {
        enabled: query.bool("enabled")?,
        job_type: query.get("type").map(str::to_string),
        tags: Vec::new(),
    };
    // `tag=a,b` and `tag=a&tag=b` alike; every item must be a tag.
    for value in query.all("tag") {
        for text in value.split(',') {
            let tag = normalize_tag(text).map_err(|why| {
                let why = if text.trim().is_empty() {
                    "an empty item (as in a,,b) is not a tag".to_string()
                } else {
                    why
                };
                ApiError::bad_request(format!("query parameter tag={value:?}: {why}"))
            })?;
            if !filter.tags.contains(&tag) {
                filter.tags.push(tag);
            }
        }
    }
    let list = app.db.call(move |c| jobs::list(c, &filter)).await?;
    let views = service::jobs::views(app, list).await?;
    Ok(json_response(StatusCode::OK, &json!({ "jobs": views })))
}

pub async fn create(app: &Arc<App>, req: Request<Incoming>) -> ApiResult {
    let body = require_json(req).await?;
    let view = service::jobs::create(app, &body).await?;
    let location = format!("/api/jobs/{}", view.id);
    Ok(with_location(
        json_response(StatusCode::CREATED, &view),
        &location,
    ))
}

pub async fn get(app: &Arc<App>, id: i64) -> ApiResult {
    Ok(json_response(
        StatusCode::OK,
        &service::jobs::get(app, id).await?,
    ))
}

pub async fn update(app: &Arc<App>, id: i64, req: Request<Incoming>) -> ApiResult {
    let body = require_json(req).await?;
    Ok(json_response(
        StatusCode::OK,
        &service::jobs::update(app, id, &body).await?,
    ))
}

pub async fn delete(app: &Arc<App>, id: i64) -> ApiResult {
    service::jobs::delete(app, id).await?;
    Ok(no_content())
}

/// `POST /api/jobs/{id}/runs` with optional `{"env": {…}}`.
pub async fn run_now(app: &Arc<App>, id: i64, req: Request<Incoming>) -> ApiResult {
    let env = match read_json(req).await? {
        None => None,
        Some(body) => {
            let fields = Fields::of(&body, "")?;
            fields.reject_unknown(&["env"], &[])?;
            match fields.opt_object("env")? {
                Some(env) => Some(parse_env_map(&env)?),
                None => None,
            }
        }
    };
    let run = service::runs::run_now(app, id, env).await?;
    let location = format!("/api/runs/{}", run.id);
    Ok(with_location(
        json_response(StatusCode::ACCEPTED, &run.to_json()),
        &location,
    ))
}

fn with_location(mut response: Response, location: &str) -> Response {
    if let Ok(value) = location.parse() {
        response
            .headers_mut()
            .insert(hyper::header::LOCATION, value);
    }
    response
}

/// Parses a path id; anything but a positive integer is a 404.
pub fn parse_id(segment: &str, what: &str) -> Result<i64, ApiError> {
    segment
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::not_found(format!("{what} {segment:?} not found")))
}
