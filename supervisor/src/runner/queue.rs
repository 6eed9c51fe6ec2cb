//! The run queue: which runs wait, which run, and which may start next,
//! under the global `maxConcurrentRuns`, `maxConcurrentAiRuns` for AI runs
//! (a waiting AI run never holds back the runs behind it), each job's
//! overlap rule (a `serial` run waits until no other run of its job is
//! running), and a queued retry's `notBefore` (it is not startable before
//! then).
//! Pure bookkeeping behind one mutex; no I/O; time comes in as an argument.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use tokio::sync::mpsc;

use crate::model::{Overlap, Trigger};
use crate::time::Millis;

/// Whether a queued run waits until no other run of its job is running:
/// scheduled, catch-up and retry runs of a job whose overlap is not
/// `parallel` (manual runs never wait for their job).
pub fn waits_for_its_job(trigger: Trigger, overlap: Overlap) -> bool {
    trigger != Trigger::Manual && overlap != Overlap::Parallel
}

/// How a queued run of `job` started by `trigger` waits.
pub fn waiting_for(job: &crate::model::Job, trigger: Trigger) -> Waiting {
    Waiting::new(job.id, waits_for_its_job(trigger, job.overlap), job.is_ai())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    User,
    Timeout,
    /// No output for the job's stall timeout.
    Stall,
    Shutdown,
}

/// How a queued run waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub job_id: i64,
    /// Until no other run of its job is running ([`waits_for_its_job`]).
    pub serial: bool,
    /// An AI run: it also needs one of the `maxConcurrentAiRuns` slots.
    pub ai: bool,
    /// Not before this time (a retry).
    pub not_before: Option<Millis>,
}

impl Waiting {
    pub fn new(job_id: i64, serial: bool, ai: bool) -> Waiting {
        Waiting {
            job_id,
            serial,
            ai,
            not_before: None,
        }
    }

    pub fn not_before(self, not_before: Option<Millis>) -> Waiting {
        Waiting { not_before, ..self }
    }
}

struct Running {
    job_id: i64,
    ai: bool,
    control: mpsc::UnboundedSender<StopReason>,
}

#[derive(Default)]
struct State {
    queued: BTreeMap<i64, Waiting>,
    running: HashMap<i64, Running>,
    running_per_job: HashMap<i64, usize>,
    accepting: bool,
}

/// A run allowed to start now, with the receiver of its stop requests.
pub struct Startable {
    pub run_id: i64,
    pub job_id: i64,
    pub control: mpsc::UnboundedReceiver<StopReason>,
}

pub struct RunQueue {
    state: Mutex<State>,
}

impl Default for RunQueue {
    fn default() -> Self {
        RunQueue {
            state: Mutex::new(State {
                accepting: true,
                ..State::default()
            }),
        }
    }
}

impl RunQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn enqueue(&self, run_id: i64, waiting: Waiting) {
        self.lock().queued.insert(run_id, waiting);
    }

    /// A run of `job_id` that is running (preferred) or queued.
    pub fn active_run_of(&self, job_id: i64) -> Option<(i64, bool)> {
        let state = self.lock();
        let running = state
            .running
            .iter()
            .filter(|(_, r)| r.job_id == job_id)
            .map(|(id, _)| *id)
            .min();
        running.map(|id| (id, true)).or_else(|| {
            state
                .queued
                .iter()
                .find(|(_, q)| q.job_id == job_id)
                .map(|(id, _)| (*id, false))
        })
    }

    /// Moves the runs that may start at `now` (oldest first) to running:
    /// at most `capacity` running in all, `ai_capacity` of them AI runs.
    pub fn take_startable(
        &self,
        capacity: usize,
        ai_capacity: usize,
        now: Millis,
    ) -> Vec<Startable> {
        let mut state = self.lock();
        if !state.accepting {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut free = capacity.saturating_sub(state.running.len());
        let running_ai = state.running.values().filter(|r| r.ai).count();
        let mut free_ai = ai_capacity.saturating_sub(running_ai);
        let mut candidates = Vec::new();
        for (&run_id, queued) in &state.queued {
            if free == 0 {
                break;
            }
            if queued.not_before.is_some_and(|at| at > now) {
                continue;
            }
            // Skipped, not a stop: the runs behind it may still start.
            if queued.ai && free_ai == 0 {
                continue;
            }
            let busy = state
                .running_per_job
                .get(&queued.job_id)
                .copied()
                .unwrap_or(0)
                > 0
                || candidates.iter().any(|(_, job, _)| *job == queued.job_id);
            if queued.serial && busy {
                continue;
            }
            candidates.push((run_id, queued.job_id, queued.ai));
            free -= 1;
            if queued.ai {
                free_ai -= 1;
            }
        }
        for (run_id, job_id, ai) in candidates {
            state.queued.remove(&run_id);
            let (tx, rx) = mpsc::unbounded_channel();
            state.running.insert(
                run_id,
                Running {
                    job_id,
                    ai,
                    control: tx,
                },
            );
            *state.running_per_job.entry(job_id).or_default() += 1;
            out.push(Startable {
                run_id,
                job_id,
                control: rx,
            });
        }
        out
    }

    pub fn finished(&self, run_id: i64) {
        let mut state = self.lock();
        if let Some(running) = state.running.remove(&run_id)
            && let Some(count) = state.running_per_job.get_mut(&running.job_id)
        {
            *count -= 1;
            if *count == 0 {
                state.running_per_job.remove(&running.job_id);
            }
        }
    }

    /// Removes a queued run; returns how it waited (to put it back with
    /// `enqueue` if dropping it cannot be recorded), or `None` if it was
    /// not queued.
    pub fn remove_queued(&self, run_id: i64) -> Option<Waiting> {
        self.lock().queued.remove(&run_id)
    }

    /// Asks a running run to stop; false if it is not running.
    pub fn stop_running(&self, run_id: i64, reason: StopReason) -> bool {
        match self.lock().running.get(&run_id) {
            Some(running) => running.control.send(reason).is_ok(),
            None => false,
        }
    }

    /// Forgets the job's queued runs and stops its running ones; returns
    /// the running run ids.
    pub fn forget_job(&self, job_id: i64) -> Vec<i64> {
        let mut state = self.lock();
        state.queued.retain(|_, q| q.job_id != job_id);
        let running: Vec<i64> = state
            .running
            .iter()
            .filter(|(_, r)| r.job_id == job_id)
            .map(|(id, _)| *id)
            .collect();
        for id in &running {
            let _ = state.running[id].control.send(StopReason::User);
        }
        running
    }

    /// Stops accepting starts and asks every running run to stop.
    pub fn shut_down(&self) {
        let mut state = self.lock();
        state.accepting = false;
        for running in state.running.values() {
            let _ = running.control.send(StopReason::Shutdown);
        }
    }

    pub fn is_running(&self, run_id: i64) -> bool {
        self.lock().running.contains_key(&run_id)
    }

    pub fn running_count(&self) -> usize {
        self.lock().running.len()
    }

    /// How many AI runs hold one of the `maxConcurrentAiRuns` slots.
    pub fn running_ai_count(&self) -> usize {
        self.lock().running.values().filter(|r| r.ai).count()
    }

    pub fn queued_count(&self) -> usize {
        self.lock().queued.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(started: &[Startable]) -> Vec<i64> {
        started.iter().map(|s| s.run_id).collect()
    }

    #[test]
    fn respects_global_capacity_in_queue_order() {
        let q = RunQueue::default();
        for run in 1..=5 {
            q.enqueue(run, Waiting::new(run * 10, false, false));
        }
        assert_eq!(ids(&q.take_startable(2, 2, 0)), [1, 2]);
        assert!(q.take_startable(2, 2, 0).is_empty());
        q.finished(1);
        assert_eq!(ids(&q.take_startable(2, 2, 0)), [3]);
    }

    #[test]
    fn serial_runs_wait_for_their_job_but_not_for_others() {
        let q = RunQueue::default();
        q.enqueue(1, Waiting::new(7, true, false));
        q.enqueue(2, Waiting::new(7, true, false));
        q.enqueue(3, Waiting::new(8, true, false));
        assert_eq!(ids(&q.take_startable(4, 4, 0)), [1, 3]);
        q.enqueue(4, Waiting::new(7, false, false)); // manual: beside the running one
        assert_eq!(ids(&q.take_startable(4, 4, 0)), [4]);
        q.finished(1);
        q.finished(4);
        assert_eq!(ids(&q.take_startable(4, 4, 0)), [2]);
    }

    #[test]
    fn stop_and_shutdown_reach_running_runs() {
        let q = RunQueue::default();
        q.enqueue(1, Waiting::new(1, false, false));
        let mut started = q.take_startable(1, 1, 0);
        assert!(q.stop_running(1, StopReason::User));
        assert_eq!(started[0].control.try_recv().unwrap(), StopReason::User);
        q.enqueue(2, Waiting::new(1, false, false));
        q.shut_down();
        assert_eq!(started[0].control.try_recv().unwrap(), StopReason::Shutdown);
        assert!(
            q.take_startable(4, 4, 0).is_empty(),
            "nothing starts after shutdown"
        );
        assert_eq!(q.remove_queued(2), Some(Waiting::new(1, false, false)));
        assert_eq!(q.remove_queued(2), None);
    }

    #[test]
    fn a_retry_waits_for_its_not_before_without_blocking_others() {
        let q = RunQueue::default();
        q.enqueue(1, Waiting::new(7, true, false).not_before(Some(1_000)));
        q.enqueue(2, Waiting::new(8, true, false));
        assert_eq!(ids(&q.take_startable(4, 4, 999)), [2]);
        assert_eq!(ids(&q.take_startable(4, 4, 1_000)), [1]);
    }

    #[test]
    fn ai_runs_share_their_own_slots_without_blocking_the_others() {
        let q = RunQueue::default();
        q.enqueue(1, Waiting::new(1, false, true));
        q.enqueue(2, Waiting::new(2, false, true));
        q.enqueue(3, Waiting::new(3, false, false));
        assert_eq!(
            ids(&q.take_startable(4, 1, 0)),
            [1, 3],
            "run 2 waits for an AI slot"
        );
        assert!(q.take_startable(4, 1, 0).is_empty());
        q.finished(3);
        assert!(
            q.take_startable(4, 1, 0).is_empty(),
            "a free run slot is not an AI slot"
        );
        q.finished(1);
        assert_eq!(ids(&q.take_startable(4, 1, 0)), [2]);
    }
}
