//! Channel operations: create, change, delete (taking the channel out of
//! every job and of `defaultNotifyChannels`, so no job points at nothing),
//! the API view with the jobs that use it, and the test message.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::app::App;
use crate::db::{DbError, channels, jobs};
use crate::model::Job;
use crate::notify::channel::{self, Channel};
use crate::time::now_ms;
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("channel {0} not found")]
    NotFound(i64),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    Preferences(String),
}

/// The channel as the API shows it, with `usedBy` (the jobs naming it)
/// and `default` (whether it is in `defaultNotifyChannels`).
fn view(app: &App, channel: &Channel, all_jobs: &[Job]) -> Value {
    let mut out = channel.to_json();
    let used_by: Vec<Value> = all_jobs
        .iter()
        .filter(|job| uses(job, channel.id))
        .map(|job| json!({"id": job.id, "title": job.title}))
        .collect();
    out["usedBy"] = Value::Array(used_by);
    out["default"] = Value::Bool(app.prefs().default_notify_channels.contains(&channel.id));
    out
}

fn uses(job: &Job, channel_id: i64) -> bool {
    job.notify
        .as_ref()
        .is_some_and(|n| n.channels.contains(&channel_id))
}

pub async fn list(app: &App) -> Result<Vec<Value>, DbError> {
    let (list, all_jobs) = app
        .db
        .call(|c| Ok((channels::list(c)?, jobs::list(c, &Default::default())?)))
        .await?;
    Ok(list.iter().map(|ch| view(app, ch, &all_jobs)).collect())
}

async fn load(app: &App, id: i64) -> Result<(Channel, Vec<Job>), ChannelError> {
    let (channel, all_jobs) = app
        .db
        .call(move |c| Ok((channels::get(c, id)?, jobs::list(c, &Default::default())?)))
        .await?;
    Ok((channel.ok_or(ChannelError::NotFound(id))?, all_jobs))
}

pub async fn get(app: &App, id: i64) -> Result<Value, ChannelError> {
    let (channel, all_jobs) = load(app, id).await?;
    Ok(view(app, &channel, &all_jobs))
}

pub async fn create(app: &App, body: &Value) -> Result<Value, ChannelError> {
    let new = channel::parse_create(body)?;
    let now = now_ms();
    let channel = app
        .db
        .call(move |c| channels::insert(c, &new.name, new.kind, &new.config, new.enabled, now))
        .await?;
    Ok(view(app, &channel, &[]))
}

pub async fn update(app: &App, id: i64, body: &Value) -> Result<Value, ChannelError> {
    let (existing, all_jobs) = load(app, id).await?;
    let channel = channel::parse_patch(&existing, body)?;
    let now = now_ms();
    let stored = channel.clone();
    app.db
        .call(move |c| channels::update(c, &stored, now))
        .await?;
    let (channel, _) = load(app, channel.id).await?;
    Ok(view(app, &channel, &all_jobs))
}

/// Deletes the channel and takes it out of the jobs and preferences that
/// name it (their other channels stay).
pub async fn delete(app: &Arc<App>, id: i64) -> Result<(), ChannelError> {
    let now = now_ms();
    let changed = app
        .db
        .call(move |c| {
            let tx = crate::db::write_tx(c)?;
            if !channels::delete(&tx, id)? {
                return Ok(None);
            }
            let mut changed = Vec::new();
            for mut job in jobs::list(&tx, &Default::default())? {
                if let Some(notify) = job.notify.as_mut().filter(|n| n.channels.contains(&id)) {
                    notify.channels.retain(|c| *c != id);
                    jobs::set_notify(&tx, job.id, job.notify.as_ref(), now)?;
                    changed.push(job.id);
                }
            }
            tx.commit()?;
            Ok(Some(changed))
        })
        .await?
        .ok_or(ChannelError::NotFound(id))?;
    for job_id in changed {
        crate::service::publish::refresh_job(app, job_id).await;
    }
    let _one_writer = app.prefs_write.lock().await;
    let prefs = app.prefs();
    if prefs.default_notify_channels.contains(&id) {
        let mut prefs = prefs;
        prefs.default_notify_channels.retain(|c| *c != id);
        let path = app.config.preferences_path();
        let to_save = prefs.clone();
        tokio::task::spawn_blocking(move || to_save.save(&path))
            .await
            .map_err(|e| ChannelError::Preferences(e.to_string()))?
            .map_err(|e| ChannelError::Preferences(format!("{e:#}")))?;
        app.set_prefs(prefs);
    }
    Ok(())
}

/// Sends a test message now (one attempt) and returns its delivery.
pub async fn test(app: &Arc<App>, id: i64) -> Result<crate::notify::Delivery, ChannelError> {
    let (channel, _) = load(app, id).await?;
    Ok(crate::notify::send_test(app, channel).await?)
}
