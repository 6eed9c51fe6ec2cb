//! Time-based firing: cron parsing and evaluation (`cron`), the pure
//! in-memory plan (`plan`), and the one-second tick loop (`ticker`).
pub mod cron;
pub mod plan;
pub mod ticker;
