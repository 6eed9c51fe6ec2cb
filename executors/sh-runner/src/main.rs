//! `sh-runner`: the executor for `script` jobs. Reads the `start` message,
//! runs the job body with `/bin/sh -c` in the executor's own process group,
//! streams the shell's stdout and stderr as `log` messages and reports the
//! exit status as the `result`.
//!
//! Stopping: on a `cancel` message, on SIGTERM, or when stdin reaches EOF
//! (the supervisor is gone) it sends SIGTERM to its whole process group,
//! waits for the shell, and if stdin closed, SIGKILLs the group after a
//! grace period so nothing outlives a dead supervisor.

mod output;

use std::io::{self, BufRead};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use backbeat_protocol::{
    Decoded, Describe, ExecutorMessage, LineWriter, LogStream, PROTOCOL_VERSION, RunResult,
    SupervisorMessage, Task, decode_supervisor_line,
};

/// How long the output readers may keep draining after the shell exits
/// (a background process may hold the pipes open; the supervisor kills it).
const DRAIN_AFTER_EXIT: Duration = Duration::from_millis(200);
/// Grace between SIGTERM and SIGKILL when the supervisor has vanished.
const ORPHAN_GRACE: Duration = Duration::from_secs(5);

/// SIGTERM reaches the whole group (us and the shell). We must outlive the
/// shell to report how it ended, so we catch it (a handler, unlike SIG_IGN,
/// is not inherited by the shell across exec).
extern "C" fn on_sigterm(_: libc::c_int) {}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("--describe") {
        let describe = Describe {
            name: "sh".into(),
            protocol: PROTOCOL_VERSION,
            version: env!("CARGO_PKG_VERSION").into(),
            job_type: "script".into(),
            description: "Runs the body with /bin/sh".into(),
            ai_mode: None,
        };
        println!(
            "{}",
            serde_json::to_string(&describe).expect("describe serializes")
        );
        return;
    }
    let out = LineWriter::stdout();
    let result = run(&out);
    let _ = out.send(&ExecutorMessage::Result(result));
}

fn run(out: &LineWriter) -> RunResult {
    // SAFETY: installing a handler that does nothing.
    unsafe { libc::signal(libc::SIGTERM, on_sigterm as *const () as libc::sighandler_t) };

    let stdin = io::stdin();
    let mut first = String::new();
    if stdin.lock().read_line(&mut first).unwrap_or(0) == 0 {
        return RunResult::failure(None, "no start message on stdin");
    }
    let start = match decode_supervisor_line(first.trim_end().as_bytes()) {
        Ok(Decoded::Message(SupervisorMessage::Start(start))) => start,
        Ok(_) => return RunResult::failure(None, "first message was not `start`"),
        Err(e) => return RunResult::failure(None, format!("bad start message: {e}")),
    };
    if start.task != Task::Run {
        return RunResult::failure(
            None,
            format!("sh-runner does not support task {:?}", start.task),
        );
    }
    let job = match start.job_spec() {
        Ok(job) => job,
        Err(e) => return RunResult::failure(None, format!("bad job in start message: {e}")),
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
    watch_stdin(child.id() as libc::pid_t);

    let status = match child.wait() {
        Ok(status) => status,
        Err(e) => return RunResult::failure(None, format!("waiting for /bin/sh failed: {e}")),
    };
    // Drain what the shell wrote; do not wait for background processes
    // that inherited the pipes.
    let deadline = std::time::Instant::now() + DRAIN_AFTER_EXIT;
    let mut open = readers.len();
    while open > 0 {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match done_rx.recv_timeout(left) {
            Ok(()) => open -= 1,
            Err(_) => break,
        }
    }

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

/// Reads supervisor messages after `start`. `cancel` → SIGTERM to the
/// group; EOF (the supervisor died) → SIGTERM, then SIGKILL after a grace.
fn watch_stdin(shell: libc::pid_t) {
    thread::spawn(move || {
        let stdin = io::stdin();
        for line in stdin.lock().lines() {
            let Ok(line) = line else { break };
            if let Ok(Decoded::Message(SupervisorMessage::Cancel { .. })) =
                decode_supervisor_line(line.as_bytes())
            {
                signal_ours(shell, libc::SIGTERM);
            }
        }
        // EOF: nobody is listening any more. Stop everything we started.
        signal_ours(shell, libc::SIGTERM);
        thread::sleep(ORPHAN_GRACE);
        signal_ours(shell, libc::SIGKILL);
    });
}

/// Signals our process group when we lead one (as the supervisor starts
/// us); otherwise (started by hand) only the shell, never a stranger's group.
fn signal_ours(shell: libc::pid_t, signal: libc::c_int) {
    // SAFETY: plain syscalls.
    unsafe {
        if libc::getpgrp() == libc::getpid() {
            libc::kill(0, signal);
        } else {
            libc::kill(shell, signal);
        }
    }
}
