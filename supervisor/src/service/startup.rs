//! Start-up recovery: close runs a crashed supervisor left `running` (and
//! kill what is left of their process trees and groups, and any process
//! marked with this data directory's `BACKBEAT_INSTANCE`), plan every job, fire
//! missed occurrences once (trigger `catchup`), and re-queue the runs
//! that were waiting, so accepted work is never lost.

use std::collections::HashMap;
use std::sync::Arc;

use crate::app::App;
use crate::db::{jobs, runs};
use crate::model::{Overlap, Trigger};
use crate::runner::dispatch::dispatch;
use crate::runner::process::{instance, kill_leftover_group, kill_marked_leftovers};
use crate::scheduler::plan::{Fire, SchedulerState};
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

    let all_jobs = app.db.call(|c| jobs::list(c, None, None)).await?;
    let mut missed = Vec::new();
    // With the scheduler disabled nothing is planned and nothing caught up.
    if app.config.scheduler_enabled {
        let mut plan = app.schedule();
        for job in &all_jobs {
            plan.upsert(job, now);
            if let Some(at) = SchedulerState::missed(job, now) {
                let once = matches!(job.schedule, crate::model::Schedule::Once { .. });
                if once {
                    plan.remove(job.id);
                }
                missed.push(Fire {
                    job_id: job.id,
                    scheduled_for: at,
                    once,
                });
            }
        }
    }

    let overlap: HashMap<i64, Overlap> = all_jobs.iter().map(|j| (j.id, j.overlap)).collect();
    for (run_id, job_id, trigger) in app.db.call(|c| runs::queued(c)).await? {
        let job_overlap = overlap.get(&job_id).copied().unwrap_or(Overlap::Queue);
        let serial = crate::runner::queue::waits_for_its_job(trigger, job_overlap);
        app.queue.enqueue(run_id, job_id, serial);
    }
    if !missed.is_empty() {
        crate::service::fire::fire_with(app, missed, Trigger::Catchup, now).await;
    }
    dispatch(app);
    Ok(())
}
