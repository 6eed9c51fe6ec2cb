//! Schema migrations: an append-only list keyed by `PRAGMA user_version`,
//! applied in one transaction. Never edit a shipped entry; add a new one.

use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: jobs, runs (with the indexes that keep history pages keyset-fast
    // at a million runs, per job and per status), login sessions. Ids are
    // AUTOINCREMENT: a deleted job's or run's id is never handed out again
    // (a bookmarked run URL must not show another job's run).
    "CREATE TABLE jobs (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        title       TEXT NOT NULL,
        type        TEXT NOT NULL,
        body        TEXT NOT NULL,
        schedule    TEXT NOT NULL,
        enabled     INTEGER NOT NULL,
        cwd         TEXT,
        env         TEXT NOT NULL,
        timeout_ms  INTEGER,
        ai          TEXT,
        overlap     TEXT NOT NULL,
        catch_up    INTEGER NOT NULL,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        anchor_at   INTEGER NOT NULL
    );
    CREATE TABLE runs (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id         INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        status         TEXT NOT NULL,
        trigger        TEXT NOT NULL,
        executor       TEXT,
        scheduled_for  INTEGER,
        queued_at      INTEGER NOT NULL,
        started_at     INTEGER,
        finished_at    INTEGER,
        exit_code      INTEGER,
        error          TEXT,
        log_bytes      INTEGER NOT NULL DEFAULT 0,
        input_tokens   INTEGER,
        output_tokens  INTEGER,
        cost_usd       REAL,
        usage          TEXT,
        env            TEXT,
        pid            INTEGER,
        pid_start      INTEGER,
        boot_id        TEXT
    );
    CREATE INDEX runs_by_job ON runs(job_id, id);
    CREATE INDEX runs_by_status ON runs(status, id);
    CREATE INDEX runs_by_job_status ON runs(job_id, status, id);
    CREATE TABLE sessions (
        id          TEXT PRIMARY KEY,
        created_at  INTEGER NOT NULL
    ) WITHOUT ROWID;",
    // 2: per-job usage totals read only the runs that reported usage.
    "CREATE INDEX runs_with_usage ON runs(job_id) WHERE usage IS NOT NULL;",
    // 3: sessions remember which token they were issued under, so changing
    // the token logs every browser out.
    "ALTER TABLE sessions ADD COLUMN token_fingerprint TEXT;",
    // 4: jobs created by `backbeat import --sync` carry their name in the
    // jobs file; a sync only ever changes or prunes jobs that have one.
    "ALTER TABLE jobs ADD COLUMN managed_as TEXT;",
    // 5: retries and limits. Jobs: `retry` (JSON policy), stall and
    // long-run thresholds, and `catch_up` as text ("none" | "last" |
    // "all"; the old boolean 1 becomes "last"). Runs: the retry chain
    // (`attempt`, `retry_of`), `not_before` (a queued retry waits until
    // then, across restarts) and `retry_at` (a rate-limit reset time an AI
    // run reported).
    "ALTER TABLE jobs ADD COLUMN retry TEXT;
    ALTER TABLE jobs ADD COLUMN stall_timeout_ms INTEGER;
    ALTER TABLE jobs ADD COLUMN long_run_ms INTEGER;
    ALTER TABLE jobs ADD COLUMN catch_up_policy TEXT NOT NULL DEFAULT 'none';
    UPDATE jobs SET catch_up_policy = CASE WHEN catch_up THEN 'last' ELSE 'none' END;
    ALTER TABLE jobs DROP COLUMN catch_up;
    ALTER TABLE jobs RENAME COLUMN catch_up_policy TO catch_up;
    ALTER TABLE runs ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE runs ADD COLUMN retry_of INTEGER;
    ALTER TABLE runs ADD COLUMN not_before INTEGER;
    ALTER TABLE runs ADD COLUMN retry_at INTEGER;",
    // 6: notifications. Channels (config JSON holds the secrets, never
    // shown), one row per delivery (going with its run; run_id NULL for
    // test messages, channel_id NULL for pingUrl pings), the length of each
    // job's current failure streak, and the job fields `notify` (JSON) and
    // `ping_url`.
    "CREATE TABLE channels (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        name        TEXT NOT NULL,
        kind        TEXT NOT NULL,
        config      TEXT NOT NULL,
        enabled     INTEGER NOT NULL,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
    );
    CREATE TABLE deliveries (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id      INTEGER REFERENCES runs(id) ON DELETE CASCADE,
        job_id      INTEGER,
        channel_id  INTEGER,
        kind        TEXT NOT NULL,
        event       TEXT NOT NULL,
        status      TEXT NOT NULL,
        attempts    INTEGER NOT NULL,
        error       TEXT,
        at          INTEGER NOT NULL
    );
    CREATE INDEX deliveries_by_run ON deliveries(run_id, id);
    CREATE INDEX deliveries_pending ON deliveries(status) WHERE status = 'pending';
    CREATE TABLE notify_state (
        job_id      INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
        failures    INTEGER NOT NULL
    ) WITHOUT ROWID;
    ALTER TABLE jobs ADD COLUMN notify TEXT;
    ALTER TABLE jobs ADD COLUMN ping_url TEXT;",
    // 7: executor options, passed through to the executor in `start`.
    "ALTER TABLE jobs ADD COLUMN executor_options TEXT NOT NULL DEFAULT '{}';",
    // 8: the spend ledger behind the daily budgets: one row per finished
    // run that reported a cost. Not tied to `runs` (retention may delete a
    // run whose money still counts today) and pruned after two days. The
    // indexes cover the 24-hour sums (all runs; one job's). Backfilled
    // from the runs of the last two days.
    "CREATE TABLE spend (
        run_id       INTEGER PRIMARY KEY,
        job_id       INTEGER NOT NULL,
        finished_at  INTEGER NOT NULL,
        cost_usd     REAL NOT NULL
    );
    CREATE INDEX spend_by_time ON spend(finished_at, cost_usd);
    CREATE INDEX spend_by_job ON spend(job_id, finished_at, cost_usd);
    INSERT INTO spend (run_id, job_id, finished_at, cost_usd)
        SELECT id, job_id, finished_at, cost_usd FROM runs
        WHERE usage IS NOT NULL AND cost_usd IS NOT NULL AND finished_at IS NOT NULL
          AND finished_at >= (CAST(strftime('%s', 'now') AS INTEGER) - 172800) * 1000;",
    // 9: what an AI run reports beyond its status: its final message
    // (`summary`), a quiet success (NOTHING_TO_REPORT), the kind of failure
    // (`rate_limited`, `budget`, …) and the CLI's session id, which the
    // job's next run resumes with `ai.session: "continue"`.
    "ALTER TABLE runs ADD COLUMN summary TEXT;
    ALTER TABLE runs ADD COLUMN quiet INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE runs ADD COLUMN error_kind TEXT;
    ALTER TABLE runs ADD COLUMN session_id TEXT;",
    // 10: job tags, one row per tag in the job's order (`pos`); `?tag=` on
    // GET /api/jobs reads the (tag, job_id) index. History date ranges find
    // their id window through `runs_by_queued` (ids follow queue time).
    "CREATE TABLE job_tags (
        job_id  INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        pos     INTEGER NOT NULL,
        tag     TEXT NOT NULL,
        PRIMARY KEY (job_id, pos)
    ) WITHOUT ROWID;
    CREATE INDEX job_tags_by_tag ON job_tags(tag, job_id);
    CREATE INDEX runs_by_queued ON runs(queued_at);",
];

pub fn apply(conn: &mut Connection) -> anyhow::Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        anyhow::bail!(
            "the database schema (version {version}) is newer than this backbeat knows ({known}); upgrade backbeat"
        );
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catch_up_booleans_become_policies() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..3] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 3).unwrap();
        for (title, catch_up) in [("on", 1), ("off", 0)] {
            conn.execute(
                "INSERT INTO jobs (title, type, body, schedule, enabled, env, overlap, catch_up, created_at, updated_at, anchor_at)
                 VALUES (?1, 'script', 'true', '{\"kind\":\"manual\"}', 1, '{}', 'queue', ?2, 0, 0, 0)",
                rusqlite::params![title, catch_up],
            )
            .unwrap();
        }
        apply(&mut conn).unwrap();
        let policies: Vec<(String, String)> = conn
            .prepare("SELECT title, catch_up FROM jobs ORDER BY id")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            policies,
            [("on".into(), "last".into()), ("off".into(), "none".into())]
        );
    }
}
