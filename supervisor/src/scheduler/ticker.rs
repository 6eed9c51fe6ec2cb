//! The tick loop: wakes at every wall-clock second (recomputed each time,
//! so clock changes and suspend are absorbed), takes the due occurrences
//! from the plan (memory only), and hands them to the firing service.

use std::sync::Arc;
use std::time::Duration;

use crate::app::App;
use crate::time::now_ms;

pub async fn run(app: Arc<App>) {
    loop {
        let now = now_ms();
        let wait = 1000 - now.rem_euclid(1000);
        tokio::select! {
            _ = app.shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
        }
        let now = now_ms();
        let decided = std::time::Instant::now();
        let fires = app.schedule().take_due(now);
        app.metrics
            .tick(decided.elapsed().as_nanos() as u64, fires.len());
        if !fires.is_empty() {
            crate::service::fire::fire(&app, fires, now).await;
        }
    }
}
