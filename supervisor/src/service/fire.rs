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
use crate::scheduler::plan::Fire;
use crate::time::Millis;

struct Planned {
    fire: Fire,
    trigger: Trigger,
    status: RunStatus,
    serial: bool,
    error: Option<String>,
}

/// Fires scheduled occurrences (trigger `schedule`).
pub async fn fire(app: &Arc<App>, fires: Vec<Fire>, now: Millis) {
    fire_with(app, fires, Trigger::Schedule, now).await
}

pub async fn fire_with(app: &Arc<App>, fires: Vec<Fire>, trigger: Trigger, now: Millis) {
    let ids: Vec<i64> = fires.iter().map(|f| f.job_id).collect();
    let loaded = app
        .db
        .call(move |c| {
            ids.iter()
                .map(|&id| jobs::get(c, id))
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .await;
    let jobs = match loaded {
        Ok(jobs) => jobs,
        Err(e) => {
            eprintln!("backbeat: could not load due jobs: {e}");
            return;
        }
    };
    let mut planned = Vec::new();
    for (fire, job) in fires.into_iter().zip(jobs) {
        let Some(job) = job else { continue };
        let active = app.queue.active_run_of(job.id);
        let (status, serial, error) = match (job.overlap, active) {
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
        planned.push(Planned {
            fire,
            trigger,
            status,
            serial,
            error,
        });
    }
    let rows: Vec<(i64, RunStatus, Option<String>, Trigger, Millis, bool)> = planned
        .iter()
        .map(|p| {
            (
                p.fire.job_id,
                p.status,
                p.error.clone(),
                p.trigger,
                p.fire.scheduled_for,
                p.fire.once,
            )
        })
        .collect();
    let inserted = app
        .db
        .call(move |c| {
            let tx = write_tx(c)?;
            let mut out = Vec::with_capacity(rows.len());
            for (job_id, status, error, trigger, scheduled_for, once) in &rows {
                // Deleted or disabled since the plan popped it: no run.
                if !jobs::get(&tx, *job_id)?.is_some_and(|job| job.enabled) {
                    out.push(None);
                    continue;
                }
                let id = runs::insert(
                    &tx,
                    &NewRun {
                        job_id: *job_id,
                        status: *status,
                        trigger: *trigger,
                        scheduled_for: Some(*scheduled_for),
                        now,
                        env: None,
                        error: error.as_deref(),
                    },
                )?;
                jobs::record_fire(&tx, *job_id, *scheduled_for, *once, now)?;
                out.push(runs::get(&tx, id)?);
            }
            tx.commit()?;
            Ok(out)
        })
        .await;
    let inserted = match inserted {
        Ok(runs) => runs,
        Err(e) => {
            eprintln!("backbeat: could not record due runs: {e}");
            return;
        }
    };
    for (plan, run) in planned.iter().zip(inserted) {
        let Some(run) = run else { continue };
        if plan.status == RunStatus::Queued {
            app.queue.enqueue(run.id, run.job_id, plan.serial);
        }
        publish_run(app, &run);
    }
    dispatch(app);
    // Their next run moved (and once-jobs disabled themselves).
    for plan in &planned {
        super::publish::refresh_job(app, plan.fire.job_id).await;
    }
}
