//! One run, start to finish: the actor task that owns the executor process.
//! It spawns the runner in its own process group, speaks protocol v1,
//! copies output into the log, enforces the timeout and stop requests
//! (cancel + SIGTERM to the group, SIGKILL after the grace) and the stall
//! watchdog (no output for the stall timeout), always reaps, kills
//! whatever is left of the group, and records the outcome — retried until
//! written (`record`), so a full disk delays a run's final status but
//! never leaves it `running` — then, through `service::retry`, maybe a
//! retry of the run.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use backbeat_protocol::{
    CancelReason, Decoded, ExecutorMessage, PROTOCOL_VERSION, ResultStatus, RunInfo, RunResult,
    Start, SupervisorMessage, Task, decode_executor_line, encode_line,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

use super::lines::{Line, LineReader};
use super::logfile::{LogWriter, log_path};
use super::process::{instance, record, signal_group};
use super::queue::StopReason;
use super::record::until_written;
use super::registry::runner_binary_for;
use super::settings::{job_spec, settings_for};
use crate::app::App;
use crate::db::{jobs, runs};
use crate::model::{AiReport, Job, Run, RunStatus, Usage};
use crate::notify::Finish;
use crate::service::budget;
use crate::service::publish::publish_run;
use crate::time::{Millis, now_ms, parse_rfc3339, to_rfc3339};

/// After the executor exits, how long to keep reading its pipes.
const DRAIN_AFTER_EXIT: Duration = Duration::from_secs(2);

/// How a run ended, before it is written down.
#[derive(Clone)]
struct Ending {
    status: RunStatus,
    exit_code: Option<i32>,
    error: Option<String>,
    usage: Option<Usage>,
    executor: Option<String>,
    /// What an AI run reported (summary, quiet, error kind, session).
    ai: AiReport,
    /// When a rate limit the run hit resets.
    retry_at: Option<Millis>,
    /// When the executor started (also written with the outcome, in case
    /// marking the run `running` never reached the store).
    started_at: Option<Millis>,
    /// False after a user stop or a shutdown: such runs are never retried.
    retryable: bool,
}

impl Ending {
    /// A run that never started (it was dropped before its executor ran).
    fn dropped(error: impl Into<String>) -> Self {
        Ending {
            status: RunStatus::Dropped,
            retryable: false,
            ..Ending::failure(error, None)
        }
    }

    fn failure(error: impl Into<String>, executor: Option<String>) -> Self {
        Ending {
            status: RunStatus::Failure,
            exit_code: None,
            error: Some(error.into()),
            usage: None,
            executor,
            ai: AiReport::default(),
            retry_at: None,
            started_at: None,
            retryable: true,
        }
    }

    /// Adds that output was lost to the run's error (the status stays
    /// the job's own: see api-spec/DECISIONS.md).
    fn with_output_lost(mut self, lost: Option<&str>) -> Self {
        if let Some(lost) = lost {
            self.error = Some(match self.error.take() {
                Some(error) => format!("{error}; output lost: {lost}"),
                None => format!("output lost: {lost}"),
            });
        }
        self
    }
}

/// Executes queued run `run_id` and records its outcome.
pub async fn execute(
    app: Arc<App>,
    run_id: i64,
    job_id: i64,
    control: mpsc::UnboundedReceiver<StopReason>,
) {
    let now = now_ms();
    let loaded = app
        .db
        .call(move |c| {
            let job = jobs::get(c, job_id)?;
            // What the daily budgets need, for the AI runs they govern.
            let spent = match &job {
                Some(job) if job.is_ai() => Some(budget::Spent::load(c, job_id, now)?),
                _ => None,
            };
            Ok((
                job,
                runs::get(c, run_id)?,
                runs::env_overrides(c, run_id)?,
                spent,
                runs::last_session_id(c, job_id)?,
            ))
        })
        .await;
    let (job, run, env, spent, session) = match loaded {
        Ok((Some(job), Some(run), env, spent, session)) if run.status == RunStatus::Queued => {
            (job, run, env, spent, session)
        }
        other => {
            // Deleted or dropped meanwhile, or the store failed.
            if let Err(e) = other {
                eprintln!("backbeat: run {run_id}: could not load it: {e}");
            }
            app.queue.finished(run_id);
            super::dispatch::dispatch(&app);
            return;
        }
    };
    let path = log_path(&app.config.logs_dir(), job_id, run_id);
    let prefs = app.prefs();
    if let Some(error) = spent.and_then(|spent| budget::refusal(&job, &prefs, &spent)) {
        // Over a daily budget: dropped before anything started.
        let ending = Ending::dropped(error);
        finish(&app, &job, run_id, ending, &path).await;
        crate::notify::emit(&app, job_id, run_id, crate::notify::Event::Budget);
        return;
    }
    let live = app.live_logs.register(run_id);
    let ending = match LogWriter::create(&path, prefs.max_log_bytes as u64, live) {
        Ok(mut log) => {
            let ending = run_executor(&app, &job, &run, env, session, &mut log, control).await;
            if let (Some(error), RunStatus::Failure | RunStatus::Timeout) =
                (&ending.error, ending.status)
            {
                log.note(error);
            }
            ending.with_output_lost(log.lost())
        }
        Err(e) => {
            // Not started: its output would have nowhere to go.
            let error = format!("could not open the log file {}: {e}", path.display());
            eprintln!("backbeat: run {run_id}: {error}");
            Ending::failure(error, None)
        }
    };
    finish(&app, &job, run_id, ending, &path).await;
    app.live_logs.remove(run_id);
}

#[allow(clippy::too_many_arguments)]
async fn run_executor(
    app: &Arc<App>,
    job: &Job,
    run: &Run,
    env: std::collections::BTreeMap<String, String>,
    session: Option<String>,
    log: &mut LogWriter,
    mut control: mpsc::UnboundedReceiver<StopReason>,
) -> Ending {
    let prefs = app.prefs();
    // Stopped in the instant between leaving the queue and starting: it
    // never ran, so it is dropped rather than started and killed.
    match control.try_recv() {
        Ok(StopReason::User) => {
            return Ending::dropped("dropped by user");
        }
        Ok(_) => {
            return Ending {
                retryable: false,
                ..Ending::failure("stopped: supervisor shutting down", None)
            };
        }
        Err(_) => {}
    }
    let binary = runner_binary_for(&job.job_type, job.ai.as_ref(), &prefs);
    let Some(executable) = app.registry.find(&binary) else {
        return Ending::failure(format!("executor not found: {binary}"), Some(binary));
    };
    let cwd = job.cwd.clone().map(PathBuf::from).unwrap_or_else(home_dir);
    if !cwd.is_dir() {
        return Ending::failure(
            format!("working directory does not exist: {}", cwd.display()),
            Some(binary),
        );
    }
    let timeout_ms = job.timeout_ms.unwrap_or(prefs.default_timeout_ms).max(0) as u64;
    let stall_ms = super::watch::stall_timeout_ms(job, &prefs);

    let mut job_env = job.env.clone();
    job_env.extend(env.iter().map(|(k, v)| (k.clone(), v.clone())));
    let mut command = Command::new(&executable);
    command
        .current_dir(&cwd)
        .process_group(0)
        .envs(&job.env)
        .envs(&env)
        .env("BACKBEAT_RUN_ID", run.id.to_string())
        .env("BACKBEAT_JOB_ID", job.id.to_string())
        .env("BACKBEAT_TRIGGER", run.trigger.as_str())
        .env("BACKBEAT_INSTANCE", instance(&app.config.data_dir))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (mut child, _owned) = match super::orphans::spawn(&mut command) {
        Ok(spawned) => spawned,
        Err(e) => {
            return Ending::failure(
                format!("could not start {}: {e}", executable.display()),
                Some(binary),
            );
        }
    };
    let pid = child.id().map(i64::from).unwrap_or(0);
    let _guard = GroupGuard(pid);
    let stdin = StdinWriter::spawn(child.stdin.take());
    let start = SupervisorMessage::Start(Box::new(Start {
        protocol: PROTOCOL_VERSION,
        task: Task::Run,
        run: Some(RunInfo {
            id: run.id,
            job_id: job.id,
            trigger: run.trigger.as_str().into(),
            scheduled_for: run.scheduled_for.map(to_rfc3339),
        }),
        job: job_spec(
            job,
            &cwd.to_string_lossy(),
            timeout_ms,
            job_env,
            prefs.stop_grace_ms.max(0) as u64,
        ),
        settings: settings_for(job, &prefs, session),
    }));
    stdin.send(encode_line(&start));

    // Mark running (the process is already at work). If the store cannot
    // take it, keep trying beside supervising the run: a full disk must
    // not stall the run (its output, timeout and stop).
    let started_at = now_ms();
    let (run_id, process, executor_name) = (run.id, record(pid), binary.clone());
    let mark = move |c: &mut crate::db::Connection| {
        runs::mark_running(c, run_id, started_at, &executor_name, &process)?;
        runs::get(c, run_id)
    };
    let _stop_marking = match app.db.call(mark.clone()).await {
        Ok(marked) => {
            if let Some(run) = marked {
                publish_run(app, &run);
            }
            None
        }
        Err(_) => {
            let app = app.clone();
            Some(AbortOnDrop(tokio::spawn(async move {
                if let Some(Some(run)) = until_written(&app, run_id, "mark it running", mark).await
                {
                    publish_run(&app, &run);
                }
            })))
        }
    };
    let _long_run = super::watch::LongRunAlarm::arm(app, job, run.id);

    crate::notify::run_started(app, job.id, run.id);

    let grace = Duration::from_millis(prefs.stop_grace_ms.max(0) as u64);
    let outcome = supervise(
        &mut child,
        stdin,
        pid,
        log,
        &mut control,
        Duration::from_millis(timeout_ms),
        stall_ms.map(|ms| Duration::from_millis(ms as u64)),
        grace,
    )
    .await;
    let Supervised {
        stop,
        result,
        usage,
        exit,
    } = outcome;
    // The job's exit code is what the executor reports; the executor's own
    // exit status stands in only when it reported nothing.
    let reported = result.as_ref().and_then(|r| r.exit_code);
    let code = match &result {
        Some(_) => reported,
        None => exit.as_ref().and_then(|e| e.code()),
    };
    let (status, error) = match (stop, &result) {
        (Some(StopReason::Timeout), _) => (
            RunStatus::Timeout,
            Some(format!("timed out after {timeout_ms} ms")),
        ),
        (Some(StopReason::Stall), _) => {
            app.metrics.run_stalled();
            (
                RunStatus::Timeout,
                Some(format!(
                    "stalled: no output for {}",
                    crate::model::limits::seconds_text(stall_ms.unwrap_or(0))
                )),
            )
        }
        (Some(StopReason::User), _) => (RunStatus::Failure, Some("stopped by user".to_string())),
        (Some(StopReason::Shutdown), _) => (
            RunStatus::Failure,
            Some("stopped: supervisor shutting down".to_string()),
        ),
        (
            None,
            Some(RunResult {
                status: ResultStatus::Success,
                ..
            }),
        ) => (RunStatus::Success, None),
        (
            None,
            Some(RunResult {
                status: ResultStatus::Failure,
                error,
                ..
            }),
        ) => {
            let error = error
                .clone()
                .filter(|e| !e.is_empty())
                .unwrap_or_else(|| match code {
                    Some(code) => format!("exit code {code}"),
                    None => "failed".to_string(),
                });
            (RunStatus::Failure, Some(error))
        }
        (None, None) => (
            RunStatus::Failure,
            Some(format!(
                "executor exited without result ({})",
                describe_exit(exit.as_ref())
            )),
        ),
    };
    // What the executor reported counts only when its result decided the
    // outcome (not after a stop, a timeout or a stall).
    let (ai, retry_at) = match (&stop, &result) {
        (None, Some(result)) => ai_report(result, status),
        _ => (AiReport::default(), None),
    };
    Ending {
        status,
        exit_code: code,
        error,
        usage,
        executor: Some(binary),
        ai,
        retry_at,
        started_at: Some(started_at),
        retryable: !matches!(stop, Some(StopReason::User | StopReason::Shutdown)),
    }
}

/// The AI fields of a result: the summary cut to 500 characters, `quiet`
/// only for a success, `retryAt` only when it parses.
fn ai_report(result: &RunResult, status: RunStatus) -> (AiReport, Option<Millis>) {
    let text = |value: &Option<Box<str>>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let report = AiReport {
        summary: text(&result.summary).map(|s| crate::model::run::cut_summary(&s)),
        quiet: result.quiet && status == RunStatus::Success,
        error_kind: text(&result.error_kind)
            .filter(|_| status != RunStatus::Success)
            .map(|k| crate::model::run::cut_summary(&k)),
        session_id: text(&result.session_id).filter(|id| id.len() <= 256),
    };
    let retry_at = result.retry_at.as_deref().and_then(parse_rfc3339);
    (report, retry_at)
}

/// Stops a helper task when the run's actor is done with it.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

struct Supervised {
    stop: Option<StopReason>,
    result: Option<RunResult>,
    usage: Option<Usage>,
    exit: Option<std::process::ExitStatus>,
}

/// The actor loop: output, stop requests, timeout, stall, kill deadline,
/// exit.
#[allow(clippy::too_many_arguments)]
async fn supervise(
    child: &mut Child,
    stdin: StdinWriter,
    pid: i64,
    log: &mut LogWriter,
    control: &mut mpsc::UnboundedReceiver<StopReason>,
    timeout: Duration,
    stall: Option<Duration>,
    grace: Duration,
) -> Supervised {
    let mut stdout = LineReader::new(BufReader::with_capacity(
        64 * 1024,
        child.stdout.take().expect("piped"),
    ));
    let mut stderr = child.stderr.take().expect("piped");
    let mut stderr_buf = vec![0u8; 16 * 1024];
    let (mut out_open, mut err_open) = (true, true);
    let timeout_at = Instant::now() + timeout;
    let mut kill_at: Option<Instant> = None;
    let mut drain_until: Option<Instant> = None;
    let mut done = Supervised {
        stop: None,
        result: None,
        usage: None,
        exit: None,
    };
    let mut control_open = true;
    // The stall watchdog: output (a log line, usage, stderr) moves it on.
    let mut last_output = Instant::now();

    while done.exit.is_none() || out_open || err_open {
        tokio::select! {
            line = stdout.next_line(), if out_open => match line {
                Ok(Some(line)) => {
                    if handle_line(line, log, &mut done) {
                        last_output = Instant::now();
                    }
                }
                Ok(None) | Err(_) => out_open = false,
            },
            read = stderr.read(&mut stderr_buf), if err_open => match read {
                Ok(0) | Err(_) => err_open = false,
                Ok(n) => {
                    log.append(&stderr_buf[..n]);
                    last_output = Instant::now();
                }
            },
            status = child.wait(), if done.exit.is_none() => {
                done.exit = status.ok();
                // Nothing of the run may outlive its executor.
                signal_group(pid, libc::SIGKILL);
                drain_until = Some(Instant::now() + DRAIN_AFTER_EXIT);
                stdin.close();
            },
            reason = control.recv(), if control_open && done.stop.is_none() && done.exit.is_none() => match reason {
                Some(reason) => {
                    done.stop = Some(reason);
                    kill_at = Some(begin_stop(&stdin, pid, reason, grace));
                }
                None => control_open = false,
            },
            _ = sleep_until(timeout_at), if done.stop.is_none() && done.exit.is_none() => {
                done.stop = Some(StopReason::Timeout);
                kill_at = Some(begin_stop(&stdin, pid, StopReason::Timeout, grace));
            },
            _ = sleep_until(last_output + stall.unwrap_or(timeout)), if stall.is_some() && done.stop.is_none() && done.exit.is_none() => {
                done.stop = Some(StopReason::Stall);
                kill_at = Some(begin_stop(&stdin, pid, StopReason::Stall, grace));
            },
            _ = sleep_until(kill_at.unwrap_or(timeout_at)), if kill_at.is_some() && done.exit.is_none() => {
                signal_group(pid, libc::SIGKILL);
                kill_at = None;
            },
            _ = sleep_until(drain_until.unwrap_or(timeout_at)), if drain_until.is_some() => break,
        }
    }
    stdin.close();
    done
}

/// Handles one stdout line; true if it was output (a log line or usage).
fn handle_line(line: Line, log: &mut LogWriter, done: &mut Supervised) -> bool {
    let bytes = match line {
        Line::Complete(bytes) => bytes,
        Line::TooLong(prefix) => {
            log.note(&format!(
                "protocol error: line longer than {} bytes: {}",
                backbeat_protocol::MAX_LINE_BYTES,
                String::from_utf8_lossy(&prefix)
            ));
            return true;
        }
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return false;
    }
    match decode_executor_line(&bytes) {
        Ok(Decoded::Message(ExecutorMessage::Log { text, .. })) => {
            log.append(text.as_bytes());
            return true;
        }
        Ok(Decoded::Message(ExecutorMessage::Usage(u))) => {
            done.usage = Some(Usage {
                input_tokens: u.input_tokens as i64,
                output_tokens: u.output_tokens as i64,
                cost_usd: u.cost_usd,
                model: u.model,
                turns: u.turns.map(|t| t as i64),
            });
            return true;
        }
        Ok(Decoded::Message(ExecutorMessage::Result(result))) => done.result = Some(result),
        Ok(Decoded::Message(ExecutorMessage::Draft { .. })) | Ok(Decoded::Unknown(_)) => {}
        Err(e) => {
            let text = String::from_utf8_lossy(&bytes);
            let head: String = text.chars().take(200).collect();
            log.note(&format!("protocol error: {e}: {head}"));
        }
    }
    false
}

/// cancel message + SIGTERM to the group; returns when to SIGKILL.
fn begin_stop(stdin: &StdinWriter, pid: i64, reason: StopReason, grace: Duration) -> Instant {
    let reason = match reason {
        StopReason::User => CancelReason::User,
        StopReason::Timeout | StopReason::Stall => CancelReason::Timeout,
        StopReason::Shutdown => CancelReason::Shutdown,
    };
    stdin.send(encode_line(&SupervisorMessage::Cancel { reason }));
    signal_group(pid, libc::SIGTERM);
    Instant::now() + grace
}

/// Owns the executor's stdin in a task of its own, so an executor that
/// does not read can never block the actor (its timeout and stop stay
/// armed). Closing (or dropping) it closes stdin once queued lines are out.
struct StdinWriter {
    lines: std::sync::Mutex<Option<mpsc::UnboundedSender<String>>>,
}

impl StdinWriter {
    fn spawn(stdin: Option<ChildStdin>) -> StdinWriter {
        let (tx, mut rx) = mpsc::unbounded_channel::<String>();
        if let Some(mut stdin) = stdin {
            tokio::spawn(async move {
                while let Some(line) = rx.recv().await {
                    if stdin.write_all(line.as_bytes()).await.is_err() {
                        break;
                    }
                }
            });
        }
        StdinWriter {
            lines: std::sync::Mutex::new(Some(tx)),
        }
    }

    fn send(&self, line: String) {
        if let Some(tx) = self
            .lines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            let _ = tx.send(line);
        }
    }

    fn close(&self) {
        self.lines.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

/// Kills the run's process group when the actor ends, however it ends
/// (including being dropped at runtime shutdown).
struct GroupGuard(i64);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        signal_group(self.0, libc::SIGKILL);
    }
}

fn describe_exit(exit: Option<&std::process::ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match exit {
        Some(status) => match (status.code(), status.signal()) {
            (Some(code), _) => format!("exit code {code}"),
            (None, Some(signal)) => format!("signal {signal}"),
            _ => "unknown status".into(),
        },
        None => "status unknown".into(),
    }
}

fn home_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// Records the outcome and applies retention (one transaction, retried
/// until written), then frees the run's slot and tells the queue. Until
/// then the run counts as running: its slot stays taken, which is true to
/// the store.
async fn finish(app: &Arc<App>, job: &Job, run_id: i64, ending: Ending, path: &Path) {
    let log_bytes = std::fs::metadata(path).map(|m| m.len() as i64).unwrap_or(0);
    let keep = app.prefs().log_retention_per_job;
    let job_id = job.id;
    let status = ending.status;
    let retryable = ending.retryable;
    let finished_at = now_ms();
    let result = until_written(app, run_id, "record its outcome", move |c| {
        let tx = crate::db::write_tx(c)?;
        runs::finish(
            &tx,
            run_id,
            &runs::Outcome {
                status: ending.status,
                executor: ending.executor.as_deref(),
                started_at: ending.started_at,
                finished_at,
                exit_code: ending.exit_code,
                error: ending.error.as_deref(),
                log_bytes,
                usage: ending.usage.as_ref(),
                retry_at: ending.retry_at,
                ai: &ending.ai,
            },
        )?;
        // Read the final state first: followers must see it even if
        // the run is not among the kept ones.
        if let Some(cost) = ending.usage.as_ref().and_then(|u| u.cost_usd) {
            crate::db::spend::record(&tx, run_id, job_id, finished_at, cost)?;
        }
        let run = runs::get(&tx, run_id)?;
        // After the outcome is written, maybe schedule a retry (same
        // transaction: a retryable failure never lacks its retry).
        let retry = match (&run, retryable) {
            (Some(run), true) => crate::service::retry::schedule(&tx, run)?,
            _ => None,
        };
        let deleted = runs::apply_retention(&tx, job_id, keep)?;
        tx.commit()?;
        Ok((run, deleted, retry))
    })
    .await;
    app.queue.finished(run_id);
    if let Some((_, _, Some(retry))) = &result {
        crate::service::retry::enqueue(app, retry);
    }
    app.metrics.run_finished(status);
    // The slot is free: start the next run before the bookkeeping below.
    super::dispatch::dispatch(app);
    if let Some((run, deleted, retry)) = result {
        crate::service::runs::remove_logs(app, job_id, &deleted);
        if let Some(run) = run {
            publish_run(app, &run);
        }
        // A user stop or a shutdown tells nobody; a failure with a retry
        // scheduled waits for the last retry.
        let finish = match (retryable, retry.is_some()) {
            (false, _) => Finish::Quiet,
            (true, true) => Finish::RetryScheduled,
            (true, false) => Finish::Final,
        };
        crate::notify::run_finished(app, job_id, run_id, finish);
        // The job's lastRun changed.
        crate::service::publish::refresh_job(app, job_id).await;
    }
}
