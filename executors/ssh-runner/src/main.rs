//! `ssh-runner`: the executor for `ssh` jobs. Runs the body on another host
//! through the system OpenSSH client (`ssh -o BatchMode=yes -T`: the
//! user's keys, agent, `~/.ssh/config` and known_hosts; never a password,
//! never a relaxed host key check). `BACKBEAT_SSH_CONFIG` names a config
//! file to use instead of `~/.ssh/config` (`ssh -F`).
//!
//! On the remote host the job runs in its own session under a small
//! wrapper (`wrapper.sh`, sent over the channel by `remote_script`), which
//! reports the job's process group, turns control lines from this runner
//! into signals to that group, kills it when the channel reaches EOF (the
//! connection or this runner is gone) and reports the exit status
//! (`control`). stdout and stderr stream live.
//!
//! Stopping (`cancel`, SIGTERM, supervisor EOF; a timeout is a `cancel`):
//! `TERM` to the remote group now, `KILL` shortly before the supervisor's
//! `stopGraceMs` runs out (`channel`). The ssh client ignores SIGTERM, so
//! the connection outlives the supervisor's SIGTERM to our group.

mod channel;
mod control;
mod options;
mod remote_script;

use std::collections::BTreeMap;
use std::io;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use backbeat_protocol::{Describe, LineWriter, LogStream, PROTOCOL_VERSION, RunResult, Start};
use runner_control::output;

use crate::channel::Channel;
use crate::control::{ControlFilter, Remote, Shared};
use crate::options::Options;
use crate::remote_script::RemoteJob;

/// How long the output readers may keep draining after ssh exits.
const DRAIN_AFTER_EXIT: Duration = Duration::from_millis(500);
/// How long ssh may stay connected after the job's exit status came.
const LINGER_AFTER_EXIT: Duration = Duration::from_secs(2);
/// The supervisor's default `stopGraceMs`, for older supervisors.
const DEFAULT_STOP_GRACE_MS: u64 = 5000;
/// `KILL` goes out this long before the supervisor's own SIGKILL (at most
/// half the grace), so it still travels over a live connection.
const KILL_MARGIN: Duration = Duration::from_millis(1000);
/// Names the config file to use instead of `~/.ssh/config` (`ssh -F`).
const CONFIG_ENV: &str = "BACKBEAT_SSH_CONFIG";
/// The `BACKBEAT_*` variables passed on to the remote job.
const PASSED_ON: [&str; 1] = ["BACKBEAT_INSTANCE"];

fn main() {
    let describe = || Describe {
        name: "ssh".into(),
        protocol: PROTOCOL_VERSION,
        version: env!("CARGO_PKG_VERSION").into(),
        job_type: "ssh".into(),
        description: "Runs the body on another host over OpenSSH".into(),
        ai_mode: None,
        options_schema: Some(options::schema()),
    };
    runner_control::serve(describe, run);
}

fn run(out: &LineWriter, start: Start) -> RunResult {
    let job = match runner_control::job_to_run(&start, "ssh-runner") {
        Ok(job) => job,
        Err(failure) => return failure,
    };
    let options = match Options::parse(&job.executor_options) {
        Ok(options) => options,
        Err(e) => return RunResult::failure(None, e),
    };
    let destination = match options::destination(&options.host) {
        Ok(destination) => destination,
        Err(e) => return RunResult::failure(None, e),
    };
    let host = options.host.trim();

    let mut env: BTreeMap<String, String> = job.env.clone();
    if let Some(run) = &start.run {
        env.insert("BACKBEAT_RUN_ID".into(), run.id.to_string());
        env.insert("BACKBEAT_JOB_ID".into(), run.job_id.to_string());
        env.insert("BACKBEAT_TRIGGER".into(), run.trigger.clone());
    }
    for name in PASSED_ON {
        if let Ok(value) = std::env::var(name) {
            env.insert(name.into(), value);
        }
    }
    let grace = Duration::from_millis(job.stop_grace_ms.unwrap_or(DEFAULT_STOP_GRACE_MS));
    let token = token();
    let payload = match remote_script::payload(&RemoteJob {
        token: &token,
        grace_secs: grace.as_secs_f64().ceil().max(1.0) as u64,
        cwd: &options.cwd,
        shell: options.shell(),
        body: &job.body,
        env: &env,
    }) {
        Ok(payload) => payload,
        Err(e) => return RunResult::failure(None, format!("cannot pass the job to {host}: {e}")),
    };

    let mut child = match ssh_command(&destination).spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return RunResult::failure(
                None,
                "ssh not found: install the OpenSSH client (package openssh-client)",
            );
        }
        Err(e) => return RunResult::failure(None, format!("could not start ssh: {e}")),
    };
    let kill_after = grace.saturating_sub(KILL_MARGIN.min(grace / 2));
    let channel: &'static Channel = Box::leak(Box::new(Channel::open(
        child.stdin.take().expect("piped"),
        payload,
        kill_after,
    )));
    let remote = Shared::default();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let stderr = ControlFilter::new(
        child.stderr.take().expect("piped"),
        &token,
        format!("[ssh-runner] running on {host} in remote process group"),
        remote.clone(),
    );
    let readers = [
        output::forward(
            child.stdout.take().expect("piped"),
            LogStream::Stdout,
            out.clone(),
            done_tx.clone(),
        ),
        output::forward(stderr, LogStream::Stderr, out.clone(), done_tx),
    ];
    runner_control::watch_stdin_with(move |signal| channel.signal(signal));

    let status = match wait(&mut child, channel, &remote) {
        Ok(status) => status,
        Err(e) => return RunResult::failure(None, format!("waiting for ssh failed: {e}")),
    };
    let mut open = readers.len();
    output::drain(&done_rx, &mut open, DRAIN_AFTER_EXIT);
    let remote = remote.lock().unwrap_or_else(|p| p.into_inner()).clone();
    outcome(host, &options.cwd, status, &remote, channel.stopping())
}

/// `ssh [-F config] -o BatchMode=yes … -T [-p port] -- destination BOOTSTRAP`.
fn ssh_command(destination: &options::Destination) -> Command {
    let mut command = Command::new("ssh");
    if let Some(config) = std::env::var_os(CONFIG_ENV).filter(|c| !c.is_empty()) {
        command.arg("-F").arg(config);
    }
    command.args([
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=20",
        "-o",
        "ServerAliveInterval=10",
        "-o",
        "ServerAliveCountMax=3",
        "-o",
        "ClearAllForwardings=yes",
        "-T",
    ]);
    if let Some(port) = destination.port {
        command.arg("-p").arg(port.to_string());
    }
    command
        .arg("--")
        .arg(&destination.target)
        .arg(remote_script::BOOTSTRAP)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    runner_control::ignore_sigterm_in(&mut command);
    command
}

/// Waits for ssh. On a stop before the remote job has started, ends the
/// connection (the wrapper kills its job when the channel closes). Once
/// the job's exit status is in, ssh gets [`LINGER_AFTER_EXIT`] to finish:
/// a process the job moved out of its group may hold the session open.
fn wait(child: &mut Child, channel: &'static Channel, remote: &Shared) -> io::Result<ExitStatus> {
    let mut killed = false;
    let mut exited_at = None;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        let (started, exited) = {
            let remote = remote.lock().unwrap_or_else(|p| p.into_inner());
            (remote.pgid.is_some(), remote.exit.is_some())
        };
        if runner_control::cancelled() {
            channel.signal(libc::SIGTERM);
            if !started && !killed {
                let _ = child.kill();
                killed = true;
            }
        }
        if exited {
            let since = *exited_at.get_or_insert_with(Instant::now);
            if since.elapsed() > LINGER_AFTER_EXIT && !killed {
                let _ = child.kill();
                killed = true;
            }
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// The run's result from what the remote side reported and how ssh ended.
fn outcome(
    host: &str,
    cwd: &str,
    status: ExitStatus,
    remote: &Remote,
    stopping: bool,
) -> RunResult {
    if let Some(code) = remote.exit {
        return if code == 0 {
            RunResult::success()
        } else {
            RunResult::failure(Some(code), format!("exit code {code}"))
        };
    }
    if remote.bad_cwd {
        return RunResult::failure(
            None,
            format!("working directory does not exist on {host}: {cwd}"),
        );
    }
    if remote.pgid.is_some() {
        return RunResult::failure(None, format!("connection to {host} lost"));
    }
    if stopping {
        return RunResult::failure(None, format!("stopped before the job started on {host}"));
    }
    let reason = remote
        .last_stderr_line()
        .unwrap_or_else(|| match status.code() {
            Some(code) => format!("ssh exited with code {code}"),
            None => "ssh was killed".into(),
        });
    RunResult::failure(
        None,
        format!("ssh to {host} failed: {reason}{}", hint(&reason)),
    )
}

/// What to do about a few common ssh failures.
fn hint(reason: &str) -> &'static str {
    if reason.contains("Permission denied") {
        " (ssh-runner never asks for a password: the key must be in ssh-agent or named by IdentityFile in ~/.ssh/config, and be in the host's authorized_keys)"
    } else if reason.contains("Host key verification failed") {
        " (the host is not in ~/.ssh/known_hosts, or its key changed: connect once with ssh to check and accept it)"
    } else {
        ""
    }
}

/// A random marker for the wrapper's control lines (the job's output
/// cannot guess it).
fn token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("backbeat-ssh-{hex}")
}
