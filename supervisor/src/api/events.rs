//! `GET /api/events`: the SSE change feed for live dashboards (`run`,
//! `job`, `job-deleted`), with keep-alives; ends at shutdown.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use super::error::ApiResult;
use super::sse;
use crate::app::App;
use crate::events::Event;

pub async fn feed(app: &Arc<App>) -> ApiResult {
    let mut events = app.events.subscribe();
    let (tx, response) = sse::stream();
    let app = app.clone();
    tokio::spawn(async move {
        // An initial comment so clients see the stream is open.
        if tx.send(sse::keep_alive()).await.is_err() {
            return;
        }
        loop {
            let bytes = tokio::select! {
                _ = app.shutdown.cancelled() => return,
                _ = tx.closed() => return,
                event = events.recv() => match event {
                    Ok(Event::Run { run, .. }) => sse::event("run", None, &run.to_string()),
                    Ok(Event::Job(job)) => sse::event("job", None, &job.to_string()),
                    Ok(Event::JobDeleted(id)) => sse::event("job-deleted", None, &json!({ "id": id }).to_string()),
                    Err(RecvError::Lagged(missed)) => sse::event("lagged", None, &json!({ "missed": missed }).to_string()),
                    Err(RecvError::Closed) => return,
                },
                _ = tokio::time::sleep(Duration::from_secs(15)) => sse::keep_alive(),
            };
            if tx.send(bytes).await.is_err() {
                return;
            }
        }
    });
    Ok(response)
}
