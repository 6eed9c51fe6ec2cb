//! Start-up catch-up: what becomes of the occurrences a job missed while
//! Backbeat was down, per its `catchUp` policy. `last` runs the latest,
//! `all` each of them in order (at most 10), `none` none; whatever does
//! not run is recorded as one `dropped` run (trigger `catchup`) saying how
//! many were missed and when, and raises the `missed` alert. No silent
//! non-runs.

use std::sync::Arc;

use super::alerts::{Alert, raise};
use super::publish::publish_run;
use crate::app::App;
use crate::db::runs::{self, NewRun};
use crate::db::{jobs, write_tx};
use crate::model::limits::CATCH_UP_ALL_MAX;
use crate::model::{CatchUp, Job, RunStatus, Trigger};
use crate::scheduler::plan::{Fire, MISSED_COUNTED, Missed};
use crate::time::{Millis, to_rfc3339};

/// What to do about one job's missed occurrences.
#[derive(Debug, PartialEq)]
pub struct CatchUpPlan {
    /// Occurrences to run, oldest first.
    pub fires: Vec<Fire>,
    /// Occurrences not run: how many, first, last.
    pub skipped: Option<(u64, Millis, Millis)>,
}

pub fn plan(job: &Job, missed: &Missed) -> CatchUpPlan {
    let run_count = if missed.once {
        1
    } else {
        match job.catch_up {
            CatchUp::None => 0,
            CatchUp::Last => 1,
            CatchUp::All => CATCH_UP_ALL_MAX,
        }
    }
    .min(missed.count as usize)
    .min(missed.latest.len());
    let run_from = missed.latest.len() - run_count;
    let fires = missed.latest[run_from..]
        .iter()
        .map(|&at| Fire {
            job_id: job.id,
            scheduled_for: at,
            once: missed.once,
        })
        .collect();
    let skipped_count = missed.count - run_count as u64;
    let skipped = (skipped_count > 0 && run_from > 0)
        .then(|| (skipped_count, missed.first, missed.latest[run_from - 1]));
    CatchUpPlan { fires, skipped }
}

/// Why occurrences were missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissCause {
    /// The supervisor was not running.
    Down,
    /// The store refused writes (a full disk) when they came due.
    StoreFailing,
}

/// The error of the run recording skipped occurrences.
pub fn missed_text(job: &Job, count: u64, first: Millis, last: Millis, cause: MissCause) -> String {
    let what = if count == 1 {
        "1 occurrence".to_string()
    } else if count >= MISSED_COUNTED {
        format!("at least {count} occurrences")
    } else {
        format!("{count} occurrences")
    };
    let ran = match job.catch_up {
        CatchUp::None => String::new(),
        CatchUp::Last => "; the latest one ran (catchUp \"last\")".to_string(),
        CatchUp::All => format!("; the latest {CATCH_UP_ALL_MAX} ran (catchUp \"all\")"),
    };
    format!(
        "missed {what} while {} (first {}, last {}){ran}",
        match cause {
            MissCause::Down => "Backbeat was down",
            MissCause::StoreFailing => "the store could not be written",
        },
        to_rfc3339(first),
        to_rfc3339(last)
    )
}

/// Records skipped occurrences as one `dropped` run and moves the job's
/// anchor past them (one transaction), then raises `missed`.
pub async fn record_skipped(
    app: &Arc<App>,
    job: &Job,
    skipped: (u64, Millis, Millis),
    cause: MissCause,
    now: Millis,
) -> bool {
    let (count, first, last) = skipped;
    let error = missed_text(job, count, first, last, cause);
    let job_id = job.id;
    let recorded = app
        .db
        .call(move |c| {
            let tx = write_tx(c)?;
            let id = runs::insert(
                &tx,
                &NewRun {
                    job_id,
                    status: RunStatus::Dropped,
                    trigger: Trigger::Catchup,
                    scheduled_for: Some(last),
                    now,
                    env: None,
                    error: Some(&error),
                    retry: None,
                },
            )?;
            jobs::record_fire(&tx, job_id, last, false, now)?;
            let run = runs::get(&tx, id)?;
            tx.commit()?;
            Ok(run)
        })
        .await;
    match recorded {
        Ok(Some(run)) => {
            publish_run(app, &run);
            raise(app, job_id, run.id, Alert::Missed { count });
            true
        }
        Ok(None) => true,
        Err(e) => {
            eprintln!("backbeat: job {job_id}: could not record missed occurrences: {e}");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{JobFields, Schedule};

    fn job(catch_up: CatchUp) -> Job {
        JobFields {
            catch_up,
            ..JobFields::new("j", "script", "true", Schedule::Manual)
        }
        .into_job(1, 0)
    }

    fn missed(count: u64) -> Missed {
        let all: Vec<Millis> = (1..=count as i64).map(|n| n * 60_000).collect();
        let kept = all.len().min(crate::scheduler::plan::MISSED_KEPT);
        Missed {
            count,
            first: 60_000,
            latest: all[all.len() - kept..].to_vec(),
            once: false,
        }
    }

    #[test]
    fn each_policy_runs_some_and_records_the_rest() {
        let none = plan(&job(CatchUp::None), &missed(14));
        assert!(none.fires.is_empty());
        assert_eq!(none.skipped, Some((14, 60_000, 14 * 60_000)));
        let last = plan(&job(CatchUp::Last), &missed(14));
        assert_eq!(last.fires.len(), 1);
        assert_eq!(last.fires[0].scheduled_for, 14 * 60_000);
        assert_eq!(last.skipped, Some((13, 60_000, 13 * 60_000)));
        let all = plan(&job(CatchUp::All), &missed(14));
        let times: Vec<Millis> = all.fires.iter().map(|f| f.scheduled_for).collect();
        assert_eq!(times, (5..=14).map(|n| n * 60_000).collect::<Vec<_>>());
        assert_eq!(all.skipped, Some((4, 60_000, 4 * 60_000)));
        let few = plan(&job(CatchUp::All), &missed(3));
        assert_eq!((few.fires.len(), few.skipped), (3, None));
        assert_eq!(plan(&job(CatchUp::Last), &missed(1)).skipped, None);
    }

    #[test]
    fn the_record_says_how_many_and_when() {
        assert_eq!(
            missed_text(&job(CatchUp::None), 14, 0, 60_000, MissCause::Down),
            "missed 14 occurrences while Backbeat was down (first 1970-01-01T00:00:00.000Z, last 1970-01-01T00:01:00.000Z)"
        );
    }
}
