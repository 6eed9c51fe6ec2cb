//! `slurm-runner`: the executor for `slurm` jobs. Submits the body as a
//! batch script with `sbatch --parsable` (options from `executorOptions`,
//! the job timeout as `--time`, env exported in the script), then follows
//! the job with `scontrol show job` until it ends: streams its output
//! file as it grows, logs the pending reason when it changes, and maps the
//! final Slurm state to the `result` (see [`outcome`]).
//!
//! Stopping (`cancel`, SIGTERM, or stdin EOF): a pending job is cancelled
//! at once; a running one gets `scancel --full --signal=TERM`, then, if it
//! has not ended shortly before `stopGraceMs` runs out, SIGKILL and a
//! plain `scancel`.

mod options;
mod outcome;
mod script;
mod slurm;
mod tail;

use std::path::PathBuf;
use std::thread;
use std::time::{Duration, Instant};

use backbeat_protocol::{
    Describe, ExecutorMessage, JobSpec, LineWriter, LogStream, PROTOCOL_VERSION, RunResult, Start,
};

use crate::slurm::JobInfo;
use crate::tail::Tail;

/// How often the output file is read.
const TAIL_EVERY: Duration = Duration::from_millis(200);
/// How often the controller is asked about the job.
const QUERY_EVERY: Duration = Duration::from_secs(1);
/// The supervisor's stop grace when an old one does not say.
const DEFAULT_GRACE: Duration = Duration::from_millis(5000);

fn main() {
    let describe = || Describe {
        name: "slurm".into(),
        protocol: PROTOCOL_VERSION,
        version: env!("CARGO_PKG_VERSION").into(),
        job_type: "slurm".into(),
        description: "Submits the body to a Slurm cluster with sbatch and follows the job".into(),
        ai_mode: None,
        options_schema: Some(options::schema()),
    };
    runner_control::serve(describe, run);
}

fn run(out: &LineWriter, start: Start) -> RunResult {
    let job = match runner_control::job_to_run(&start, "slurm-runner") {
        Ok(job) => job,
        Err(failure) => return failure,
    };
    let option_args = match options::sbatch_args(&job.executor_options) {
        Ok(args) => args,
        Err(e) => return RunResult::failure(None, e),
    };
    runner_control::watch_stdin_for_cancel();

    let (run_id, job_id, trigger) = start
        .run
        .as_ref()
        .map_or((0, 0, "manual".to_string()), |r| {
            (r.id, r.job_id, r.trigger.clone())
        });
    let dir = output_dir();
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return RunResult::failure(
            None,
            format!("cannot create the output directory {}: {e}", dir.display()),
        );
    }
    let output = dir.join(format!("run-{run_id}-{}.out", std::process::id()));

    let mut env = job.env.clone();
    env.insert("BACKBEAT_RUN_ID".into(), run_id.to_string());
    env.insert("BACKBEAT_JOB_ID".into(), job_id.to_string());
    env.insert("BACKBEAT_TRIGGER".into(), trigger);
    let (batch_script, skipped) = script::batch_script(&job.body, &env);
    let args = submit_args(&job, job_id, &output, option_args);

    if runner_control::cancelled() {
        return RunResult::failure(None, "stopped before the job was submitted");
    }
    let id = match slurm::submit(&args, &batch_script) {
        Ok(id) => id,
        Err(e) => return RunResult::failure(None, e),
    };
    note(out, &format!("slurm job {id} submitted"));
    for key in skipped {
        note(
            out,
            &format!("env {key:?} not passed on: not a shell variable name"),
        );
    }
    let grace = job
        .stop_grace_ms
        .map_or(DEFAULT_GRACE, Duration::from_millis);
    let result = Follow::new(out, id, output.clone(), grace).run();
    let _ = std::fs::remove_file(&output);
    result
}

/// Where output files go: `$BACKBEAT_SLURM_OUTPUT_DIR`, else
/// `~/.cache/backbeat/slurm` (a home directory is usually shared with the
/// compute nodes; the file must be readable here while the job writes it).
fn output_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("BACKBEAT_SLURM_OUTPUT_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    home.join(".cache/backbeat/slurm")
}

/// Our own `sbatch` flags first, then the job's options.
fn submit_args(
    job: &JobSpec,
    job_id: i64,
    output: &std::path::Path,
    option_args: Vec<String>,
) -> Vec<String> {
    let mut args = vec![
        "--parsable".to_string(),
        format!("--job-name=backbeat-{job_id}"),
        format!("--output={}", output.display()),
        format!("--chdir={}", job.cwd),
        "--export=NONE".into(),
        "--no-requeue".into(),
    ];
    if job.timeout_ms > 0 {
        args.push(format!("--time={}", job.timeout_ms.div_ceil(60_000)));
    }
    args.extend(option_args);
    args
}

/// A line of our own in the run log.
fn note(out: &LineWriter, text: &str) {
    let _ = out.send(&ExecutorMessage::Log {
        stream: LogStream::Stderr,
        text: format!("{text}\n"),
    });
}

/// Following one submitted job to its end.
struct Follow<'a> {
    out: &'a LineWriter,
    id: u64,
    tail: Tail,
    grace: Duration,
    last: Option<JobInfo>,
    last_error: Option<String>,
    stop: Option<Stop>,
}

/// A stop in progress.
struct Stop {
    /// When to SIGKILL and `scancel` (unless done already).
    hard_at: Option<Instant>,
    /// When to report even if Slurm has not said the job ended.
    give_up_at: Instant,
}

impl<'a> Follow<'a> {
    fn new(out: &'a LineWriter, id: u64, output: PathBuf, grace: Duration) -> Self {
        Follow {
            out,
            id,
            tail: Tail::new(output),
            grace,
            last: None,
            last_error: None,
            stop: None,
        }
    }

    fn run(mut self) -> RunResult {
        let mut next_query = Instant::now();
        loop {
            self.tail.poll(self.out);
            if runner_control::cancelled() && self.stop.is_none() {
                self.begin_stop();
            }
            if let Some(result) = self.advance_stop() {
                return result;
            }
            if Instant::now() >= next_query {
                if let Some(result) = self.query() {
                    return result;
                }
                let every = if self.stop.is_some() {
                    TAIL_EVERY
                } else {
                    QUERY_EVERY
                };
                next_query = Instant::now() + every;
            }
            thread::sleep(TAIL_EVERY);
        }
    }

    /// Asks Slurm about the job; the result once it has ended.
    fn query(&mut self) -> Option<RunResult> {
        let info = match slurm::job_info(self.id) {
            Ok(Some(info)) => info,
            Ok(None) => {
                self.drain();
                return Some(RunResult::failure(
                    None,
                    format!(
                        "slurm job {}: no longer known to Slurm (scontrol and sacct have no record of it)",
                        self.id
                    ),
                ));
            }
            Err(e) => {
                if self.last_error.as_deref() != Some(e.as_str()) {
                    note(self.out, &e);
                    self.last_error = Some(e);
                }
                return None;
            }
        };
        self.last_error = None;
        self.report_change(&info);
        let ended = outcome::is_final(&info.state);
        self.last = Some(info);
        if !ended {
            return None;
        }
        self.drain();
        let info = self.last.as_ref().expect("just set");
        if self.stop.is_some() {
            return Some(RunResult::failure(
                None,
                format!("slurm job {}: stopped ({})", self.id, info.state),
            ));
        }
        Some(outcome::result(self.id, info))
    }

    /// Logs a new pending reason, and the start of the job.
    fn report_change(&self, info: &JobInfo) {
        let before = self.last.as_ref();
        let changed = |f: fn(&JobInfo) -> &str| before.is_none_or(|b| f(b) != f(info));
        if info.state == "PENDING"
            && changed(|i| &i.reason)
            && !matches!(info.reason.as_str(), "" | "None")
        {
            note(self.out, &format!("pending: {}", info.reason));
        }
        if info.state == "RUNNING" && changed(|i| &i.state) {
            note(
                self.out,
                &format!("slurm job {} running on {}", self.id, info.node_list),
            );
        }
    }

    /// Cancels a pending job at once; asks a running one to end (TERM).
    fn begin_stop(&mut self) {
        let pending = self.last.as_ref().is_none_or(|i| i.state == "PENDING");
        let now = Instant::now();
        let hard_at = if pending {
            note(
                self.out,
                &format!("stopping slurm job {}: scancel", self.id),
            );
            self.cancel(&[]);
            None
        } else {
            note(
                self.out,
                &format!("stopping slurm job {}: scancel --signal=TERM", self.id),
            );
            self.cancel(&["--full", "--signal=TERM"]);
            let margin = (self.grace / 2).min(Duration::from_millis(1500));
            Some(now + self.grace.saturating_sub(margin))
        };
        let give_up_at = now + self.grace.saturating_sub(Duration::from_millis(200));
        self.stop = Some(Stop {
            hard_at,
            give_up_at,
        });
    }

    /// Sends SIGKILL + `scancel` when the grace is nearly over; the result
    /// when it is over and Slurm still has not said the job ended.
    fn advance_stop(&mut self) -> Option<RunResult> {
        let now = Instant::now();
        let stop = self.stop.as_mut()?;
        let give_up_at = stop.give_up_at;
        // A tiny grace may end before the hard stop's turn: it is never skipped.
        if stop
            .hard_at
            .is_some_and(|at| now >= at || now >= give_up_at)
        {
            stop.hard_at = None;
            note(
                self.out,
                &format!("slurm job {} still running: scancel", self.id),
            );
            self.cancel(&["--full", "--signal=KILL"]);
            self.cancel(&[]);
        }
        if now < give_up_at {
            return None;
        }
        self.tail.poll(self.out);
        self.tail.flush(self.out);
        Some(RunResult::failure(
            None,
            format!("slurm job {}: stopped (scancel sent)", self.id),
        ))
    }

    fn cancel(&self, args: &[&str]) {
        if let Err(e) = slurm::scancel(self.id, args) {
            note(self.out, &format!("slurm job {}: {e}", self.id));
        }
    }

    /// Reads what is left of the output once the job ended: until the file
    /// stops growing for a moment, at most a couple of seconds (a fraction
    /// of a second while stopping, to stay within the grace).
    fn drain(&mut self) {
        let limit = if self.stop.is_some() { 300 } else { 2000 };
        let deadline = Instant::now() + Duration::from_millis(limit);
        let mut quiet = 0;
        while quiet < 2 && Instant::now() < deadline {
            if self.tail.poll(self.out) {
                quiet = 0;
            } else {
                quiet += 1;
            }
            thread::sleep(Duration::from_millis(100));
        }
        self.tail.flush(self.out);
    }
}
