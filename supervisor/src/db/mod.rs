//! The SQLite store: an r2d2 pool over one `db.sqlite` in WAL mode, the
//! migrations, and the only SQL in the program (`jobs`, `runs`,
//! `sessions`, `spend`). Async code reaches it through [`Db::call`], which runs the
//! closure on the blocking pool so SQL never stalls the async threads. A
//! full disk is its own error ([`DbError::StorageFull`]), naming the data
//! directory, so callers can answer 507 and retry instead of failing.

pub mod channels;
pub mod deliveries;
pub mod history;
pub mod jobs;
mod migrations;
pub mod runs;
pub mod sessions;
pub mod spend;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use r2d2::ManageConnection;
use r2d2_sqlite::SqliteConnectionManager;
pub use rusqlite::Connection;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "no space left on the disk holding {}: the database could not be written ({source}); free some space",
        dir.display()
    )]
    StorageFull {
        dir: PathBuf,
        source: rusqlite::Error,
    },
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("database task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

impl DbError {
    /// Whether the write failed for lack of space (507, worth retrying).
    pub fn is_storage_full(&self) -> bool {
        matches!(self, DbError::StorageFull { .. })
    }
}

#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<SqliteConnectionManager>,
    /// The directory holding `db.sqlite`, named in storage errors.
    dir: PathBuf,
}

impl Db {
    /// Opens (creating if needed) the database and applies migrations. A
    /// file that cannot be opened (not a database, unreadable) is refused
    /// at once: the first connection is made here, not in the pool, whose
    /// builder would retry it silently until its 30 s timeout.
    pub fn open(path: &Path) -> anyhow::Result<Db> {
        let manager = SqliteConnectionManager::file(path).with_init(|conn| {
            conn.busy_timeout(Duration::from_secs(10))?;
            conn.execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA cache_size = -2000;
                 PRAGMA temp_store = MEMORY;",
            )
        });
        let mut first = manager
            .connect()
            .and_then(|mut conn| manager.is_valid(&mut conn).map(|()| conn))
            .with_context(|| format!("opening {}", path.display()))?;
        migrations::apply(&mut first).context("migrating the database")?;
        drop(first);
        let pool = r2d2::Pool::builder()
            .max_size(4)
            .min_idle(Some(1))
            .build(manager)
            .with_context(|| format!("opening {}", path.display()))?;
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(Db { pool, dir })
    }

    /// Runs `f` with a pooled connection on the blocking thread pool.
    pub async fn call<R, F>(&self, f: F) -> Result<R, DbError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<R> + Send + 'static,
    {
        let pool = self.pool.clone();
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            let result = f(&mut conn);
            end_open_transaction(&conn);
            result.map_err(|e| classify(e, dir))
        })
        .await?
    }

    /// Runs `f` on the calling thread (start-up and shutdown only).
    pub fn blocking<R>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<R>,
    ) -> Result<R, DbError> {
        let mut conn = self.pool.get()?;
        let result = f(&mut conn);
        end_open_transaction(&conn);
        result.map_err(|e| classify(e, self.dir.clone()))
    }
}

/// Ends a transaction that `f` left open. rusqlite rolls a dropped
/// transaction back but ignores a failed ROLLBACK, which SQLite can refuse
/// after `SQLITE_FULL`: back in the pool, such a connection would take every
/// later write into that open transaction — answered as done, never stored.
fn end_open_transaction(conn: &Connection) {
    if !conn.is_autocommit()
        && let Err(e) = conn.execute_batch("ROLLBACK")
    {
        eprintln!("backbeat: could not end a failed transaction: {e}");
    }
}

/// SQLite reports a full disk as `SQLITE_FULL` ("database or disk is
/// full"); everything else stays a plain database error.
fn classify(e: rusqlite::Error, dir: PathBuf) -> DbError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => DbError::StorageFull { dir, source: e },
        _ => DbError::Sqlite(e),
    }
}

/// Starts a write transaction that takes the write lock at once, so two
/// writers never deadlock upgrading read locks.
pub fn write_tx(conn: &mut Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
}
