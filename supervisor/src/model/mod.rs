//! The domain objects (jobs, runs) as stored and as the API shows them.
pub mod executor_options;
pub mod job;
pub mod job_input;
pub mod limits;
pub mod notify;
pub mod run;

pub use job::{AiOverrides, Job, JobView, LastRun, Overlap, Schedule, UsageTotals};
pub use job_input::{JobFields, ValidationContext};
pub use limits::{CatchUp, JobLimits, RetryPolicy};
pub use notify::{NotifyEvent, NotifySettings};
pub use run::{AiReport, Run, RunStatus, Trigger, Usage};
