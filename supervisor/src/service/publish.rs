//! Turning changes into events on the feed.

use std::sync::Arc;

use crate::app::App;
use crate::events::Event;
use crate::model::{JobView, Run};

pub fn publish_run(app: &App, run: &Run) {
    app.events.publish(Event::Run {
        id: run.id,
        job_id: run.job_id,
        finished: run.status.is_finished(),
        run: Arc::new(run.to_json()),
    });
}

/// Publishes the current view of a job whose `nextRunAt` or `lastRun`
/// changed, if anyone is listening.
pub async fn refresh_job(app: &App, job_id: i64) {
    if !app.events.has_subscribers() {
        return;
    }
    if let Ok(view) = super::jobs::get(app, job_id).await {
        publish_job(app, &view);
    }
}

pub fn publish_job(app: &App, job: &JobView) {
    app.events.publish(Event::Job(Arc::new(
        serde_json::to_value(job).expect("jobs serialize"),
    )));
}
