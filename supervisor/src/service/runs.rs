//! Run operations: run now (manual trigger, optional env overrides), stop
//! a running run or drop a queued one, and log removal for retention.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::publish::publish_run;
use crate::app::App;
use crate::db::runs::{self, NewRun};
use crate::db::{DbError, jobs};
use crate::model::{Run, RunStatus, Trigger};
use crate::runner::dispatch::dispatch;
use crate::runner::logfile::log_path;
use crate::runner::queue::{StopReason, Waiting};
use crate::time::now_ms;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("run {0} already finished ({1})")]
    Finished(i64, &'static str),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Queues a manual run (also for disabled jobs) and starts it if capacity
/// allows; returns it as it is right after that.
pub async fn run_now(
    app: &Arc<App>,
    job_id: i64,
    env: Option<BTreeMap<String, String>>,
) -> Result<Run, RunError> {
    let now = now_ms();
    let (run_id, ai) = app
        .db
        .call(move |c| {
            let Some(job) = jobs::get(c, job_id)? else {
                return Ok(None);
            };
            let run = NewRun {
                job_id,
                status: RunStatus::Queued,
                trigger: Trigger::Manual,
                scheduled_for: None,
                now,
                env: env.as_ref().filter(|e| !e.is_empty()),
                error: None,
                retry: None,
            };
            Ok(Some((runs::insert(c, &run)?, job.is_ai())))
        })
        .await?
        .ok_or_else(|| RunError::NotFound(format!("job {job_id}")))?;
    app.queue.enqueue(run_id, Waiting::new(job_id, false, ai));
    let run = get(app, run_id).await?;
    publish_run(app, &run);
    dispatch(app);
    Ok(run)
}

pub async fn get(app: &App, run_id: i64) -> Result<Run, RunError> {
    app.db
        .call(move |c| runs::get(c, run_id))
        .await?
        .ok_or_else(|| RunError::NotFound(format!("run {run_id}")))
}

/// Stops a running run (cancel, SIGTERM to its group, SIGKILL after the
/// grace) or drops a queued one.
pub async fn stop(app: &Arc<App>, run_id: i64) -> Result<Run, RunError> {
    let run = get(app, run_id).await?;
    if run.status.is_finished() {
        return Err(RunError::Finished(run_id, run.status.as_str()));
    }
    if let Some(waiting) = app.queue.remove_queued(run_id) {
        let now = now_ms();
        let dropped = app
            .db
            .call(move |c| {
                c.execute(
                    "UPDATE runs SET status = 'dropped', finished_at = ?2, error = 'dropped by user' WHERE id = ?1 AND status = 'queued'",
                    rusqlite::params![run_id, now],
                )?;
                runs::get(c, run_id)
            })
            .await
            .inspect_err(|_| {
                // Not recorded (a full disk): it is still queued, so it
                // must stay in the queue rather than be stuck.
                app.queue.enqueue(run_id, waiting);
                dispatch(app);
            })?
            .ok_or_else(|| RunError::NotFound(format!("run {run_id}")))?;
        publish_run(app, &dropped);
        return Ok(dropped);
    }
    if app.queue.stop_running(run_id, StopReason::User) {
        return get(app, run_id).await;
    }
    // Between states: it just finished, or is starting. Look again.
    let run = get(app, run_id).await?;
    if run.status.is_finished() {
        Err(RunError::Finished(run_id, run.status.as_str()))
    } else {
        Ok(run)
    }
}

/// Deletes the log files of runs removed by retention.
pub fn remove_logs(app: &App, job_id: i64, run_ids: &[i64]) {
    for run_id in run_ids {
        let _ = std::fs::remove_file(log_path(&app.config.logs_dir(), job_id, *run_id));
    }
}
