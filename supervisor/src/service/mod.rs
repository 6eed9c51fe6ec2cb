//! Operations shared by the API and the scheduler: channels, jobs (create, change,
//! delete, view), runs (run now, stop, drop), daily budgets, firing due occurrences,
//! start-up recovery, and publishing changes to the event feed.
pub mod alerts;
pub mod budget;
pub mod catchup;
pub mod channels;
pub mod fire;
pub mod jobs;
pub mod publish;
pub mod retry;
pub mod runs;
pub mod seed;
pub mod startup;
pub mod unrecorded;
