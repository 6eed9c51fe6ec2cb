//! Counters for `GET /metrics` (Prometheus text format): runs finished by
//! status, scheduler ticks and their cost, occurrences fired, retries
//! scheduled, stalled runs, long runs and missed occurrences. Gauges
//! (running, queued, planned jobs) are read from their owners on demand.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::model::RunStatus;

#[derive(Default)]
pub struct Metrics {
    finished: [AtomicU64; 6],
    ticks: AtomicU64,
    tick_nanos_total: AtomicU64,
    tick_nanos_max: AtomicU64,
    fired: AtomicU64,
    retries: AtomicU64,
    stalls: AtomicU64,
    long_runs: AtomicU64,
    missed: AtomicU64,
    /// Notification deliveries ended, by (kind, status).
    deliveries: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
}

impl Metrics {
    pub fn delivery(&self, kind: &'static str, status: &'static str) {
        *self
            .deliveries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry((kind, status))
            .or_default() += 1;
    }

    pub fn run_finished(&self, status: RunStatus) {
        let index = RunStatus::ALL
            .iter()
            .position(|s| *s == status)
            .unwrap_or(0);
        self.finished[index].fetch_add(1, Ordering::Relaxed);
    }

    pub fn tick(&self, nanos: u64, fired: usize) {
        self.ticks.fetch_add(1, Ordering::Relaxed);
        self.tick_nanos_total.fetch_add(nanos, Ordering::Relaxed);
        self.tick_nanos_max.fetch_max(nanos, Ordering::Relaxed);
        self.fired.fetch_add(fired as u64, Ordering::Relaxed);
    }

    pub fn retry_scheduled(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    pub fn run_stalled(&self) {
        self.stalls.fetch_add(1, Ordering::Relaxed);
    }

    pub fn long_run(&self) {
        self.long_runs.fetch_add(1, Ordering::Relaxed);
    }

    pub fn missed(&self, occurrences: u64) {
        self.missed.fetch_add(occurrences, Ordering::Relaxed);
    }

    /// The exposition text, with the gauges passed in.
    pub fn render(&self, running: usize, queued: usize, planned: usize) -> String {
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, lines: Vec<(String, String)>| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, value) in lines {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        };
        metric(
            "backbeat_build_info",
            "gauge",
            "Backbeat version.",
            vec![(
                format!("{{version=\"{}\"}}", env!("CARGO_PKG_VERSION")),
                "1".into(),
            )],
        );
        metric(
            "backbeat_runs_running",
            "gauge",
            "Runs executing now.",
            vec![(String::new(), running.to_string())],
        );
        metric(
            "backbeat_runs_queued",
            "gauge",
            "Runs waiting for a slot.",
            vec![(String::new(), queued.to_string())],
        );
        metric(
            "backbeat_jobs_planned",
            "gauge",
            "Enabled jobs with a next fire time.",
            vec![(String::new(), planned.to_string())],
        );
        metric(
            "backbeat_runs_finished_total",
            "counter",
            "Runs that ended since start, by status.",
            RunStatus::ALL
                .iter()
                .zip(&self.finished)
                .filter(|(s, _)| s.is_finished())
                .map(|(s, n)| {
                    (
                        format!("{{status=\"{}\"}}", s.as_str()),
                        n.load(Ordering::Relaxed).to_string(),
                    )
                })
                .collect(),
        );
        let ticks = self.ticks.load(Ordering::Relaxed);
        metric(
            "backbeat_scheduler_ticks_total",
            "counter",
            "Scheduler ticks.",
            vec![(String::new(), ticks.to_string())],
        );
        metric(
            "backbeat_scheduler_tick_seconds_total",
            "counter",
            "Time spent deciding ticks (plan only, no I/O).",
            vec![(
                String::new(),
                format!(
                    "{:.9}",
                    self.tick_nanos_total.load(Ordering::Relaxed) as f64 / 1e9
                ),
            )],
        );
        metric(
            "backbeat_scheduler_tick_seconds_max",
            "gauge",
            "Longest tick decision since start.",
            vec![(
                String::new(),
                format!(
                    "{:.9}",
                    self.tick_nanos_max.load(Ordering::Relaxed) as f64 / 1e9
                ),
            )],
        );
        metric(
            "backbeat_occurrences_fired_total",
            "counter",
            "Scheduled occurrences fired.",
            vec![(
                String::new(),
                self.fired.load(Ordering::Relaxed).to_string(),
            )],
        );
        for (name, help, counter) in [
            (
                "backbeat_retries_scheduled_total",
                "Retries queued after a failed or timed-out run.",
                &self.retries,
            ),
            (
                "backbeat_runs_stalled_total",
                "Runs stopped for producing no output within their stall timeout.",
                &self.stalls,
            ),
            (
                "backbeat_runs_long_total",
                "Runs that passed their job's longRunMs.",
                &self.long_runs,
            ),
            (
                "backbeat_occurrences_missed_total",
                "Occurrences missed while Backbeat was down and not run (catch-up).",
                &self.missed,
            ),
        ] {
            metric(
                name,
                "counter",
                help,
                vec![(String::new(), counter.load(Ordering::Relaxed).to_string())],
            );
        }
        let deliveries = self
            .deliveries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        metric(
            "backbeat_notifications_total",
            "counter",
            "Notification deliveries since start, by channel kind and final status (sent, failed, suppressed).",
            deliveries
                .into_iter()
                .map(|((kind, status), n)| {
                    (
                        format!("{{kind=\"{kind}\",status=\"{status}\"}}"),
                        n.to_string(),
                    )
                })
                .collect(),
        );
        out
    }
}
