//! Starting whatever the queue allows: one actor task per startable run,
//! tracked so shutdown can wait for them; and a wake-up when a queued
//! retry's `notBefore` passes.

use std::sync::Arc;

use crate::app::App;

pub fn dispatch(app: &Arc<App>) {
    let prefs = app.prefs();
    let capacity = prefs.max_concurrent_runs.max(1) as usize;
    let ai_capacity = prefs.max_concurrent_ai_runs.max(1) as usize;
    let startable = app
        .queue
        .take_startable(capacity, ai_capacity, crate::time::now_ms());
    for startable in startable {
        let app2 = app.clone();
        app.tasks.spawn(super::execute::execute(
            app2,
            startable.run_id,
            startable.job_id,
            startable.control,
        ));
    }
}

/// Dispatches again once `not_before` has passed (a queued retry becomes
/// startable then); ends early at shutdown.
pub fn dispatch_at(app: &Arc<App>, not_before: crate::time::Millis) {
    let wait = (not_before - crate::time::now_ms()).max(0) as u64 + 5;
    let app2 = app.clone();
    app.tasks.spawn(async move {
        tokio::select! {
            _ = app2.shutdown.cancelled() => {}
            _ = tokio::time::sleep(std::time::Duration::from_millis(wait)) => dispatch(&app2),
        }
    });
}
