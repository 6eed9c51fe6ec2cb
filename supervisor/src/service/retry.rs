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
use crate::runner::queue::{Waiting, waiting_for};

/// A retry just stored, and how it waits in the queue.
pub struct ScheduledRetry {
    pub run: Run,
    pub waiting: Waiting,
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
        waiting: waiting_for(&job, Trigger::Retry),
    }))
}

/// Hands a stored retry to the queue (after its transaction committed)
/// and arranges a dispatch when its `notBefore` passes.
pub fn enqueue(app: &Arc<App>, scheduled: &ScheduledRetry) {
    let retry = &scheduled.run;
    app.queue
        .enqueue(retry.id, scheduled.waiting.not_before(retry.not_before));
    app.metrics.retry_scheduled();
    publish_run(app, retry);
    match retry.not_before {
        Some(at) => dispatch_at(app, at),
        None => dispatch(app),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use crate::model::limits::Backoff;
    use crate::model::{JobFields, RetryPolicy, Schedule};

    fn failed_run(db: &Db, retry_at: Option<i64>) -> Run {
        db.blocking(|c| {
            let fields = JobFields {
                limits: crate::model::JobLimits {
                    retry: Some(RetryPolicy {
                        attempts: 1,
                        delay_ms: 1000,
                        backoff: Backoff::Fixed,
                        max_delay_ms: 1000,
                    }),
                    ..Default::default()
                },
                ..JobFields::new("flaky", "script", "exit 1", Schedule::Manual)
            };
            let job = jobs::insert(c, &fields, 0)?;
            let id = runs::insert(
                c,
                &NewRun {
                    job_id: job.id,
                    status: RunStatus::Failure,
                    trigger: Trigger::Manual,
                    scheduled_for: None,
                    now: 10_000,
                    env: None,
                    error: Some("exit code 1"),
                    retry: None,
                },
            )?;
            c.execute(
                "UPDATE runs SET retry_at = ?2 WHERE id = ?1",
                rusqlite::params![id, retry_at],
            )?;
            Ok(runs::get(c, id)?.expect("inserted"))
        })
        .unwrap()
    }

    #[test]
    fn a_reported_rate_limit_reset_replaces_the_delay_and_the_last_attempt_stops() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("db.sqlite")).unwrap();
        let plain = failed_run(&db, None);
        let retry = db.blocking(|c| schedule(c, &plain)).unwrap().unwrap();
        assert_eq!(retry.run.not_before, Some(11_000), "finished + delayMs");
        assert_eq!((retry.run.attempt, retry.run.retry_of), (2, Some(plain.id)));
        assert!(retry.waiting.serial);

        let limited = failed_run(&db, Some(70_000));
        let retry = db.blocking(|c| schedule(c, &limited)).unwrap().unwrap();
        assert_eq!(retry.run.not_before, Some(70_000), "waits for the reset");

        let mut last = retry.run.clone();
        last.status = RunStatus::Failure;
        assert!(
            db.blocking(|c| schedule(c, &last)).unwrap().is_none(),
            "attempt 2 of a 1-retry policy is the last"
        );
    }
}
