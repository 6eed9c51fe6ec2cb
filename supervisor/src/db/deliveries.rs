//! SQL for notification deliveries (one row per channel and event, from
//! `pending` to `sent` or `failed`, or `suppressed` at once) and for each
//! job's failure streak.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::notify::Delivery;
use crate::time::{Millis, to_rfc3339};

pub struct NewDelivery<'a> {
    pub run_id: Option<i64>,
    pub job_id: Option<i64>,
    pub channel_id: Option<i64>,
    pub kind: &'a str,
    pub event: &'a str,
    pub status: &'a str,
    pub error: Option<&'a str>,
    pub at: Millis,
}

pub fn insert(conn: &Connection, d: &NewDelivery) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO deliveries (run_id, job_id, channel_id, kind, event, status, attempts, error, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8)",
        params![
            d.run_id,
            d.job_id,
            d.channel_id,
            d.kind,
            d.event,
            d.status,
            d.error,
            d.at
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Records one attempt; `status` is `pending` while tries remain.
pub fn record_attempt(
    conn: &Connection,
    id: i64,
    attempts: u32,
    status: &str,
    error: Option<&str>,
    at: Millis,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE deliveries SET attempts = ?2, status = ?3, error = ?4, at = ?5 WHERE id = ?1",
        params![id, attempts, status, error, at],
    )?;
    Ok(())
}

fn from_row(row: &Row) -> rusqlite::Result<Delivery> {
    Ok(Delivery {
        id: row.get(0)?,
        run_id: row.get(1)?,
        channel_id: row.get(2)?,
        kind: row.get(3)?,
        event: row.get(4)?,
        status: row.get(5)?,
        attempts: row.get(6)?,
        error: row.get(7)?,
        at: to_rfc3339(row.get(8)?),
    })
}

pub fn for_run(conn: &Connection, run_id: i64) -> rusqlite::Result<Vec<Delivery>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, run_id, channel_id, kind, event, status, attempts, error, at
         FROM deliveries WHERE run_id = ?1 ORDER BY id",
    )?;
    stmt.query_map([run_id], from_row)?.collect()
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<Delivery>> {
    conn.query_row(
        "SELECT id, run_id, channel_id, kind, event, status, attempts, error, at
         FROM deliveries WHERE id = ?1",
        [id],
        from_row,
    )
    .optional()
}

/// Deliveries a stopped supervisor left in flight become `failed`.
pub fn fail_pending(conn: &Connection, now: Millis) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE deliveries SET status = 'failed',
                error = COALESCE(error || '; ', '') || 'interrupted: supervisor stopped before delivering', at = ?1
         WHERE status = 'pending'",
        [now],
    )
}

/// The length of the job's current failure streak.
pub fn failures(conn: &Connection, job_id: i64) -> rusqlite::Result<i64> {
    Ok(conn
        .query_row(
            "SELECT failures FROM notify_state WHERE job_id = ?1",
            [job_id],
            |row| row.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

pub fn set_failures(conn: &Connection, job_id: i64, failures: i64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO notify_state (job_id, failures) VALUES (?1, ?2)
         ON CONFLICT(job_id) DO UPDATE SET failures = excluded.failures",
        params![job_id, failures],
    )?;
    Ok(())
}
