//! Occurrences that came due while the store refused writes (a full disk
//! above all): remembered in memory and, once writes land again, handled
//! like occurrences missed while Backbeat was down — per each job's
//! `catchUp`, with one `dropped` record for what does not run — so no due
//! occurrence is silently lost. A restart meanwhile loses nothing either:
//! the job's anchor did not move, so start-up catch-up sees them.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::catchup::{self, MissCause};
use crate::app::App;
use crate::db::jobs;
use crate::model::Trigger;
use crate::scheduler::plan::{Fire, MISSED_COUNTED, MISSED_KEPT, Missed};
use crate::time::now_ms;

const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Due occurrences not yet recorded, by job, and whether a task is
/// already retrying them.
#[derive(Default)]
pub struct Unrecorded {
    jobs: Mutex<HashMap<i64, Missed>>,
    retrying: AtomicBool,
}

impl Unrecorded {
    fn add(&self, job_id: i64, missed: Missed) {
        let mut jobs = self.jobs.lock().unwrap();
        match jobs.remove(&job_id) {
            Some(known) => jobs.insert(job_id, merge(known, missed)),
            None => jobs.insert(job_id, missed),
        };
    }

    fn take(&self) -> HashMap<i64, Missed> {
        std::mem::take(&mut *self.jobs.lock().unwrap())
    }

    /// How many jobs have occurrences waiting to be recorded.
    pub fn pending_jobs(&self) -> usize {
        self.jobs.lock().unwrap().len()
    }
}

/// Two sets of missed occurrences of one job as one.
fn merge(a: Missed, b: Missed) -> Missed {
    let mut latest: Vec<_> = a.latest.into_iter().chain(b.latest).collect();
    latest.sort_unstable();
    latest.dedup();
    let drop = latest.len().saturating_sub(MISSED_KEPT);
    latest.drain(..drop);
    Missed {
        count: (a.count + b.count).min(MISSED_COUNTED),
        first: a.first.min(b.first),
        latest,
        once: a.once || b.once,
    }
}

/// Remembers `fires` (which could not be written) and makes sure one task
/// retries them until the store takes them.
pub fn remember(app: &Arc<App>, fires: &[Fire]) {
    for fire in fires {
        app.unrecorded.add(
            fire.job_id,
            Missed {
                count: 1,
                first: fire.scheduled_for,
                latest: vec![fire.scheduled_for],
                once: fire.once,
            },
        );
    }
    if app.unrecorded.retrying.swap(true, Ordering::SeqCst) {
        return;
    }
    let task_app = app.clone();
    app.tasks.spawn(async move { retry(&task_app).await });
}

async fn retry(app: &Arc<App>) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = app.shutdown.cancelled() => return,
        }
        for (job_id, missed) in app.unrecorded.take() {
            if !record(app, job_id, &missed).await {
                app.unrecorded.add(job_id, missed);
            }
        }
        if app.unrecorded.pending_jobs() == 0 {
            app.unrecorded.retrying.store(false, Ordering::SeqCst);
            // A failure may have slipped in between the check and the store.
            if app.unrecorded.pending_jobs() == 0
                || app.unrecorded.retrying.swap(true, Ordering::SeqCst)
            {
                return;
            }
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Handles one job's unrecorded occurrences per its `catchUp`. False when
/// nothing could be written (all are kept for the next attempt); runs that
/// fail to fire are remembered again by `fire_with` itself.
async fn record(app: &Arc<App>, job_id: i64, missed: &Missed) -> bool {
    let job = match app.db.call(move |c| jobs::get(c, job_id)).await {
        Ok(Some(job)) if job.enabled => job,
        Ok(_) => return true, // deleted or disabled meanwhile: nothing is due
        Err(_) => return false,
    };
    let now = now_ms();
    let decided = catchup::plan(&job, missed);
    if let Some(skipped) = decided.skipped
        && !catchup::record_skipped(app, &job, skipped, MissCause::StoreFailing, now).await
    {
        return false;
    }
    if !decided.fires.is_empty() {
        super::fire::fire_with(app, decided.fires, Trigger::Catchup, now).await;
    }
    true
}
