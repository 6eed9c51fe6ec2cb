//! The watches on a running run beside its timeout: which stall timeout
//! applies (the job's own, else `aiStallTimeoutMs` for AI jobs), and the
//! long-run alarm that raises the `long` event once when a run passes
//! `longRunMs`.

use std::sync::Arc;
use std::time::Duration;

use crate::app::App;
use crate::model::Job;
use crate::preferences::Preferences;
use crate::service::alerts::{Alert, raise};

/// The stall timeout of a run of `job`, if any (0 in preferences = off).
pub fn stall_timeout_ms(job: &Job, prefs: &Preferences) -> Option<i64> {
    job.limits.stall_timeout_ms.or_else(|| {
        (job.job_type == "ai" && prefs.ai_stall_timeout_ms > 0).then_some(prefs.ai_stall_timeout_ms)
    })
}

/// Fires the `long` alert once if the run is still going after the job's
/// `longRunMs`; dropping it (the run ended) disarms it.
pub struct LongRunAlarm(Option<tokio::task::JoinHandle<()>>);

impl LongRunAlarm {
    pub fn arm(app: &Arc<App>, job: &Job, run_id: i64) -> LongRunAlarm {
        let Some(after) = job.limits.long_run_ms else {
            return LongRunAlarm(None);
        };
        let (app, job_id) = (app.clone(), job.id);
        LongRunAlarm(Some(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(after.max(0) as u64)).await;
            raise(&app, job_id, run_id, Alert::LongRun);
        })))
    }
}

impl Drop for LongRunAlarm {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.abort();
        }
    }
}
