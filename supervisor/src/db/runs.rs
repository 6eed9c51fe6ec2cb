//! SQL for runs: insert, status changes, retention, and what crash
//! recovery needs (history pages are in `history.rs`).

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::model::{AiReport, Run, RunStatus, Trigger, Usage};
use crate::time::Millis;

pub(super) const COLUMNS: &str =
    "r.id, r.job_id, j.title, r.status, r.trigger, r.executor, r.scheduled_for, r.queued_at,
    r.started_at, r.finished_at, r.exit_code, r.error, r.log_bytes, r.usage,
    r.attempt, r.retry_of, r.not_before, r.retry_at, r.summary, r.quiet, r.error_kind, r.session_id";

pub(super) fn from_row(row: &Row) -> rusqlite::Result<Run> {
    let usage: Option<String> = row.get(13)?;
    Ok(Run {
        id: row.get(0)?,
        job_id: row.get(1)?,
        job_title: row.get(2)?,
        status: RunStatus::parse(&row.get::<_, String>(3)?).unwrap_or(RunStatus::Failure),
        trigger: Trigger::parse(&row.get::<_, String>(4)?).unwrap_or(Trigger::Manual),
        executor: row.get(5)?,
        scheduled_for: row.get(6)?,
        queued_at: row.get(7)?,
        started_at: row.get(8)?,
        finished_at: row.get(9)?,
        exit_code: row.get(10)?,
        error: row.get(11)?,
        log_bytes: row.get(12)?,
        usage: usage.and_then(|text| serde_json::from_str(&text).ok()),
        attempt: row.get(14)?,
        retry_of: row.get(15)?,
        not_before: row.get(16)?,
        retry_at: row.get(17)?,
        ai: AiReport {
            summary: row.get(18)?,
            quiet: row.get(19)?,
            error_kind: row.get(20)?,
            session_id: row.get(21)?,
        },
    })
}

/// A run to insert.
pub struct NewRun<'a> {
    pub job_id: i64,
    pub status: RunStatus,
    pub trigger: Trigger,
    pub scheduled_for: Option<Millis>,
    pub now: Millis,
    pub env: Option<&'a BTreeMap<String, String>>,
    pub error: Option<&'a str>,
    pub retry: Option<RetryLink>,
}

/// Where a retry sits in its chain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryLink {
    pub attempt: i64,
    pub retry_of: i64,
    pub not_before: Millis,
}

pub fn insert(conn: &Connection, run: &NewRun) -> rusqlite::Result<i64> {
    let finished = run.status.is_finished().then_some(run.now);
    conn.prepare_cached(
        "INSERT INTO runs (job_id, status, trigger, scheduled_for, queued_at, finished_at, env, error,
                           attempt, retry_of, not_before)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        run.job_id,
        run.status.as_str(),
        run.trigger.as_str(),
        run.scheduled_for,
        run.now,
        finished,
        run.env.map(|env| serde_json::to_string(env).expect("env serializes")),
        run.error,
        run.retry.map_or(1, |r| r.attempt),
        run.retry.map(|r| r.retry_of),
        run.retry.map(|r| r.not_before),
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<Run>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM runs r JOIN jobs j ON j.id = r.job_id WHERE r.id = ?1"
    ))?
    .query_row([id], from_row)
    .optional()
}

/// The per-run env overrides given to "run now".
pub fn env_overrides(conn: &Connection, id: i64) -> rusqlite::Result<BTreeMap<String, String>> {
    let text: Option<String> = conn
        .query_row("SELECT env FROM runs WHERE id = ?1", [id], |row| row.get(0))
        .optional()?
        .flatten();
    Ok(text
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default())
}

/// Process identity recorded when a run starts, for crash recovery.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessRecord {
    pub pid: i64,
    pub start_ticks: Option<i64>,
    pub boot_id: Option<String>,
}

/// Marks a queued run running (a no-op once it has finished: marking may
/// be retried late, after the outcome was written).
pub fn mark_running(
    conn: &Connection,
    id: i64,
    started_at: Millis,
    executor: &str,
    process: &ProcessRecord,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE runs SET status = 'running', started_at = ?2, executor = ?3, pid = ?4, pid_start = ?5, boot_id = ?6
         WHERE id = ?1 AND status = 'queued'",
    )?
    .execute(params![id, started_at, executor, process.pid, process.start_ticks, process.boot_id])?;
    Ok(())
}

/// The final state of a run.
pub struct Outcome<'a> {
    pub status: RunStatus,
    pub executor: Option<&'a str>,
    /// Kept if already set (by `mark_running`).
    pub started_at: Option<Millis>,
    pub finished_at: Millis,
    pub exit_code: Option<i32>,
    pub error: Option<&'a str>,
    pub log_bytes: i64,
    pub usage: Option<&'a Usage>,
    /// When a rate limit the run hit resets.
    pub retry_at: Option<Millis>,
    pub ai: &'a AiReport,
}

pub fn finish(conn: &Connection, id: i64, outcome: &Outcome) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE runs SET status = ?2, finished_at = ?3, exit_code = ?4, error = ?5, log_bytes = ?6,
                         input_tokens = ?7, output_tokens = ?8, cost_usd = ?9, usage = ?10,
                         executor = COALESCE(?11, executor), pid = NULL,
                         started_at = COALESCE(started_at, ?12), retry_at = ?13,
                         summary = ?14, quiet = ?15, error_kind = ?16, session_id = ?17
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        outcome.status.as_str(),
        outcome.finished_at,
        outcome.exit_code,
        outcome.error,
        outcome.log_bytes,
        outcome.usage.map(|u| u.input_tokens),
        outcome.usage.map(|u| u.output_tokens),
        outcome.usage.and_then(|u| u.cost_usd),
        outcome
            .usage
            .map(|u| serde_json::to_string(u).expect("usage serializes")),
        outcome.executor,
        outcome.started_at,
        outcome.retry_at,
        outcome.ai.summary,
        outcome.ai.quiet,
        outcome.ai.error_kind,
        outcome.ai.session_id,
    ])?;
    Ok(())
}

/// The session id of the job's latest successful run that reported one
/// (what `ai.session: "continue"` resumes).
pub fn last_session_id(conn: &Connection, job_id: i64) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT session_id FROM runs
         WHERE job_id = ?1 AND status = 'success' AND session_id IS NOT NULL
         ORDER BY id DESC LIMIT 1",
    )?
    .query_row(params![job_id], |row| row.get(0))
    .optional()
}

/// Deletes all but the newest `keep` finished runs of a job (queued and
/// running ones are neither counted nor deleted); returns the deleted run
/// ids so their logs can go too.
pub fn apply_retention(conn: &Connection, job_id: i64, keep: i64) -> rusqlite::Result<Vec<i64>> {
    let cutoff: Option<i64> = conn
        .prepare_cached(
            "SELECT id FROM runs WHERE job_id = ?1 AND status NOT IN ('queued', 'running')
             ORDER BY id DESC LIMIT 1 OFFSET ?2",
        )?
        .query_row(params![job_id, keep - 1], |row| row.get(0))
        .optional()?;
    let Some(cutoff) = cutoff else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(
        "DELETE FROM runs WHERE job_id = ?1 AND id < ?2 AND status NOT IN ('queued', 'running') RETURNING id",
    )?;
    stmt.query_map(params![job_id, cutoff], |row| row.get(0))?
        .collect()
}

/// The newest finished run of a job before run `before`: its id and error
/// (the `budget` notification is told once per streak of budget drops).
pub fn previous_finished(
    conn: &Connection,
    job_id: i64,
    before: i64,
) -> rusqlite::Result<Option<(i64, Option<String>)>> {
    conn.prepare_cached(
        "SELECT id, error FROM runs WHERE job_id = ?1 AND id < ?2 AND status NOT IN ('queued', 'running')
         ORDER BY id DESC LIMIT 1",
    )?
    .query_row(params![job_id, before], |row| Ok((row.get(0)?, row.get(1)?)))
    .optional()
}

/// A run waiting in the store, as start-up re-queues it.
pub struct QueuedRun {
    pub id: i64,
    pub job_id: i64,
    pub trigger: Trigger,
    pub not_before: Option<Millis>,
}

/// Queued runs, oldest first (re-queued at start-up).
pub fn queued(conn: &Connection) -> rusqlite::Result<Vec<QueuedRun>> {
    let mut stmt = conn.prepare(
        "SELECT id, job_id, trigger, not_before FROM runs WHERE status = 'queued' ORDER BY id",
    )?;
    stmt.query_map([], |row| {
        Ok(QueuedRun {
            id: row.get(0)?,
            job_id: row.get(1)?,
            trigger: Trigger::parse(&row.get::<_, String>(2)?).unwrap_or(Trigger::Manual),
            not_before: row.get(3)?,
        })
    })?
    .collect()
}

/// Runs a previous supervisor left `running`, with their process records.
pub fn left_running(conn: &Connection) -> rusqlite::Result<Vec<(i64, i64, Option<ProcessRecord>)>> {
    let mut stmt = conn
        .prepare("SELECT id, job_id, pid, pid_start, boot_id FROM runs WHERE status = 'running'")?;
    stmt.query_map([], |row| {
        let pid: Option<i64> = row.get(2)?;
        Ok((
            row.get(0)?,
            row.get(1)?,
            pid.map(|pid| ProcessRecord {
                pid,
                start_ticks: row.get(3).ok().flatten(),
                boot_id: row.get(4).ok().flatten(),
            }),
        ))
    })?
    .collect()
}
