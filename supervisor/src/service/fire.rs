//! Turning due occurrences into runs, per the job's overlap policy:
//! `queue` (wait for the job's current run), `parallel`, or `skip` (the
//! occurrence is recorded as a `dropped` run saying which run was still
//! going). Once-jobs disable themselves in the same transaction, so an
//! occurrence is never fired twice.

use std::sync::Arc;

use super::publish::publish_run;
use crate::app::App;
use crate::db::runs::{self, NewRun};
use crate::db::{jobs, write_tx};
use crate::model::{Overlap, RunStatus, Trigger};
use crate::runner::dispatch::dispatch;
use crate::runner::queue::Waiting;
use crate::scheduler::plan::Fire;
use crate::time::Millis;

/// Fires scheduled occurrences (trigger `schedule`).
pub async fn fire(app: &Arc<App>, fires: Vec<Fire>, now: Millis) {
    fire_with(app, fires, Trigger::Schedule, now).await;
}

/// One store round trip: in a single write transaction each due job is
/// re-read (skipped if deleted or disabled meanwhile), its overlap policy
/// decides, its run is inserted and the job's anchor (and a once-job's
/// `enabled`) updated. Queued runs are handed to the queue after commit.
/// When the store refuses the write, the occurrences are remembered and
/// recorded once it takes writes again (`service::unrecorded`).
pub async fn fire_with(app: &Arc<App>, fires: Vec<Fire>, trigger: Trigger, now: Millis) {
    let fired_jobs: Vec<i64> = fires.iter().map(|f| f.job_id).collect();
    let unrecorded = fires.clone();
    let queue_app = app.clone();
    let recorded = app
        .db
        .call(move |c| {
            let tx = write_tx(c)?;
            let mut out = Vec::with_capacity(fires.len());
            for fire in &fires {
                let Some(job) = jobs::get(&tx, fire.job_id)?.filter(|job| job.enabled) else {
                    continue;
                };
                let (status, serial, error) =
                    match (job.overlap, queue_app.queue.active_run_of(job.id)) {
                        (Overlap::Skip, Some((run_id, running))) => {
                            let state = if running { "running" } else { "queued" };
                            (
                                RunStatus::Dropped,
                                false,
                                Some(format!("skipped: run {run_id} is still {state}")),
                            )
                        }
                        (Overlap::Parallel, _) => (RunStatus::Queued, false, None),
                        _ => (RunStatus::Queued, true, None),
                    };
                let id = runs::insert(
                    &tx,
                    &NewRun {
                        job_id: job.id,
                        status,
                        trigger,
                        scheduled_for: Some(fire.scheduled_for),
                        now,
                        env: None,
                        error: error.as_deref(),
                        retry: None,
                    },
                )?;
                jobs::record_fire(&tx, job.id, fire.scheduled_for, fire.once, now)?;
                if let Some(run) = runs::get(&tx, id)? {
                    out.push((run, Waiting::new(job.id, serial, job.is_ai())));
                }
            }
            tx.commit()?;
            for (run, waiting) in &out {
                if run.status == RunStatus::Queued {
                    queue_app.queue.enqueue(run.id, *waiting);
                }
            }
            Ok(out)
        })
        .await;
    match recorded {
        Ok(runs) => {
            dispatch(app);
            for (run, _) in &runs {
                publish_run(app, run);
            }
        }
        Err(e) => {
            eprintln!(
                "backbeat: could not record due runs: {e}; they will be recorded once the store takes writes again"
            );
            super::unrecorded::remember(app, &unrecorded);
            return;
        }
    }
    // Their next run moved (and once-jobs disabled themselves).
    for job_id in fired_jobs {
        super::publish::refresh_job(app, job_id).await;
    }
}
