//! The alerts this part of Backbeat raises for the notification layer:
//! a run still going past `longRunMs` and occurrences missed while
//! Backbeat was down. Each is counted in `/metrics` and published on the
//! event feed (the run changed), and handed to the notifier (`long` /
//! `missed` events of the job's channels).

use std::sync::Arc;

use crate::app::App;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alert {
    /// The `long` event: the run passed its job's `longRunMs`.
    LongRun,
    /// The `missed` event: `count` occurrences were not run.
    Missed { count: u64 },
}

pub fn raise(app: &Arc<App>, job_id: i64, run_id: i64, alert: Alert) {
    match alert {
        Alert::LongRun => app.metrics.long_run(),
        Alert::Missed { count } => app.metrics.missed(count),
    }
    let event = match alert {
        Alert::LongRun => crate::notify::Event::Long,
        Alert::Missed { .. } => crate::notify::Event::Missed,
    };
    crate::notify::emit(app, job_id, run_id, event);
}
