//! SQL for jobs.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::model::{CatchUp, Job, JobFields, JobLimits, LastRun, Overlap, UsageTotals};
use crate::time::{Millis, to_rfc3339};

const COLUMNS: &str = "id, title, type, body, schedule, enabled, cwd, env, timeout_ms, ai, overlap, catch_up, created_at, updated_at, anchor_at, managed_as,
    retry, stall_timeout_ms, long_run_ms, notify, ping_url,
    executor_options,
    (SELECT json_group_array(tag ORDER BY pos) FROM job_tags WHERE job_id = jobs.id)";

fn json_col<T: serde::de::DeserializeOwned>(row: &Row, index: usize) -> rusqlite::Result<T> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn from_row(row: &Row) -> rusqlite::Result<Job> {
    let ai: Option<String> = row.get(9)?;
    Ok(Job {
        id: row.get(0)?,
        title: row.get(1)?,
        job_type: row.get(2)?,
        body: row.get(3)?,
        schedule: json_col(row, 4)?,
        enabled: row.get(5)?,
        cwd: row.get(6)?,
        env: json_col(row, 7)?,
        timeout_ms: row.get(8)?,
        ai: ai.and_then(|text| serde_json::from_str(&text).ok()),
        overlap: Overlap::parse(&row.get::<_, String>(10)?).unwrap_or(Overlap::Queue),
        catch_up: CatchUp::parse(&row.get::<_, String>(11)?).unwrap_or_default(),
        created_at: row.get(12)?,
        updated_at: row.get(13)?,
        anchor_at: row.get(14)?,
        managed_as: row.get(15)?,
        limits: JobLimits {
            retry: row
                .get::<_, Option<String>>(16)?
                .and_then(|text| serde_json::from_str(&text).ok()),
            stall_timeout_ms: row.get(17)?,
            long_run_ms: row.get(18)?,
        },
        notify: row
            .get::<_, Option<String>>(19)?
            .and_then(|text| serde_json::from_str(&text).ok()),
        ping_url: row.get(20)?,
        executor_options: json_col(row, 21)?,
        tags: json_col(row, 22)?,
    })
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("job fields serialize")
}

/// Runs `write` as one unit (a savepoint: works inside or outside a
/// transaction), so a job and its tags change together or not at all.
fn atomically<T>(
    conn: &Connection,
    write: impl FnOnce() -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.execute_batch("SAVEPOINT job_write")?;
    match write() {
        Ok(value) => {
            conn.execute_batch("RELEASE job_write")?;
            Ok(value)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK TO job_write; RELEASE job_write");
            Err(e)
        }
    }
}

fn write_tags(conn: &Connection, id: i64, tags: &[String]) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM job_tags WHERE job_id = ?1")?
        .execute([id])?;
    let mut insert =
        conn.prepare_cached("INSERT INTO job_tags (job_id, pos, tag) VALUES (?1, ?2, ?3)")?;
    for (pos, tag) in tags.iter().enumerate() {
        insert.execute(params![id, pos as i64, tag])?;
    }
    Ok(())
}

pub fn insert(conn: &Connection, fields: &JobFields, now: Millis) -> rusqlite::Result<Job> {
    let id = atomically(conn, || {
        insert_row(conn, fields, now)?;
        let id = conn.last_insert_rowid();
        write_tags(conn, id, &fields.tags)?;
        Ok(id)
    })?;
    get(conn, id).map(|job| job.expect("just inserted"))
}

fn insert_row(conn: &Connection, fields: &JobFields, now: Millis) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO jobs (title, type, body, schedule, enabled, cwd, env, timeout_ms, ai, overlap, catch_up,
                           created_at, updated_at, anchor_at, managed_as, retry, stall_timeout_ms, long_run_ms,
                           notify, ping_url, executor_options)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
        params![
            fields.title,
            fields.job_type,
            fields.body,
            to_json(&fields.schedule),
            fields.enabled,
            fields.cwd,
            to_json(&fields.env),
            fields.timeout_ms,
            fields.ai.as_ref().map(to_json),
            fields.overlap.as_str(),
            fields.catch_up.as_str(),
            now,
            fields.managed_as,
            fields.limits.retry.as_ref().map(to_json),
            fields.limits.stall_timeout_ms,
            fields.limits.long_run_ms,
            fields.notify.as_ref().map(to_json),
            fields.ping_url,
            to_json(&fields.executor_options),
        ],
    )?;
    Ok(())
}

/// Replaces the writable fields; `anchor_at` moves to `now` when
/// `reanchor` (schedule changed or job re-enabled).
pub fn update(
    conn: &Connection,
    id: i64,
    fields: &JobFields,
    now: Millis,
    reanchor: bool,
) -> rusqlite::Result<Option<Job>> {
    atomically(conn, || {
        if update_row(conn, id, fields, now, reanchor)? > 0 {
            write_tags(conn, id, &fields.tags)?;
        }
        Ok(())
    })?;
    get(conn, id)
}

fn update_row(
    conn: &Connection,
    id: i64,
    fields: &JobFields,
    now: Millis,
    reanchor: bool,
) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE jobs SET title = ?2, type = ?3, body = ?4, schedule = ?5, enabled = ?6, cwd = ?7, env = ?8,
                         timeout_ms = ?9, ai = ?10, overlap = ?11, catch_up = ?12, updated_at = ?13,
                         anchor_at = CASE WHEN ?14 THEN ?13 ELSE anchor_at END, managed_as = ?15,
                         retry = ?16, stall_timeout_ms = ?17, long_run_ms = ?18,
                         notify = ?19, ping_url = ?20,
                         executor_options = ?21
         WHERE id = ?1",
        params![
            id,
            fields.title,
            fields.job_type,
            fields.body,
            to_json(&fields.schedule),
            fields.enabled,
            fields.cwd,
            to_json(&fields.env),
            fields.timeout_ms,
            fields.ai.as_ref().map(to_json),
            fields.overlap.as_str(),
            fields.catch_up.as_str(),
            now,
            reanchor,
            fields.managed_as,
            fields.limits.retry.as_ref().map(to_json),
            fields.limits.stall_timeout_ms,
            fields.limits.long_run_ms,
            fields.notify.as_ref().map(to_json),
            fields.ping_url,
            to_json(&fields.executor_options),
        ],
    )
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<Job>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
}

/// Which jobs `list` returns; `tags` empty = any, else jobs with every one.
#[derive(Debug, Default)]
pub struct JobFilter {
    pub enabled: Option<bool>,
    pub job_type: Option<String>,
    pub tags: Vec<String>,
}

pub fn list(conn: &Connection, filter: &JobFilter) -> rusqlite::Result<Vec<Job>> {
    // The tag filter reads the (tag, job_id) index: one range per tag,
    // counted per job, so a job must carry all of them.
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM jobs
         WHERE (?1 IS NULL OR enabled = ?1) AND (?2 IS NULL OR type = ?2)
           AND (?3 = 0 OR id IN (SELECT job_id FROM job_tags
                                 WHERE tag IN (SELECT value FROM json_each(?4))
                                 GROUP BY job_id HAVING COUNT(*) = ?3))
         ORDER BY id"
    ))?;
    stmt.query_map(
        params![
            filter.enabled,
            filter.job_type,
            filter.tags.len() as i64,
            to_json(&filter.tags)
        ],
        from_row,
    )?
    .collect()
}

/// `(id, title)` of the enabled jobs.
pub fn enabled_titles(conn: &Connection) -> rusqlite::Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare_cached("SELECT id, title FROM jobs WHERE enabled = 1")?;
    stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect()
}

pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COUNT(*) FROM jobs", [], |row| row.get(0))
}

/// Deletes the job; its runs go with it (foreign key cascade).
pub fn delete(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    Ok(conn.execute("DELETE FROM jobs WHERE id = ?1", [id])? > 0)
}

/// Marks occurrences up to `anchor` as handled; `disable` for fired once-jobs.
pub fn record_fire(
    conn: &Connection,
    id: i64,
    anchor: Millis,
    disable: bool,
    now: Millis,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE jobs SET anchor_at = MAX(anchor_at, ?2),
                         enabled = CASE WHEN ?3 THEN 0 ELSE enabled END,
                         updated_at = CASE WHEN ?3 THEN ?4 ELSE updated_at END
         WHERE id = ?1",
        params![id, anchor, disable, now],
    )?;
    Ok(())
}

/// The newest finished run of a job.
pub fn last_run(conn: &Connection, job_id: i64) -> rusqlite::Result<Option<LastRun>> {
    conn.prepare_cached(
        "SELECT id, status, finished_at FROM runs
         WHERE job_id = ?1 AND status NOT IN ('queued', 'running') ORDER BY id DESC LIMIT 1",
    )?
    .query_row([job_id], |row| {
        Ok(LastRun {
            id: row.get(0)?,
            status: row.get(1)?,
            finished_at: row.get::<_, Option<i64>>(2)?.map(to_rfc3339),
        })
    })
    .optional()
}

/// Token and cost totals over the job's kept runs that reported usage.
pub fn usage_totals(conn: &Connection, job_id: i64) -> rusqlite::Result<Option<UsageTotals>> {
    conn.prepare_cached(
        "SELECT COUNT(*), COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0), SUM(cost_usd)
         FROM runs WHERE job_id = ?1 AND usage IS NOT NULL",
    )?
    .query_row([job_id], |row| {
        let runs: i64 = row.get(0)?;
        Ok((runs > 0).then(|| UsageTotals {
            runs,
            input_tokens: row.get(1).unwrap_or(0),
            output_tokens: row.get(2).unwrap_or(0),
            cost_usd: row.get(3).unwrap_or(None),
        }))
    })
}

/// Replaces a job's `notify` (when a channel it names is deleted).
pub fn set_notify(
    conn: &Connection,
    id: i64,
    notify: Option<&crate::model::NotifySettings>,
    now: Millis,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE jobs SET notify = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, notify.map(to_json), now],
    )?;
    Ok(())
}
