//! Notifications: what a run's start and end (and the `long`/`missed`
//! events other code emits) mean for the job's channels and `pingUrl`,
//! decided in order by one worker, then delivered in the background with
//! retries. Every delivery is a row in the store (`pending` → `sent` or
//! `failed`, or `suppressed` at once); delivering never blocks a run.
//!
//! The public API for the rest of the supervisor:
//! - [`run_started`] and [`run_finished`] — called by the run actor;
//! - [`emit`] — any other event of a run (`Event::Long`, `Event::Missed`);
//! - [`Finish::RetryScheduled`] — a failed run that will be retried does
//!   not notify `failure` (its delivery is recorded `suppressed`) and does
//!   not start a failure streak; the last retry's failure does.

pub mod channel;
mod command;
mod decide;
mod deliver;
mod email;
mod http;
mod message;

use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::sync::mpsc;

use crate::app::App;
pub use crate::model::NotifyEvent as Event;

pub use deliver::send_test;

/// How a finished run ended, for notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// The run's outcome is final: `failure`/`timeout` notify `failure`.
    Final,
    /// It failed but a retry is scheduled: no `failure` yet.
    RetryScheduled,
    /// Stopped by the user or by a shutdown: nobody needs telling.
    Quiet,
}

/// One delivery as `GET /api/runs/{id}/deliveries` shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub run_id: Option<i64>,
    /// `None` for `pingUrl` pings.
    pub channel_id: Option<i64>,
    /// The channel kind (`webhook`, `command`, `email`, `ntfy`) or `ping`.
    pub kind: String,
    pub event: String,
    /// `pending` (tries left), `sent`, `failed` or `suppressed`.
    pub status: String,
    pub attempts: i64,
    pub error: Option<String>,
    pub at: String,
}

#[derive(Debug)]
pub(crate) enum Request {
    Started {
        job_id: i64,
        run_id: i64,
    },
    Finished {
        job_id: i64,
        run_id: i64,
        finish: Finish,
    },
    Emit {
        job_id: i64,
        run_id: i64,
        event: Event,
    },
}

/// The queue in front of the deciding worker (started on first use).
pub struct Notifier {
    sender: mpsc::UnboundedSender<Request>,
    receiver: Mutex<Option<mpsc::UnboundedReceiver<Request>>>,
}

impl Default for Notifier {
    fn default() -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        Notifier {
            sender,
            receiver: Mutex::new(Some(receiver)),
        }
    }
}

fn submit(app: &Arc<App>, request: Request) {
    let receiver = app
        .notifier
        .receiver
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    if let Some(receiver) = receiver {
        tokio::spawn(decide::worker(app.clone(), receiver));
    }
    let _ = app.notifier.sender.send(request);
}

/// A run started: `start` notifications and the `/start` ping.
pub fn run_started(app: &Arc<App>, job_id: i64, run_id: i64) {
    submit(app, Request::Started { job_id, run_id });
}

/// A run's outcome was recorded: `success`, `recovery`, `failure`
/// (streak-aware) and the success/fail ping.
pub fn run_finished(app: &Arc<App>, job_id: i64, run_id: i64, finish: Finish) {
    submit(
        app,
        Request::Finished {
            job_id,
            run_id,
            finish,
        },
    );
}

/// Any other event about a run (`Event::Long`, `Event::Missed`,
/// `Event::Budget`), sent to the job's channels if it subscribes to it.
pub fn emit(app: &Arc<App>, job_id: i64, run_id: i64, event: Event) {
    submit(
        app,
        Request::Emit {
            job_id,
            run_id,
            event,
        },
    );
}
