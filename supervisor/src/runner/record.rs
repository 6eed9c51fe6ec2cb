//! Writing a run's lifecycle (running, outcome) to a store that may be
//! failing — a full disk above all: each write is retried with backoff
//! until it lands, so no run stays `running` once its process is gone.
//! stderr gets one line when a streak of failures starts and one when the
//! write finally lands, never one per attempt.

use std::sync::Arc;
use std::time::Duration;

use crate::app::App;
use crate::db::Connection;

/// First wait after a failed write; doubled up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Runs `write` (one transaction) until it succeeds. `what` completes
/// "run N: could not …" in the log lines. At shutdown it makes one last
/// attempt and gives up (`None`): a run left `running` is closed as
/// interrupted at the next start.
pub async fn until_written<R, F>(app: &Arc<App>, run_id: i64, what: &str, write: F) -> Option<R>
where
    R: Send + 'static,
    F: Fn(&mut Connection) -> rusqlite::Result<R> + Clone + Send + 'static,
{
    let mut backoff = FIRST_BACKOFF;
    let mut failures = 0u32;
    loop {
        let shutting_down = app.shutdown.is_cancelled();
        match app.db.call(write.clone()).await {
            Ok(written) => {
                if failures > 0 {
                    eprintln!(
                        "backbeat: run {run_id}: written after {failures} failed attempts to {what}"
                    );
                }
                return Some(written);
            }
            Err(e) if shutting_down => {
                eprintln!(
                    "backbeat: run {run_id}: could not {what} before shutdown ({e}); it will be closed as interrupted at the next start"
                );
                return None;
            }
            Err(e) => {
                if failures == 0 {
                    eprintln!(
                        "backbeat: run {run_id}: could not {what}: {e}; retrying until it can"
                    );
                }
                failures += 1;
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = app.shutdown.cancelled() => {}
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}
