//! Shared code of the AI runners (`claude-runner`, `codex-runner`).
//!
//! Code map:
//! - [`runner`]: the executor's `main`: `--describe`, reading `start`, sending the final `result`.
//! - [`control`]: cancellation (SIGTERM handler, `cancel` messages, supervisor EOF): the `runner-control` crate.
//! - [`cli`]: spawning the CLI (stdin closed, same process group), its stdout lines and stderr tail.
//! - [`render`]: log lines from the CLIs' JSON events (shared parts of both renderers).
//! - [`text`]: shortening tool output and inputs into readable log lines.
//! - [`draft`]: the draft JSON Schema, the authoring prompts and normalising the model's answer.
//! - [`guard`]: per-run budget and token cap, "did nothing", `NOTHING_TO_REPORT`, the summary.
//! - [`rate_limit`]: recognising rate/usage-limit errors and when they reset.
//! - [`clock`]: the current date, time and zone told to the model.
//! - `testkit` (feature `testkit`): helpers for the runners' integration tests.
//!
//! Invariants: runners print nothing but protocol lines on stdout; the CLI
//! is never moved out of the runner's process group; every child is reaped.

pub mod cli;
pub mod clock;
pub mod draft;
pub mod guard;
pub mod rate_limit;
pub mod render;
pub mod runner;
pub mod text;

/// Stopping a run, shared with `sh-runner`.
pub use runner_control as control;

#[cfg(feature = "testkit")]
pub mod testkit;
