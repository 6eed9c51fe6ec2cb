//! The scheduler's in-memory plan: every enabled job's next fire time in an
//! ordered set, so a tick costs O(due jobs), not O(jobs). A cron pattern is
//! kept as text and compiled when its job is planned or fires. Pure: time
//! comes in as an argument; no I/O.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};

use super::cron::CronSchedule;
use crate::model::{Job, Schedule};
use crate::time::{Millis, parse_rfc3339};

#[derive(Debug, Clone)]
enum Spec {
    Cron {
        expr: Box<str>,
        timezone: Option<Box<str>>,
    },
    Once(Millis),
}

impl Spec {
    fn compile(&self) -> Option<CronSchedule> {
        match self {
            Spec::Cron { expr, timezone } => CronSchedule::compile(expr, timezone.as_deref()).ok(),
            Spec::Once(_) => None,
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    spec: Spec,
    next: Option<Millis>,
}

/// An occurrence that is due.
#[derive(Debug, Clone, PartialEq)]
pub struct Fire {
    pub job_id: i64,
    pub scheduled_for: Millis,
    /// A once-job: it disables itself.
    pub once: bool,
}

/// Occurrences missed while Backbeat was down (see [`SchedulerState::missed`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Missed {
    /// How many (counting stops at [`MISSED_COUNTED`]).
    pub count: u64,
    pub first: Millis,
    /// The newest ones, oldest first (at most [`MISSED_KEPT`]).
    pub latest: Vec<Millis>,
    pub once: bool,
}

/// Enough to run the last [`crate::model::limits::CATCH_UP_ALL_MAX`] and
/// know when the one before them was.
pub const MISSED_KEPT: usize = crate::model::limits::CATCH_UP_ALL_MAX + 1;
/// Counting missed occurrences stops here (a year of minutes is 525 600).
pub const MISSED_COUNTED: u64 = 1_000_000;

#[derive(Debug, Default)]
pub struct SchedulerState {
    entries: HashMap<i64, Entry>,
    due: BTreeSet<(Millis, i64)>,
}

fn spec_of(job: &Job) -> Option<Spec> {
    if !job.enabled {
        return None;
    }
    match &job.schedule {
        Schedule::Cron { expr, timezone } => Some(Spec::Cron {
            expr: expr.as_str().into(),
            timezone: timezone.as_deref().map(Into::into),
        }),
        Schedule::Once { at } => parse_rfc3339(at).map(Spec::Once),
        Schedule::Manual => None,
    }
}

impl SchedulerState {
    /// (Re)plans a job from `now`: its next fire strictly after `now`
    /// (a once-job keeps its time even if it has passed: it fires at the
    /// next tick). Disabled and manual jobs are forgotten.
    pub fn upsert(&mut self, job: &Job, now: Millis) {
        self.remove(job.id);
        let Some(spec) = spec_of(job) else { return };
        let next = match &spec {
            Spec::Cron { expr, timezone } => {
                match CronSchedule::compile(expr, timezone.as_deref()) {
                    Ok(cron) => cron.next_after(now),
                    Err(e) => {
                        // Stored by a version that accepted it (e.g. `*/60`):
                        // not planned until its schedule is fixed.
                        eprintln!("backbeat: job {} is not scheduled: {e}", job.id);
                        None
                    }
                }
            }
            Spec::Once(at) => Some(*at),
        };
        if let Some(next) = next {
            self.due.insert((next, job.id));
        }
        self.entries.insert(job.id, Entry { spec, next });
    }

    pub fn remove(&mut self, job_id: i64) {
        if let Some(entry) = self.entries.remove(&job_id)
            && let Some(next) = entry.next
        {
            self.due.remove(&(next, job_id));
        }
    }

    pub fn next_run_at(&self, job_id: i64) -> Option<Millis> {
        self.entries.get(&job_id).and_then(|e| e.next)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Takes every occurrence due at `now` and plans each job's next one.
    /// A job that is late by several occurrences fires once.
    pub fn take_due(&mut self, now: Millis) -> Vec<Fire> {
        let mut fires = Vec::new();
        while let Some(&(at, job_id)) = self.due.first() {
            if at > now {
                break;
            }
            self.due.pop_first();
            let Some(entry) = self.entries.get_mut(&job_id) else {
                continue;
            };
            match &entry.spec {
                Spec::Cron { .. } => {
                    let cron = entry.spec.compile();
                    // Late by several occurrences (suspend): one fire, for
                    // the latest of them.
                    let scheduled_for = cron
                        .as_ref()
                        .and_then(|c| c.latest_at_or_before(now))
                        .filter(|latest| *latest >= at)
                        .unwrap_or(at);
                    entry.next = cron.and_then(|c| c.next_after(now.max(at)));
                    if let Some(next) = entry.next {
                        self.due.insert((next, job_id));
                    }
                    fires.push(Fire {
                        job_id,
                        scheduled_for,
                        once: false,
                    });
                }
                Spec::Once(_) => {
                    self.entries.remove(&job_id);
                    fires.push(Fire {
                        job_id,
                        scheduled_for: at,
                        once: true,
                    });
                }
            }
        }
        fires
    }

    /// The occurrences of `job` in (`job.anchor_at`, `now`], i.e. missed
    /// while the scheduler was not running: every cron job's (its
    /// `catchUp` decides what runs) and a once-job's passed time.
    pub fn missed(job: &Job, now: Millis) -> Option<Missed> {
        match spec_of(job)? {
            Spec::Once(at) => (at <= now).then(|| Missed {
                count: 1,
                first: at,
                latest: vec![at],
                once: true,
            }),
            spec @ Spec::Cron { .. } => {
                let cron = spec.compile()?;
                let mut missed = Missed {
                    count: 0,
                    first: 0,
                    latest: Vec::new(),
                    once: false,
                };
                let mut after = job.anchor_at;
                while let Some(at) = cron.next_after(after).filter(|at| *at <= now) {
                    if missed.count == 0 {
                        missed.first = at;
                    }
                    missed.count += 1;
                    if missed.latest.len() == MISSED_KEPT {
                        missed.latest.remove(0);
                    }
                    missed.latest.push(at);
                    if missed.count == MISSED_COUNTED {
                        break;
                    }
                    after = at;
                }
                (missed.count > 0).then_some(missed)
            }
        }
    }

    /// A copy of what is planned, to compute occurrences without holding
    /// the scheduler's lock.
    pub fn snapshot(&self) -> PlanSnapshot {
        PlanSnapshot(
            self.entries
                .iter()
                .map(|(id, e)| (*id, e.spec.clone()))
                .collect(),
        )
    }
}

/// The planned schedules at one moment (see [`SchedulerState::snapshot`]).
pub struct PlanSnapshot(Vec<(i64, Spec)>);

enum Compiled {
    Cron(Box<CronSchedule>),
    Once(Millis),
}

impl PlanSnapshot {
    /// Fire times of all planned jobs in (`from`, `to`), earliest first, at
    /// most `limit`; `true` when more were left out.
    pub fn occurrences(
        &self,
        from: Millis,
        to: Millis,
        limit: usize,
    ) -> (Vec<(i64, Millis)>, bool) {
        let compiled: HashMap<i64, Compiled> = self
            .0
            .iter()
            .filter_map(|(id, spec)| match spec {
                Spec::Cron { .. } => spec.compile().map(|c| (*id, Compiled::Cron(Box::new(c)))),
                Spec::Once(at) => Some((*id, Compiled::Once(*at))),
            })
            .collect();
        let next_of = |job_id: i64, after: Millis| -> Option<Millis> {
            match compiled.get(&job_id)? {
                Compiled::Cron(cron) => cron.next_after(after),
                Compiled::Once(at) => (*at > after).then_some(*at),
            }
        };
        let mut heap: BinaryHeap<Reverse<(Millis, i64)>> = BinaryHeap::new();
        for &job_id in compiled.keys() {
            if let Some(at) = next_of(job_id, from)
                && at < to
            {
                heap.push(Reverse((at, job_id)));
            }
        }
        let mut out = Vec::new();
        while let Some(Reverse((at, job_id))) = heap.pop() {
            if out.len() == limit {
                return (out, true);
            }
            out.push((job_id, at));
            if let Some(next) = next_of(job_id, at)
                && next < to
            {
                heap.push(Reverse((next, job_id)));
            }
        }
        (out, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::JobFields;
    use crate::time::{parse_rfc3339, to_rfc3339};

    fn t(text: &str) -> Millis {
        parse_rfc3339(text).unwrap()
    }

    fn job(id: i64, schedule: Schedule, anchor: &str) -> Job {
        JobFields::new(&format!("job {id}"), "script", "true", schedule).into_job(id, t(anchor))
    }

    fn cron(expr: &str) -> Schedule {
        Schedule::Cron {
            expr: expr.into(),
            timezone: Some("UTC".into()),
        }
    }

    #[test]
    fn fires_due_jobs_once_and_plans_the_next() {
        let mut state = SchedulerState::default();
        state.upsert(
            &job(1, cron("*/5 * * * *"), "2026-11-24T09:00:00Z"),
            t("2026-11-24T09:01:00Z"),
        );
        state.upsert(
            &job(2, cron("0 12 * * *"), "2026-11-24T09:00:00Z"),
            t("2026-11-24T09:01:00Z"),
        );
        assert!(state.take_due(t("2026-11-24T09:04:59Z")).is_empty());
        let fires = state.take_due(t("2026-11-24T09:05:00.002Z"));
        assert_eq!(
            fires,
            [Fire {
                job_id: 1,
                scheduled_for: t("2026-11-24T09:05:00Z"),
                once: false
            }]
        );
        assert_eq!(
            state.next_run_at(1).map(to_rfc3339).as_deref(),
            Some("2026-11-24T09:10:00.000Z")
        );
        // Late by three occurrences (e.g. after suspend): one fire.
        assert_eq!(state.take_due(t("2026-11-24T09:26:00Z")).len(), 1);
        assert_eq!(
            state.next_run_at(1).map(to_rfc3339).as_deref(),
            Some("2026-11-24T09:30:00.000Z")
        );
    }

    #[test]
    fn once_jobs_fire_once_and_disabled_jobs_never() {
        let mut state = SchedulerState::default();
        let once = job(
            3,
            Schedule::Once {
                at: "2026-11-24T09:00:30.000Z".into(),
            },
            "2026-11-24T09:00:00Z",
        );
        state.upsert(&once, t("2026-11-24T09:00:00Z"));
        let mut disabled = job(4, cron("* * * * *"), "2026-11-24T09:00:00Z");
        disabled.enabled = false;
        state.upsert(&disabled, t("2026-11-24T09:00:00Z"));
        let fires = state.take_due(t("2026-11-24T09:05:00Z"));
        assert_eq!(
            fires,
            [Fire {
                job_id: 3,
                scheduled_for: t("2026-11-24T09:00:30Z"),
                once: true
            }]
        );
        assert!(state.take_due(t("2026-11-24T10:00:00Z")).is_empty());
        assert_eq!(state.next_run_at(3), None);
        assert_eq!(state.next_run_at(4), None);
    }

    #[test]
    fn missed_occurrences_are_counted_with_the_latest_kept() {
        let mut j = job(5, cron("0 * * * *"), "2026-11-24T06:30:00Z");
        let now = t("2026-11-24T09:10:00Z");
        let missed = SchedulerState::missed(&j, now).unwrap();
        assert_eq!(missed.count, 3);
        assert_eq!(missed.first, t("2026-11-24T07:00:00Z"));
        assert_eq!(
            missed.latest,
            [
                t("2026-11-24T07:00:00Z"),
                t("2026-11-24T08:00:00Z"),
                t("2026-11-24T09:00:00Z")
            ]
        );
        j.anchor_at = t("2026-11-24T09:00:00Z");
        assert_eq!(SchedulerState::missed(&j, now), None, "already fired");
        let mut minutely = job(7, cron("* * * * *"), "2026-11-24T08:00:30Z");
        let missed = SchedulerState::missed(&minutely, now).unwrap();
        assert_eq!(missed.count, 70);
        assert_eq!(missed.latest.len(), MISSED_KEPT);
        assert_eq!(missed.latest.last(), Some(&t("2026-11-24T09:10:00Z")));
        minutely.enabled = false;
        assert_eq!(SchedulerState::missed(&minutely, now), None, "disabled");
        let once = job(
            6,
            Schedule::Once {
                at: "2026-11-24T08:00:00.000Z".into(),
            },
            "2026-11-24T07:00:00Z",
        );
        assert!(SchedulerState::missed(&once, now).unwrap().once);
    }

    #[test]
    fn occurrences_merge_jobs_in_time_order_with_a_limit() {
        let mut state = SchedulerState::default();
        let now = t("2026-11-24T00:00:00Z");
        state.upsert(&job(1, cron("0 */6 * * *"), "2026-11-24T00:00:00Z"), now);
        state.upsert(&job(2, cron("30 1 * * *"), "2026-11-24T00:00:00Z"), now);
        let (occ, truncated) = state
            .snapshot()
            .occurrences(now, t("2026-11-24T13:00:00Z"), 100);
        let times: Vec<(i64, String)> =
            occ.into_iter().map(|(j, at)| (j, to_rfc3339(at))).collect();
        assert_eq!(
            times,
            [
                (2, "2026-11-24T01:30:00.000Z".to_string()),
                (1, "2026-11-24T06:00:00.000Z".to_string()),
                (1, "2026-11-24T12:00:00.000Z".to_string()),
            ]
        );
        assert!(!truncated);
        let (occ, truncated) = state
            .snapshot()
            .occurrences(now, t("2026-12-24T00:00:00Z"), 2);
        assert_eq!(occ.len(), 2);
        assert!(truncated);
    }
}
