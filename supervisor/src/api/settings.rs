//! `GET /api/health`, `GET /api/executors`, `GET|PATCH /api/preferences`.

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde_json::json;

use super::body::{json_response, require_json};
use super::error::{ApiError, ApiResult};
use crate::app::App;

pub fn health(app: &App) -> ApiResult {
    let scheduler = if app.config.scheduler_enabled {
        "running"
    } else {
        "disabled"
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({"status": "ok", "version": env!("CARGO_PKG_VERSION"), "scheduler": scheduler}),
    ))
}

pub async fn executors(app: &Arc<App>) -> ApiResult {
    Ok(json_response(
        StatusCode::OK,
        &json!({ "executors": app.registry.list().await }),
    ))
}

pub fn metrics(app: &App) -> ApiResult {
    let planned = app.schedule().len();
    let text = app
        .metrics
        .render(app.queue.running_count(), app.queue.queued_count(), planned);
    Ok(super::body::response(
        StatusCode::OK,
        "text/plain; version=0.0.4; charset=utf-8",
        text,
    ))
}

pub fn preferences(app: &App) -> ApiResult {
    Ok(json_response(StatusCode::OK, &app.prefs().to_json()))
}

pub async fn update_preferences(app: &Arc<App>, req: Request<Incoming>) -> ApiResult {
    let body = require_json(req).await?;
    let _one_writer = app.prefs_write.lock().await;
    let merged = app.prefs().merged(&body)?;
    if !merged.default_notify_channels.is_empty() {
        let known = app.db.call(|c| crate::db::channels::ids(c)).await?;
        if let Some((index, id)) = merged
            .default_notify_channels
            .iter()
            .enumerate()
            .find(|(_, id)| !known.contains(id))
        {
            return Err(crate::validation::Invalid::value(
                format!("defaultNotifyChannels[{index}]"),
                format!(
                    "channel {id} does not exist; create it first (GET /api/channels lists them)"
                ),
            )
            .into());
        }
    }
    let path = app.config.preferences_path();
    let to_save = merged.clone();
    tokio::task::spawn_blocking(move || to_save.save(&path))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| {
            eprintln!("backbeat: {e:#}");
            if crate::preferences::out_of_space(&e) {
                // The old file is intact: save() writes a temp file first.
                ApiError::insufficient_storage(format!(
                    "{e:#}; free some space on the disk holding {}",
                    app.config.config_dir.display()
                ))
            } else {
                ApiError::internal(format!("{e:#}"))
            }
        })?;
    app.set_prefs(merged.clone());
    // More capacity may let queued runs start.
    crate::runner::dispatch::dispatch(app);
    Ok(json_response(StatusCode::OK, &merged.to_json()))
}
