//! Integration tests: the real `backbeat` binary, real SQLite, real
//! processes, real HTTP. Build the workspace first (`cargo build
//! --workspace`) so the executors sit next to the binary.

mod fixture;

mod ai;
mod ai_guardrails;
mod alerts;
mod budget;
mod catch_up;
mod cli;
mod cli_doctor;
mod cli_transfer;
mod contract;
mod cron;
mod email;
mod executor_options;
mod history_filters;
mod jobs;
mod limits;
mod logs;
mod mcp;
mod notify;
mod real_cli;
mod receiver;
mod recovery;
mod retries;
mod runs;
mod scheduling;
mod security;
mod slurm;
mod ssh;
mod sshd;
mod tags;
