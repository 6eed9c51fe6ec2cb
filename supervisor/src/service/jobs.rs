//! Job operations: create, change (PATCH merge), delete (stopping its runs
//! and removing its logs), and the API view with next/last run, usage and
//! what it spent in the last 24 h.

use std::sync::Arc;

use serde_json::Value;

use super::publish::publish_job;
use crate::app::App;
use crate::db::{DbError, jobs};
use crate::events::Event;
use crate::model::executor_options;
use crate::model::{Job, JobFields, JobView, ValidationContext};
use crate::time::now_ms;
use crate::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("job {0} not found")]
    NotFound(i64),
    #[error(transparent)]
    Db(#[from] DbError),
}

async fn with_context<R>(app: &App, f: impl FnOnce(&ValidationContext) -> R) -> Result<R, DbError> {
    let channel_ids = app.db.call(|c| crate::db::channels::ids(c)).await?;
    let prefs = app.prefs();
    let exists = |binary: &str| app.registry.find(binary).is_some();
    Ok(f(&ValidationContext {
        now: now_ms(),
        prefs: &prefs,
        executor_exists: &exists,
        channel_ids: &channel_ids,
    }))
}

/// A delete that could not be written (a full disk): the job stays, so it
/// goes back into the plan and its queued runs back into the queue —
/// none may be left queued with nothing to start it.
async fn restore(app: &Arc<App>, job: &Job) {
    app.plan(job, now_ms());
    let queued = app.db.call(|c| crate::db::runs::queued(c)).await;
    for queued in queued.unwrap_or_default() {
        if queued.job_id == job.id && !app.queue.is_running(queued.id) {
            let waiting = crate::runner::queue::waiting_for(job, queued.trigger);
            app.queue
                .enqueue(queued.id, waiting.not_before(queued.not_before));
            if let Some(at) = queued.not_before {
                crate::runner::dispatch::dispatch_at(app, at);
            }
        }
    }
    crate::runner::dispatch::dispatch(app);
}

/// The API view of jobs (one store round trip for all of them).
pub async fn views(app: &App, jobs: Vec<Job>) -> Result<Vec<JobView>, DbError> {
    let ids: Vec<i64> = jobs.iter().map(|j| j.id).collect();
    let since = now_ms() - crate::service::budget::WINDOW_MS;
    let extras = app
        .db
        .call(move |c| {
            ids.iter()
                .map(|&id| {
                    Ok((
                        jobs::last_run(c, id)?,
                        jobs::usage_totals(c, id)?,
                        crate::db::spend::of_job(c, id, since)?.0,
                    ))
                })
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .await?;
    let plan = app.schedule();
    Ok(jobs
        .into_iter()
        .zip(extras)
        .map(|(job, (last, usage, spent_today))| {
            let next = plan.next_run_at(job.id);
            JobView {
                spent_today_usd: spent_today,
                ..JobView::new(job, next, last, usage)
            }
        })
        .collect())
}

pub async fn view(app: &App, job: Job) -> Result<JobView, DbError> {
    Ok(views(app, vec![job]).await?.remove(0))
}

pub async fn get(app: &App, id: i64) -> Result<JobView, JobError> {
    let job = app
        .db
        .call(move |c| jobs::get(c, id))
        .await?
        .ok_or(JobError::NotFound(id))?;
    Ok(view(app, job).await?)
}

/// Checks `executorOptions` against the `optionsSchema` the job's
/// executor describes now (no schema: anything is passed through; an
/// executor that does not answer `--describe` cannot be checked).
async fn check_executor_options(app: &App, fields: &JobFields) -> Result<(), Invalid> {
    let binary = crate::runner::registry::runner_binary_for(
        &fields.job_type,
        fields.ai.as_ref(),
        &app.prefs(),
    );
    let schema = app
        .registry
        .describe(&binary)
        .await
        .and_then(|d| d.options_schema);
    match schema {
        Some(schema) => executor_options::check(&fields.executor_options, &schema, &binary),
        None => Ok(()),
    }
}

pub async fn create(app: &Arc<App>, body: &Value) -> Result<JobView, JobError> {
    let fields = with_context(app, |ctx| JobFields::parse_create(body, ctx)).await??;
    check_executor_options(app, &fields).await?;
    let now = now_ms();
    let job = app.db.call(move |c| jobs::insert(c, &fields, now)).await?;
    app.plan(&job, now);
    let view = view(app, job).await?;
    publish_job(app, &view);
    Ok(view)
}

pub async fn update(app: &Arc<App>, id: i64, body: &Value) -> Result<JobView, JobError> {
    let existing = app
        .db
        .call(move |c| jobs::get(c, id))
        .await?
        .ok_or(JobError::NotFound(id))?;
    let fields = with_context(app, |ctx| JobFields::parse_patch(&existing, body, ctx)).await??;
    let executor_changed = fields.job_type != existing.job_type
        || fields.ai.as_ref().and_then(|a| a.mode.as_ref())
            != existing.ai.as_ref().and_then(|a| a.mode.as_ref());
    if executor_changed || fields.executor_options != existing.executor_options {
        check_executor_options(app, &fields).await?;
    }
    let reanchor = fields.schedule != existing.schedule || (fields.enabled && !existing.enabled);
    let now = now_ms();
    let job = app
        .db
        .call(move |c| jobs::update(c, id, &fields, now, reanchor))
        .await?
        .ok_or(JobError::NotFound(id))?;
    app.plan(&job, now);
    let view = view(app, job).await?;
    publish_job(app, &view);
    Ok(view)
}

/// Deletes a job: its queued runs are forgotten, running ones stopped (the
/// process group is killed), then the rows and log files go.
pub async fn delete(app: &Arc<App>, id: i64) -> Result<(), JobError> {
    let Some(job) = app.db.call(move |c| jobs::get(c, id)).await? else {
        return Err(JobError::NotFound(id));
    };
    app.schedule().remove(id);
    let running = app.queue.forget_job(id);
    // Let stopping runs end (SIGKILL comes after the grace) before their
    // rows and logs go.
    let grace_ms = app.prefs().stop_grace_ms.max(0) as u64 + 2000;
    for _ in 0..grace_ms / 20 {
        if running
            .iter()
            .all(|run| app.live_logs.watch(*run).is_none())
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let deleted = match app.db.call(move |c| jobs::delete(c, id)).await {
        Ok(deleted) => deleted,
        Err(e) => {
            restore(app, &job).await;
            return Err(e.into());
        }
    };
    if !deleted {
        return Err(JobError::NotFound(id));
    }
    let dir = app.config.logs_dir().join(id.to_string());
    let _ = tokio::fs::remove_dir_all(dir).await;
    app.events.publish(Event::JobDeleted(id));
    Ok(())
}
