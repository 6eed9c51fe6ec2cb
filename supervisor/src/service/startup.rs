//! Start-up recovery: close runs a crashed supervisor left `running` (and
//! kill what is left of their process trees and groups, and any process
//! marked with this data directory's `BACKBEAT_INSTANCE`), plan every job,
//! handle missed occurrences per each job's `catchUp` (trigger `catchup`,
//! see `service::catchup`), and re-queue the runs that were waiting (a
//! retry keeps its `notBefore`), so accepted work is never lost.

use std::collections::HashMap;
use std::sync::Arc;

use crate::app::App;
use crate::db::{jobs, runs};
use crate::model::{Job, Trigger};
use crate::runner::dispatch::dispatch;
use crate::runner::process::{instance, kill_leftover_group, kill_marked_leftovers};
use crate::scheduler::plan::SchedulerState;
use crate::service::catchup;
use crate::time::now_ms;

pub async fn recover(app: &Arc<App>) -> anyhow::Result<()> {
    let now = now_ms();
    let left = app.db.call(|c| runs::left_running(c)).await?;
    let processes: Vec<_> = left
        .iter()
        .filter_map(|(run_id, _, process)| Some((*run_id, process.clone()?)))
        .collect();
    let instance = instance(&app.config.data_dir);
    let (killed, marked) = tokio::task::spawn_blocking(move || {
        let killed: Vec<_> = processes
            .into_iter()
            .filter(|(_, process)| kill_leftover_group(process))
            .map(|(run_id, _)| run_id)
            .collect();
        (killed, kill_marked_leftovers(&instance))
    })
    .await?;
    for run_id in killed {
        eprintln!("backbeat: killed the leftover processes of interrupted run {run_id}");
    }
    if marked > 0 {
        eprintln!(
            "backbeat: killed {marked} leftover processes of an earlier run (BACKBEAT_INSTANCE)"
        );
    }
    let ids: Vec<i64> = left.iter().map(|(id, _, _)| *id).collect();
    app.db
        .call(move |c| {
            let tx = crate::db::write_tx(c)?;
            for id in &ids {
                tx.execute(
                    "UPDATE runs SET status = 'failure', finished_at = ?2, error = 'interrupted: supervisor restarted', pid = NULL
                     WHERE id = ?1",
                    rusqlite::params![id, now],
                )?;
            }
            tx.commit()
        })
        .await?;

    let interrupted = app
        .db
        .call(move |c| crate::db::deliveries::fail_pending(c, now))
        .await?;
    if interrupted > 0 {
        eprintln!(
            "backbeat: {interrupted} notification deliveries were interrupted by the last stop"
        );
    }

    let all_jobs = app.db.call(|c| jobs::list(c, &Default::default())).await?;
    let mut missed = Vec::new();
    let mut skipped = Vec::new();
    // With the scheduler disabled nothing is planned and nothing caught up.
    if app.config.scheduler_enabled {
        let mut plan = app.schedule();
        for job in &all_jobs {
            plan.upsert(job, now);
            if let Some(occurrences) = SchedulerState::missed(job, now) {
                if occurrences.once {
                    plan.remove(job.id);
                }
                let decided = catchup::plan(job, &occurrences);
                missed.extend(decided.fires);
                if let Some(record) = decided.skipped {
                    skipped.push((job.clone(), record));
                }
            }
        }
    }
    // Recorded first: the record of what did not run precedes the runs.
    for (job, record) in &skipped {
        catchup::record_skipped(app, job, *record, catchup::MissCause::Down, now).await;
    }

    let by_id: HashMap<i64, &Job> = all_jobs.iter().map(|j| (j.id, j)).collect();
    for queued in app.db.call(|c| runs::queued(c)).await? {
        // A queued run's job exists (runs go with their job).
        let Some(job) = by_id.get(&queued.job_id) else {
            continue;
        };
        let waiting = crate::runner::queue::waiting_for(job, queued.trigger);
        app.queue
            .enqueue(queued.id, waiting.not_before(queued.not_before));
        if let Some(at) = queued.not_before {
            crate::runner::dispatch::dispatch_at(app, at);
        }
    }
    if !missed.is_empty() {
        crate::service::fire::fire_with(app, missed, Trigger::Catchup, now).await;
    }
    dispatch(app);
    Ok(())
}
