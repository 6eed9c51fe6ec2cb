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
