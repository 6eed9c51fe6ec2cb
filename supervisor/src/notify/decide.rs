//! The deciding worker: takes notification requests in the order they were
//! made and, in one store transaction each, works out which events they
//! mean (updating the job's failure streak), which channels hear of them,
//! and records a delivery row for each — `suppressed` ones with the reason.
//! Sending happens afterwards, in the background ([`super::deliver`]).

use std::sync::Arc;

use rusqlite::Connection;
use tokio::sync::mpsc;

use super::channel::Channel;
use super::http::Ping;
use super::{Event, Finish, Request};
use crate::app::App;
use crate::db::deliveries::{self, NewDelivery};
use crate::db::{channels, jobs, runs};
use crate::model::{Job, Run, RunStatus};
use crate::service::budget::is_refusal;
use crate::time::{Millis, now_ms};

/// Where one delivery goes.
pub enum Target {
    Channel(Channel),
    Ping(String, Ping),
}

impl Target {
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Channel(channel) => channel.kind.as_str(),
            Target::Ping(..) => "ping",
        }
    }
}

pub struct Outgoing {
    pub delivery_id: i64,
    pub event: Event,
    pub target: Target,
}

/// What one request turned into.
pub struct Plan {
    pub job: Job,
    pub run: Option<Run>,
    pub outgoing: Vec<Outgoing>,
    /// Kinds of the deliveries recorded `suppressed` (for the metrics).
    pub suppressed: Vec<&'static str>,
}

pub async fn worker(app: Arc<App>, mut requests: mpsc::UnboundedReceiver<Request>) {
    while let Some(request) = requests.recv().await {
        let defaults = app.prefs().default_notify_channels;
        let now = now_ms();
        match app
            .db
            .call(move |c| plan(c, &request, &defaults, now))
            .await
        {
            Ok(Some(plan)) => {
                for kind in &plan.suppressed {
                    app.metrics.delivery(kind, "suppressed");
                }
                super::deliver::spawn(&app, plan);
            }
            Ok(None) => {}
            Err(e) => eprintln!("backbeat: notifications: {e}"),
        }
    }
}

const QUIET: &str = "the run had nothing to report (NOTHING_TO_REPORT)";
const RETRY_PENDING: &str = "a retry is scheduled; failure is notified after the last retry";

fn plan(
    conn: &mut Connection,
    request: &Request,
    default_channels: &[i64],
    now: Millis,
) -> rusqlite::Result<Option<Plan>> {
    let (job_id, run_id) = match *request {
        Request::Started { job_id, run_id }
        | Request::Finished { job_id, run_id, .. }
        | Request::Emit { job_id, run_id, .. } => (job_id, run_id),
    };
    let tx = crate::db::write_tx(conn)?;
    let (Some(job), Some(run)) = (jobs::get(&tx, job_id)?, runs::get(&tx, run_id)?) else {
        return Ok(None);
    };
    let failures = deliveries::failures(&tx, job_id)?;
    let (channel_ids, on, repeat) = match &job.notify {
        Some(notify) => (notify.channels.clone(), notify.on.clone(), notify.repeat),
        None => (default_channels.to_vec(), Event::DEFAULT_ON.to_vec(), false),
    };

    // (event, why it is suppressed) and the ping this request means.
    let mut events: Vec<(Event, Option<String>)> = Vec::new();
    let mut ping = None;
    match *request {
        Request::Started { .. } => {
            events.push((Event::Start, None));
            ping = Some(Ping::Start);
        }
        Request::Emit {
            event: Event::Budget,
            ..
        } => {
            // Like a failure streak: one message until a run gets through.
            let told = match runs::previous_finished(&tx, job_id, run_id)? {
                Some((previous, error)) if !repeat && is_refusal(error.as_deref()) => {
                    Some(format!(
                        "run {previous} already reported the spent budget; set notify.repeat to hear of every run it stops"
                    ))
                }
                _ => None,
            };
            events.push((Event::Budget, told));
        }
        Request::Emit { event, .. } => events.push((event, None)),
        Request::Finished { finish, .. } => match (run.status, finish) {
            (RunStatus::Success, _) => {
                if failures > 0 {
                    deliveries::set_failures(&tx, job_id, 0)?;
                    events.push((Event::Recovery, None));
                }
                // A recovery says it all: no second message for the run.
                if failures == 0 || !on.contains(&Event::Recovery) {
                    events.push((Event::Success, run.ai.quiet.then(|| QUIET.to_string())));
                }
                ping = Some(Ping::Success);
            }
            (RunStatus::Failure | RunStatus::Timeout, Finish::Final) => {
                deliveries::set_failures(&tx, job_id, failures + 1)?;
                let streak = (failures > 0 && !repeat).then(|| {
                    format!(
                        "failure {} of a streak that was already notified; set notify.repeat to hear of every failure",
                        failures + 1
                    )
                });
                events.push((Event::Failure, streak));
                ping = Some(Ping::Fail);
            }
            (RunStatus::Failure | RunStatus::Timeout, Finish::RetryScheduled) => {
                events.push((Event::Failure, Some(RETRY_PENDING.into())));
            }
            _ => {}
        },
    }

    let mut outgoing = Vec::new();
    let mut suppressed = Vec::new();
    let subscribed: Vec<_> = events
        .into_iter()
        .filter(|(event, _)| on.contains(event))
        .collect();
    if !subscribed.is_empty() {
        for id in &channel_ids {
            // A channel deleted meanwhile is gone from the job too.
            let Some(channel) = channels::get(&tx, *id)? else {
                continue;
            };
            for (event, reason) in &subscribed {
                let reason = match reason {
                    Some(reason) => Some(reason.clone()),
                    None if !channel.enabled => Some("the channel is disabled".to_string()),
                    None => None,
                };
                let delivery_id = deliveries::insert(
                    &tx,
                    &NewDelivery {
                        run_id: Some(run_id),
                        job_id: Some(job_id),
                        channel_id: Some(channel.id),
                        kind: channel.kind.as_str(),
                        event: event.as_str(),
                        status: if reason.is_some() {
                            "suppressed"
                        } else {
                            "pending"
                        },
                        error: reason.as_deref(),
                        at: now,
                    },
                )?;
                if reason.is_some() {
                    suppressed.push(channel.kind.as_str());
                } else {
                    outgoing.push(Outgoing {
                        delivery_id,
                        event: *event,
                        target: Target::Channel(channel.clone()),
                    });
                }
            }
        }
    }
    if let (Some(kind), Some(url)) = (ping, &job.ping_url) {
        let event = match kind {
            Ping::Start => Event::Start,
            Ping::Success => Event::Success,
            Ping::Fail => Event::Failure,
        };
        let delivery_id = deliveries::insert(
            &tx,
            &NewDelivery {
                run_id: Some(run_id),
                job_id: Some(job_id),
                channel_id: None,
                kind: "ping",
                event: event.as_str(),
                status: "pending",
                error: None,
                at: now,
            },
        )?;
        outgoing.push(Outgoing {
            delivery_id,
            event,
            target: Target::Ping(url.clone(), kind),
        });
    }
    tx.commit()?;
    Ok(Some(Plan {
        job,
        run: Some(run),
        outgoing,
        suppressed,
    }))
}
