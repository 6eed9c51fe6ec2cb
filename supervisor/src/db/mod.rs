//! The SQLite store: an r2d2 pool over one `db.sqlite` in WAL mode, the
//! migrations, and the only SQL in the program (`jobs`, `runs`,
//! `sessions`). Async code reaches it through [`Db::call`], which runs the
//! closure on the blocking pool so SQL never stalls the async threads.

pub mod jobs;
mod migrations;
pub mod runs;
pub mod sessions;

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use r2d2_sqlite::SqliteConnectionManager;
pub use rusqlite::Connection;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("database task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
}

#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<SqliteConnectionManager>,
}

impl Db {
    /// Opens (creating if needed) the database and applies migrations.
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
        let pool = r2d2::Pool::builder()
            .max_size(4)
            .min_idle(Some(1))
            .build(manager)
            .with_context(|| format!("opening {}", path.display()))?;
        let mut conn = pool.get()?;
        migrations::apply(&mut conn).context("migrating the database")?;
        Ok(Db { pool })
    }

    /// Runs `f` with a pooled connection on the blocking thread pool.
    pub async fn call<R, F>(&self, f: F) -> Result<R, DbError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<R> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            Ok(f(&mut conn)?)
        })
        .await?
    }

    /// Runs `f` on the calling thread (start-up and shutdown only).
    pub fn blocking<R>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<R>,
    ) -> Result<R, DbError> {
        let mut conn = self.pool.get()?;
        Ok(f(&mut conn)?)
    }
}

/// Starts a write transaction that takes the write lock at once, so two
/// writers never deadlock upgrading read locks.
pub fn write_tx(conn: &mut Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
}
