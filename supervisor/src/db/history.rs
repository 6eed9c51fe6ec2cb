//! SQL for history pages: newest first, keyset-paginated by run id, one
//! index range per status (merged) so every filter stays fast at a million
//! runs; a queue-time window becomes an id window; an error search examines
//! a bounded number of runs per request.

use rusqlite::types::ToSql;
use rusqlite::{Connection, OptionalExtension};

use super::runs::{COLUMNS, from_row};
use crate::model::{Run, RunStatus};
use crate::time::Millis;

/// An error search examines at most this many runs per status per
/// request; a page can then be short (even empty) with `nextBefore` set.
pub const ERROR_SCAN_ROWS: usize = 2000;

#[derive(Debug, Default)]
pub struct HistoryFilter {
    pub job_id: Option<i64>,
    /// Empty = every status.
    pub statuses: Vec<RunStatus>,
    /// Keyset cursor: only runs with a smaller id.
    pub before: Option<i64>,
    /// Only runs queued at or after this time.
    pub queued_from: Option<Millis>,
    /// Only runs queued before this time.
    pub queued_to: Option<Millis>,
    /// Only runs whose error contains this text, ignoring case.
    pub error_contains: Option<String>,
    pub limit: usize,
}

/// Newest first; also returns the cursor for the next page.
pub fn history(
    conn: &Connection,
    filter: &HistoryFilter,
) -> rusqlite::Result<(Vec<Run>, Option<i64>)> {
    let Some((low_id, high_id)) = id_window(conn, filter.queued_from, filter.queued_to)? else {
        return Ok((Vec::new(), None));
    };
    let bounds = Bounds {
        before: filter
            .before
            .unwrap_or(i64::MAX)
            .min(high_id.saturating_add(1)),
        low_id,
        from: filter.queued_from.unwrap_or(i64::MIN),
        to: filter.queued_to.unwrap_or(i64::MAX),
    };
    let fetch = filter.limit + 1;
    let streams: Vec<Option<&str>> = if filter.statuses.is_empty() {
        vec![None]
    } else {
        filter.statuses.iter().map(|s| Some(s.as_str())).collect()
    };
    let mut runs: Vec<Run> = Vec::new();
    // Runs at or above `floor` are complete in every stream; below it, a
    // stream whose error search hit its bound may have more.
    let mut floor: Option<i64> = None;
    for status in streams {
        let stream = Stream {
            job_id: filter.job_id,
            status,
            bounds: &bounds,
        };
        match &filter.error_contains {
            None => runs.extend(stream.page(conn, fetch)?),
            Some(text) => {
                let (found, examined_down_to) = stream.search_errors(conn, text, fetch)?;
                if let Some(id) = examined_down_to {
                    floor = Some(floor.map_or(id, |f: i64| f.max(id)));
                }
                runs.extend(found);
            }
        }
    }
    if let Some(floor) = floor {
        runs.retain(|run| run.id >= floor);
    }
    runs.sort_unstable_by_key(|run| std::cmp::Reverse(run.id));
    let next = if runs.len() > filter.limit {
        runs.truncate(filter.limit);
        runs.last().map(|r| r.id)
    } else {
        floor
    };
    Ok((runs, next))
}

/// The ids of runs queued in `[from, to)`: ids are handed out in queue
/// order, so two lookups in the queue-time index bound them (the exact
/// times are checked too). `None` when no run can be in the window.
fn id_window(
    conn: &Connection,
    from: Option<Millis>,
    to: Option<Millis>,
) -> rusqlite::Result<Option<(i64, i64)>> {
    let low = match from {
        None => 0,
        Some(from) => match conn
            .prepare_cached(
                "SELECT id FROM runs WHERE queued_at >= ?1 ORDER BY queued_at, id LIMIT 1",
            )?
            .query_row([from], |row| row.get(0))
            .optional()?
        {
            Some(id) => id,
            None => return Ok(None),
        },
    };
    let high = match to {
        None => i64::MAX - 1,
        Some(to) => match conn
            .prepare_cached(
                "SELECT id FROM runs WHERE queued_at < ?1 ORDER BY queued_at DESC, id DESC LIMIT 1",
            )?
            .query_row([to], |row| row.get(0))
            .optional()?
        {
            Some(id) => id,
            None => return Ok(None),
        },
    };
    Ok((low <= high).then_some((low, high)))
}

struct Bounds {
    before: i64,
    low_id: i64,
    from: Millis,
    to: Millis,
}

/// One index range: all runs, or those of a job and/or one status.
struct Stream<'a> {
    job_id: Option<i64>,
    status: Option<&'a str>,
    bounds: &'a Bounds,
}

impl Stream<'_> {
    /// The index this stream walks, named so the planner cannot trade it
    /// for a plain id range (which a two-sided id window makes look cheap,
    /// but which reads every run of other jobs and statuses).
    fn index(&self) -> &'static str {
        match (self.job_id.is_some(), self.status.is_some()) {
            (true, true) => "INDEXED BY runs_by_job_status",
            (true, false) => "INDEXED BY runs_by_job",
            (false, true) => "INDEXED BY runs_by_status",
            (false, false) => "NOT INDEXED",
        }
    }

    /// The WHERE clause and its values. `+queued_at` keeps the planner off
    /// the queue-time index (the id window already narrows by time).
    fn condition(&self) -> (String, Vec<(&'static str, &dyn ToSql)>) {
        let mut sql = String::from(
            "r.id < :before AND r.id >= :low AND +r.queued_at >= :from AND +r.queued_at < :to",
        );
        let mut values: Vec<(&'static str, &dyn ToSql)> = vec![
            (":before", &self.bounds.before),
            (":low", &self.bounds.low_id),
            (":from", &self.bounds.from),
            (":to", &self.bounds.to),
        ];
        if let Some(job_id) = &self.job_id {
            sql.push_str(" AND r.job_id = :job");
            values.push((":job", job_id));
        }
        if let Some(status) = &self.status {
            sql.push_str(" AND r.status = :status");
            values.push((":status", status));
        }
        (sql, values)
    }

    fn page(&self, conn: &Connection, fetch: usize) -> rusqlite::Result<Vec<Run>> {
        let (condition, mut values) = self.condition();
        let fetch = fetch as i64;
        values.push((":fetch", &fetch));
        let index = self.index();
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM runs r {index} JOIN jobs j ON j.id = r.job_id
             WHERE {condition} ORDER BY r.id DESC LIMIT :fetch"
        ))?
        .query_map(values.as_slice(), from_row)?
        .collect()
    }

    /// Up to `fetch` runs whose error contains `text` (any case), looking
    /// at no more than `ERROR_SCAN_ROWS` runs; also the lowest id looked at
    /// when that bound stopped the search.
    fn search_errors(
        &self,
        conn: &Connection,
        text: &str,
        fetch: usize,
    ) -> rusqlite::Result<(Vec<Run>, Option<i64>)> {
        let needle = text.to_lowercase();
        let (condition, mut values) = self.condition();
        let scan = ERROR_SCAN_ROWS as i64;
        values.push((":scan", &scan));
        let index = self.index();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT r.id, r.error FROM runs r {index} WHERE {condition} ORDER BY r.id DESC LIMIT :scan"
        ))?;
        let mut rows = stmt.query(values.as_slice())?;
        let mut matched: Vec<i64> = Vec::new();
        let mut examined = 0;
        let mut lowest = None;
        while let Some(row) = rows.next()? {
            examined += 1;
            let id: i64 = row.get(0)?;
            lowest = Some(id);
            let error: Option<String> = row.get(1)?;
            if error.is_some_and(|e| e.to_lowercase().contains(&needle)) {
                matched.push(id);
                if matched.len() == fetch {
                    break;
                }
            }
        }
        let bounded = matched.len() < fetch && examined == ERROR_SCAN_ROWS;
        let mut load = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM runs r JOIN jobs j ON j.id = r.job_id WHERE r.id = ?1"
        ))?;
        let mut runs = Vec::with_capacity(matched.len());
        for id in matched {
            if let Some(run) = load.query_row([id], from_row).optional()? {
                runs.push(run);
            }
        }
        Ok((runs, if bounded { lowest } else { None }))
    }
}
