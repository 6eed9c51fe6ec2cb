//! Starting whatever the queue allows: one actor task per startable run,
//! tracked so shutdown can wait for them.

use std::sync::Arc;

use crate::app::App;

pub fn dispatch(app: &Arc<App>) {
    let capacity = app.prefs().max_concurrent_runs.max(1) as usize;
    for startable in app.queue.take_startable(capacity) {
        let app2 = app.clone();
        app.tasks.spawn(super::execute::execute(
            app2,
            startable.run_id,
            startable.job_id,
            startable.control,
        ));
    }
}
