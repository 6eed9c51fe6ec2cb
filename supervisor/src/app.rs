//! The shared state of a running supervisor: configuration, store,
//! preferences, the scheduler's in-memory plan, the run queue, live logs,
//! the event feed, and the shutdown token every task listens to.

use std::sync::{Arc, Mutex, RwLock};

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::db::Db;
use crate::events::EventHub;
use crate::preferences::Preferences;
use crate::runner::logfile::LiveLogs;
use crate::runner::queue::RunQueue;
use crate::runner::registry::ExecutorRegistry;
use crate::scheduler::plan::SchedulerState;

pub struct App {
    pub config: Config,
    pub db: Db,
    prefs: RwLock<Preferences>,
    pub events: EventHub,
    pub schedule: Mutex<SchedulerState>,
    pub queue: RunQueue,
    pub registry: ExecutorRegistry,
    pub live_logs: LiveLogs,
    /// The API token (`None` with `BACKBEAT_AUTH=off`).
    pub token: Option<String>,
    pub shutdown: CancellationToken,
    /// Run actors and other background work, awaited at shutdown.
    pub tasks: TaskTracker,
    pub sessions: crate::api::auth::Sessions,
    pub metrics: crate::metrics::Metrics,
    /// The queue of notification requests (see `notify`).
    pub notifier: crate::notify::Notifier,
    /// Serializes preference changes (read-modify-write of the file).
    pub prefs_write: tokio::sync::Mutex<()>,
    /// The address actually bound (known after listening).
    pub port: std::sync::atomic::AtomicU16,
    /// Due occurrences the store could not record yet (a full disk).
    pub unrecorded: crate::service::unrecorded::Unrecorded,
    /// The `/mcp` endpoint, made on first use (it needs the bound port).
    pub mcp: std::sync::OnceLock<crate::mcp::HttpService>,
}

impl App {
    pub fn new(config: Config, db: Db, prefs: Preferences, token: Option<String>) -> Arc<App> {
        let registry = ExecutorRegistry::new(config.executors_dir());
        Arc::new(App {
            config,
            db,
            prefs: RwLock::new(prefs),
            events: EventHub::default(),
            schedule: Mutex::new(SchedulerState::default()),
            queue: RunQueue::default(),
            registry,
            live_logs: LiveLogs::default(),
            token,
            shutdown: CancellationToken::new(),
            tasks: TaskTracker::new(),
            sessions: Default::default(),
            metrics: Default::default(),
            notifier: Default::default(),
            prefs_write: Default::default(),
            port: std::sync::atomic::AtomicU16::new(0),
            unrecorded: Default::default(),
            mcp: Default::default(),
        })
    }

    pub fn prefs(&self) -> Preferences {
        self.prefs.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_prefs(&self, prefs: Preferences) {
        *self.prefs.write().unwrap_or_else(|p| p.into_inner()) = prefs;
    }

    pub fn schedule(&self) -> std::sync::MutexGuard<'_, SchedulerState> {
        self.schedule.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// (Re)plans a job's firing; with the scheduler disabled nothing is
    /// planned, so `nextRunAt` is null and the calendar empty.
    pub fn plan(&self, job: &crate::model::Job, now: crate::time::Millis) {
        if self.config.scheduler_enabled {
            self.schedule().upsert(job, now);
        }
    }

    pub fn port(&self) -> u16 {
        self.port.load(std::sync::atomic::Ordering::Relaxed)
    }
}
