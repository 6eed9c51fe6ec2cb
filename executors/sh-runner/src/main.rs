//! `sh-runner`: the executor for `script` jobs. Reads the `start` message,
//! runs the job body with `/bin/sh -c` in the executor's own process group,
//! streams the shell's stdout and stderr as `log` messages and reports the
//! exit status as the `result`.
//!
//! Stopping: on a `cancel` message, on SIGTERM, or when stdin reaches EOF
//! (the supervisor is gone) it sends SIGTERM to its whole process group
//! and every descendant, and waits for the shell. When the shell is gone
//! it kills and reaps whatever the job left behind — background jobs,
//! `setsid` escapees — after the orphan grace if stdin closed, then
//! reports (`runner-control`).

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use backbeat_protocol::{Describe, LineWriter, LogStream, PROTOCOL_VERSION, RunResult, Start};
use runner_control::output;

/// How long the output readers may keep draining after the shell exits
/// (a background process may hold the pipes open; the supervisor kills it).
const DRAIN_AFTER_EXIT: Duration = Duration::from_millis(200);

fn main() {
    let describe = || Describe {
        name: "sh".into(),
        protocol: PROTOCOL_VERSION,
        version: env!("CARGO_PKG_VERSION").into(),
        job_type: "script".into(),
        description: "Runs the body with /bin/sh".into(),
        ai_mode: None,
        options_schema: None,
    };
    runner_control::serve(describe, run);
}

fn run(out: &LineWriter, start: Start) -> RunResult {
    let job = match runner_control::job_to_run(&start, "sh-runner") {
        Ok(job) => job,
        Err(failure) => return failure,
    };

    let mut child = match Command::new("/bin/sh")
        .arg("-c")
        .arg(&job.body)
        .current_dir(&job.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return RunResult::failure(None, format!("could not start /bin/sh: {e}")),
    };

    let (done_tx, done_rx) = mpsc::channel::<()>();
    let readers = [
        output::forward(
            child.stdout.take().expect("piped"),
            LogStream::Stdout,
            out.clone(),
            done_tx.clone(),
        ),
        output::forward(
            child.stderr.take().expect("piped"),
            LogStream::Stderr,
            out.clone(),
            done_tx,
        ),
    ];
    runner_control::watch_stdin(child.id() as libc::pid_t);

    let status = match child.wait() {
        Ok(status) => status,
        Err(e) => return RunResult::failure(None, format!("waiting for /bin/sh failed: {e}")),
    };
    // Drain what the shell wrote; do not wait for background processes
    // that inherited the pipes: kill them, then take what they left.
    let mut open = readers.len();
    output::drain(&done_rx, &mut open, DRAIN_AFTER_EXIT);
    runner_control::end_run();
    output::drain(&done_rx, &mut open, DRAIN_AFTER_EXIT);

    exit_result(status)
}

/// The `result` for how the shell exited.
fn exit_result(status: std::process::ExitStatus) -> RunResult {
    if let Some(code) = status.code() {
        if code == 0 {
            RunResult::success()
        } else {
            RunResult::failure(Some(code), format!("exit code {code}"))
        }
    } else {
        let signal = status.signal().unwrap_or(0);
        RunResult::failure(
            None,
            format!(
                "killed by signal {signal} ({})",
                output::signal_name(signal)
            ),
        )
    }
}
