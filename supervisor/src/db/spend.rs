//! SQL for the spend ledger (`spend`): the cost of each finished run that
//! reported one, kept apart from `runs` so retention never hides money
//! spent today. Every sum reads one covering index range (the last 24 h),
//! so it stays fast however long the history is.

use rusqlite::{Connection, params};

use crate::time::Millis;

/// How long ledger rows are kept: the 24-hour window plus a day.
const KEEP_MS: Millis = 2 * 24 * 3_600_000;

/// Records what a finished run cost and forgets rows past [`KEEP_MS`].
pub fn record(
    conn: &Connection,
    run_id: i64,
    job_id: i64,
    finished_at: Millis,
    cost_usd: f64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO spend (run_id, job_id, finished_at, cost_usd) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![run_id, job_id, finished_at, cost_usd])?;
    conn.prepare_cached("DELETE FROM spend WHERE finished_at < ?1")?
        .execute([finished_at - KEEP_MS])?;
    Ok(())
}

/// What one job's runs that finished since `since` cost, and how many
/// reported a cost.
pub fn of_job(conn: &Connection, job_id: i64, since: Millis) -> rusqlite::Result<(f64, i64)> {
    conn.prepare_cached(
        "SELECT COALESCE(SUM(cost_usd), 0), COUNT(*) FROM spend WHERE job_id = ?1 AND finished_at >= ?2",
    )?
    .query_row(params![job_id, since], |row| Ok((row.get(0)?, row.get(1)?)))
}

/// What every run that finished since `since` cost.
pub fn total(conn: &Connection, since: Millis) -> rusqlite::Result<f64> {
    conn.prepare_cached("SELECT COALESCE(SUM(cost_usd), 0) FROM spend WHERE finished_at >= ?1")?
        .query_row([since], |row| row.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrations::apply(&mut conn).unwrap();
        conn
    }

    #[test]
    fn sums_the_window_per_job_and_in_all() {
        let conn = ledger();
        let day = 24 * 3_600_000;
        let now = 10 * day;
        record(&conn, 1, 7, now - day - 1, 9.0).unwrap(); // before the window
        record(&conn, 2, 7, now - day, 1.25).unwrap();
        record(&conn, 3, 7, now - 5, 0.5).unwrap();
        record(&conn, 4, 8, now - 5, 2.0).unwrap();
        assert_eq!(of_job(&conn, 7, now - day).unwrap(), (1.75, 2));
        assert_eq!(of_job(&conn, 9, now - day).unwrap(), (0.0, 0));
        assert_eq!(total(&conn, now - day).unwrap(), 3.75);
    }

    #[test]
    fn forgets_rows_older_than_two_days() {
        let conn = ledger();
        let day = 24 * 3_600_000;
        record(&conn, 1, 7, 0, 1.0).unwrap();
        record(&conn, 2, 7, 2 * day + 1, 1.0).unwrap();
        let rows: i64 = conn
            .query_row("SELECT COUNT(*) FROM spend", [], |row| row.get(0))
            .unwrap();
        assert_eq!(rows, 1);
    }

    #[test]
    fn the_sums_read_an_index_range() {
        let conn = ledger();
        for (sql, index) in [
            (
                "EXPLAIN QUERY PLAN SELECT COALESCE(SUM(cost_usd), 0), COUNT(*) FROM spend WHERE job_id = 1 AND finished_at >= 0",
                "spend_by_job",
            ),
            (
                "EXPLAIN QUERY PLAN SELECT COALESCE(SUM(cost_usd), 0) FROM spend WHERE finished_at >= 0",
                "spend_by_time",
            ),
        ] {
            let plan: String = conn
                .query_row(sql, [], |row| row.get::<_, String>(3))
                .unwrap();
            assert!(
                plan.contains(&format!("COVERING INDEX {index}")),
                "{sql}: {plan}"
            );
        }
    }
}
