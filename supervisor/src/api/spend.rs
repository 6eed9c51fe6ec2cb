//! `GET /api/ai/spend`: what AI runs cost in the last 24 h against the
//! global `aiDailyBudgetUsd`, and how many of the `maxConcurrentAiRuns`
//! slots are taken.

use std::sync::Arc;

use hyper::StatusCode;
use serde_json::json;

use super::body::json_response;
use super::error::ApiResult;
use crate::app::App;
use crate::time::{now_ms, to_rfc3339};

pub async fn spend(app: &Arc<App>) -> ApiResult {
    let since = now_ms() - crate::service::budget::WINDOW_MS;
    let spent = app
        .db
        .call(move |c| crate::db::spend::total(c, since))
        .await?;
    let prefs = app.prefs();
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "spentTodayUsd": spent,
            "dailyBudgetUsd": prefs.ai_daily_budget_usd,
            "since": to_rfc3339(since),
            "runningAiRuns": app.queue.running_ai_count(),
            "maxConcurrentAiRuns": prefs.max_concurrent_ai_runs,
        }),
    ))
}
