//! Retries: when a failed or timed-out run has attempts left under its
//! job's retry policy, a new `queued` run (trigger `retry`, `attempt` + 1,
//! `retryOf` the failed run) is written in the same transaction as the
//! outcome, with `notBefore` = the end + the backoff delay, or the rate
//! limit reset (`retryAt`) the run reported. The queue does not start it
//! before then; being stored, it survives restarts.

use std::sync::Arc;

use super::publish::publish_run;
use crate::app::App;
use crate::db::Connection;
use crate::db::jobs;
use crate::db::runs::{self, NewRun, RetryLink};
use crate::model::{Run, RunStatus, Trigger};
use crate::runner::dispatch::{dispatch, dispatch_at};
use crate::runner::queue::waits_for_its_job;

/// A retry just stored, and whether it waits for its job's other runs.
pub struct ScheduledRetry {
    pub run: Run,
    pub serial: bool,
}

/// Inserts the retry of `failed` (just finished) if its job wants one.
pub fn schedule(conn: &Connection, failed: &Run) -> rusqlite::Result<Option<ScheduledRetry>> {
    if !matches!(failed.status, RunStatus::Failure | RunStatus::Timeout) {
        return Ok(None);
    }
    let Some(job) = jobs::get(conn, failed.job_id)? else {
        return Ok(None);
    };
    let Some(policy) = job.limits.retry else {
        return Ok(None);
    };
    if failed.attempt > policy.attempts {
        return Ok(None);
    }
    let ended = failed.finished_at.unwrap_or(failed.queued_at);
    let not_before = failed
        .retry_at
        .filter(|at| *at > ended)
        .unwrap_or(ended + policy.delay_before(failed.attempt));
    let env = runs::env_overrides(conn, failed.id)?;
    let id = runs::insert(
        conn,
        &NewRun {
            job_id: failed.job_id,
            status: RunStatus::Queued,
            trigger: Trigger::Retry,
            scheduled_for: failed.scheduled_for,
            now: ended,
            env: Some(&env).filter(|env| !env.is_empty()),
            error: None,
            retry: Some(RetryLink {
                attempt: failed.attempt + 1,
                retry_of: failed.id,
                not_before,
            }),
        },
    )?;
    Ok(runs::get(conn, id)?.map(|run| ScheduledRetry {
        run,
        serial: waits_for_its_job(Trigger::Retry, job.overlap),
    }))
}

/// Hands a stored retry to the queue (after its transaction committed)
/// and arranges a dispatch when its `notBefore` passes.
pub fn enqueue(app: &Arc<App>, scheduled: &ScheduledRetry) {
    let retry = &scheduled.run;
    app.queue
        .enqueue_not_before(retry.id, retry.job_id, scheduled.serial, retry.not_before);
    app.metrics.retry_scheduled();
    publish_run(app, retry);
    match retry.not_before {
        Some(at) => dispatch_at(app, at),
        None => dispatch(app),
    }
}
