//! The alerts this part of Backbeat raises for the notification layer:
//! a run still going past `longRunMs` and occurrences missed while
//! Backbeat was down. Each is counted in `/metrics` and published on the
//! event feed (the run changed); delivery to channels is the notifier's.

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
    // NOTIFY CALL SITE (issue 8): hand the event to the notifier here once
    // its API is on main, e.g.
    // `crate::notify::emit(app, job_id, run_id, Event::Long | Event::Missed)`.
    let _ = (job_id, run_id);
}
