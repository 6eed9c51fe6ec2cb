//! Running jobs: the run queue, one actor task per run owning its executor
//! process, executor lookup, log files, process-group signalling, and
//! killing what a dead runner left behind (`orphans`). Only this module
//! spawns processes, always through `orphans::spawn`.
pub mod dispatch;
pub mod draft;
pub mod execute;
mod lines;
pub mod logfile;
pub mod orphans;
pub mod process;
pub mod queue;
mod record;
pub mod registry;
pub mod settings;
pub mod watch;
