//! Sending: each pending delivery in a task of its own (so nothing waits
//! on a slow receiver), up to [`TRIES`] attempts with backoff, every
//! attempt written to its row; the row ends `sent` only when the receiver
//! accepted the message, else `failed` with the last error.

use std::sync::Arc;
use std::time::Duration;

use super::channel::{Channel, ChannelKind};
use super::decide::{Outgoing, Plan, Target};
use super::message::{Message, log_tail};
use super::{Delivery, Event, command, email, http};
use crate::app::App;
use crate::db::DbError;
use crate::db::deliveries::{self, NewDelivery};
use crate::runner::logfile::log_path;
use crate::time::now_ms;

/// Attempts per delivery.
pub const TRIES: u32 = 3;
/// The wait before the second and the third attempt.
const BACKOFF: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(3)];

fn base_url(app: &App) -> String {
    crate::dashboard_url(&app.config, app.port(), None)
}

pub fn spawn(app: &Arc<App>, plan: Plan) {
    if plan.outgoing.is_empty() {
        return;
    }
    let app = app.clone();
    tokio::spawn(async move {
        let tail = match &plan.run {
            Some(run) => {
                let path = log_path(&app.config.logs_dir(), run.job_id, run.id);
                tokio::task::spawn_blocking(move || log_tail(&path))
                    .await
                    .unwrap_or_default()
            }
            None => String::new(),
        };
        let base = base_url(&app);
        for Outgoing {
            delivery_id,
            event,
            target,
        } in plan.outgoing
        {
            let message = Message::new(event, &plan.job, plan.run.clone(), tail.clone(), &base);
            tokio::spawn(deliver(app.clone(), delivery_id, target, message, TRIES));
        }
    });
}

/// Tries to deliver, recording each attempt; returns the final status.
async fn deliver(
    app: Arc<App>,
    delivery_id: i64,
    target: Target,
    message: Message,
    tries: u32,
) -> &'static str {
    let kind = target.kind();
    let target = Arc::new(target);
    let message = Arc::new(message);
    for attempt in 1..=tries {
        let result = send_once(target.clone(), message.clone()).await;
        let last = attempt == tries;
        let (status, error) = match &result {
            Ok(()) => ("sent", None),
            Err(e) if last => ("failed", Some(e.clone())),
            Err(e) => ("pending", Some(e.clone())),
        };
        let now = now_ms();
        let recorded = app
            .db
            .call(move |c| {
                deliveries::record_attempt(c, delivery_id, attempt, status, error.as_deref(), now)
            })
            .await;
        if let Err(e) = recorded {
            eprintln!("backbeat: delivery {delivery_id}: could not record it: {e}");
        }
        if status != "pending" {
            app.metrics.delivery(kind, status);
            return status;
        }
        tokio::select! {
            _ = tokio::time::sleep(BACKOFF[(attempt as usize - 1).min(BACKOFF.len() - 1)]) => {}
            // Left `pending`: the next start marks it failed.
            _ = app.shutdown.cancelled() => return "pending",
        }
    }
    "failed"
}

async fn send_once(target: Arc<Target>, message: Arc<Message>) -> Result<(), String> {
    if let Target::Channel(channel) = &*target
        && channel.kind == ChannelKind::Command
    {
        let command = channel.str("command").unwrap_or_default().to_string();
        return command::run(&command, &message).await;
    }
    tokio::task::spawn_blocking(move || match &*target {
        Target::Channel(channel) => match channel.kind {
            ChannelKind::Webhook => http::webhook(channel, &message),
            ChannelKind::Ntfy => http::ntfy(channel, &message),
            ChannelKind::Email => email::send(channel, &message),
            ChannelKind::Command => unreachable!("handled above"),
        },
        Target::Ping(url, kind) => http::ping(url, *kind, &message.log_tail),
    })
    .await
    .unwrap_or_else(|e| Err(format!("delivery task failed: {e}")))
}

/// `POST /api/channels/{id}/test`: one attempt now, recorded like any
/// delivery (without a run), and its row.
pub async fn send_test(app: &Arc<App>, channel: Channel) -> Result<Delivery, DbError> {
    let (channel_id, kind) = (channel.id, channel.kind.as_str());
    let now = now_ms();
    let delivery_id = app
        .db
        .call(move |c| {
            deliveries::insert(
                c,
                &NewDelivery {
                    run_id: None,
                    job_id: None,
                    channel_id: Some(channel_id),
                    kind,
                    event: Event::Test.as_str(),
                    status: "pending",
                    error: None,
                    at: now,
                },
            )
        })
        .await?;
    let message = Message::test(&base_url(app));
    deliver(
        app.clone(),
        delivery_id,
        Target::Channel(channel),
        message,
        1,
    )
    .await;
    let row = app
        .db
        .call(move |c| deliveries::get(c, delivery_id))
        .await?;
    Ok(row.expect("just recorded"))
}
