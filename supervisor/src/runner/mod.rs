//! Running jobs: the run queue, one actor task per run owning its executor
//! process, executor lookup, log files, and process-group signalling. Only
//! this module spawns processes.
pub mod dispatch;
pub mod draft;
pub mod execute;
mod lines;
pub mod logfile;
pub mod process;
pub mod queue;
mod record;
pub mod registry;
pub mod settings;
