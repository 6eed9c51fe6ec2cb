//! Starting the AI CLI and following it: stdin closed (`Stdio::null`, or
//! the CLIs wait for input), the runner's process group kept (so a SIGTERM
//! or SIGKILL to the group reaches it), stdout read line by line for the
//! runner to parse, stderr forwarded to the run log as `stderr`.

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use backbeat_protocol::{AiSettings, LineWriter, LogStream, RunResult};

use crate::{control, runner};

/// How long stdout and stderr may keep draining after the CLI exits (a
/// background process it started may hold the pipes open).
const DRAIN_AFTER_EXIT: Duration = Duration::from_millis(300);
/// How many stderr lines are kept for error messages.
const STDERR_TAIL: usize = 20;

/// Which CLI a runner drives, for argv defaults and error messages.
pub struct CliKind {
    /// The default binary name, also used in messages: `claude`, `codex`.
    pub name: &'static str,
    /// What to install: `Claude Code`, `Codex CLI`.
    pub product: &'static str,
    /// The preference naming the binary: `claudeBinary`, `codexBinary`.
    pub setting: &'static str,
}

impl CliKind {
    /// The binary to run: `settings.binary`, or the default name on `PATH`.
    pub fn binary(&self, settings: &AiSettings) -> String {
        let binary = settings.binary.trim();
        if binary.is_empty() {
            self.name.to_owned()
        } else {
            binary.to_owned()
        }
    }

    /// The failure message for a binary that does not exist.
    pub fn not_found(&self, binary: &str) -> String {
        let mut message = format!(
            "{} not found: install {} or set {} in Preferences",
            self.name, self.product, self.setting
        );
        if binary != self.name {
            message.push_str(&format!(" (tried {binary:?})"));
        }
        message
    }
}

/// Appends `name value` to a command line, trimmed; an empty setting
/// leaves its flag out.
pub fn flag(args: &mut Vec<String>, name: &str, value: &str) {
    let value = value.trim();
    if !value.is_empty() {
        args.extend([name.to_owned(), value.to_owned()]);
    }
}

/// A started CLI. Consume it with [`Running::pump`].
pub struct Running {
    pid: libc::pid_t,
    events: Receiver<Event>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    stderr_done: Receiver<()>,
}

enum Event {
    Line(Vec<u8>),
    StdoutClosed,
    Exited(io::Result<ExitStatus>),
}

/// How the CLI ended.
pub struct Finished {
    pub status: io::Result<ExitStatus>,
    /// Its last non-empty stderr lines.
    pub stderr_tail: Vec<String>,
    /// The runner stopped it (a guardrail: budget, token cap).
    pub stopped: bool,
}

/// What the line handler of [`Running::pump_until`] wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Kill the CLI and everything it started, then drain what is left.
    Stop,
}

impl Finished {
    pub fn success(&self) -> bool {
        matches!(&self.status, Ok(status) if status.success())
    }

    pub fn exit_code(&self) -> Option<i32> {
        self.status.as_ref().ok().and_then(|s| s.code())
    }

    /// `exit code 1`, `killed by signal 15`, or the wait error.
    pub fn describe(&self) -> String {
        match &self.status {
            Ok(status) => match (status.code(), status.signal()) {
                (Some(code), _) => format!("exit code {code}"),
                (None, Some(signal)) => format!("killed by signal {signal}"),
                _ => "ended".into(),
            },
            Err(e) => format!("waiting for it failed: {e}"),
        }
    }

    /// The last stderr line, if any: usually the CLI's own error message.
    pub fn last_stderr(&self) -> Option<&str> {
        self.stderr_tail.last().map(String::as_str)
    }
}

/// Starts `binary args…` in `cwd` (or the runner's cwd). `hide_stderr`
/// drops known noise lines from the forwarded stderr. Returns the failure
/// to report when it cannot be started.
pub fn spawn(
    kind: &CliKind,
    binary: &str,
    args: &[String],
    cwd: Option<&str>,
    out: &LineWriter,
    hide_stderr: fn(&str) -> bool,
) -> Result<Running, RunResult> {
    if control::cancelled() {
        return Err(RunResult::failure(None, "cancelled"));
    }
    let mut command = Command::new(binary);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(cwd) = cwd.filter(|c| !c.is_empty()) {
        if !Path::new(cwd).is_dir() {
            return Err(RunResult::failure(
                None,
                format!("working directory does not exist: {cwd}"),
            ));
        }
        command.current_dir(cwd);
    }
    let mut child = command.spawn().map_err(|e| {
        let message = match e.kind() {
            io::ErrorKind::NotFound => kind.not_found(binary),
            _ => format!("could not start {} ({binary}): {e}", kind.name),
        };
        RunResult::failure(None, message)
    })?;
    let pid = child.id() as libc::pid_t;
    control::watch_stdin(pid);

    let (tx, events) = mpsc::channel();
    let stdout = child.stdout.take().expect("stdout is piped");
    let lines = tx.clone();
    thread::spawn(move || {
        read_lines(stdout, |line| {
            lines.send(Event::Line(line.to_vec())).is_ok()
        });
        let _ = lines.send(Event::StdoutClosed);
    });
    let stderr = child.stderr.take().expect("stderr is piped");
    let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
    let (done_tx, stderr_done) = mpsc::channel();
    let (tail, out) = (stderr_tail.clone(), out.clone());
    thread::spawn(move || {
        read_lines(stderr, |line| {
            let text = String::from_utf8_lossy(line);
            let text = text.trim_end_matches(['\n', '\r']);
            if hide_stderr(text) {
                return true;
            }
            runner::log(&out, LogStream::Stderr, text);
            if !text.trim().is_empty() {
                let mut tail = tail.lock().unwrap_or_else(|p| p.into_inner());
                tail.push_back(text.trim().to_owned());
                if tail.len() > STDERR_TAIL {
                    tail.pop_front();
                }
            }
            true
        });
        let _ = done_tx.send(());
    });
    thread::spawn(move || {
        let _ = tx.send(Event::Exited(child.wait()));
    });
    Ok(Running {
        pid,
        events,
        stderr_tail,
        stderr_done,
    })
}

impl Running {
    /// Feeds every stdout line (without its newline) to `on_line` until
    /// the CLI has exited and its output is drained. Passes a SIGTERM we
    /// received on to the CLI in case we do not lead the process group.
    pub fn pump(self, mut on_line: impl FnMut(&[u8])) -> Finished {
        self.pump_until(|line| {
            on_line(line);
            Flow::Continue
        })
    }

    /// As [`Running::pump`], but `on_line` may stop the CLI: it and every
    /// process it started are SIGKILLed (the runner itself lives on to
    /// report); later lines are still read and passed on.
    pub fn pump_until(self, mut on_line: impl FnMut(&[u8]) -> Flow) -> Finished {
        let mut stopped = false;
        let mut exited: Option<(io::Result<ExitStatus>, Instant)> = None;
        let mut stdout_open = true;
        let mut forwarded = false;
        loop {
            if let Some((_, at)) = &exited
                && (!stdout_open || at.elapsed() >= DRAIN_AFTER_EXIT)
            {
                break;
            }
            match self.events.recv_timeout(Duration::from_millis(50)) {
                Ok(Event::Line(line)) => {
                    if on_line(&line) == Flow::Stop && !stopped && exited.is_none() {
                        control::signal_run(self.pid, libc::SIGKILL);
                        stopped = true;
                    }
                }
                Ok(Event::StdoutClosed) => stdout_open = false,
                Ok(Event::Exited(status)) => exited = Some((status, Instant::now())),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if control::cancelled() && !forwarded && exited.is_none() {
                control::terminate_child(self.pid);
                forwarded = true;
            }
        }
        let deadline = exited.as_ref().map_or_else(Instant::now, |(_, at)| *at) + DRAIN_AFTER_EXIT;
        let _ = self
            .stderr_done
            .recv_timeout(deadline.saturating_duration_since(Instant::now()));
        let stderr_tail = self
            .stderr_tail
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect();
        let status = exited.map_or_else(
            || Err(io::Error::other("the CLI was lost")),
            |(status, _)| status,
        );
        Finished {
            status,
            stderr_tail,
            stopped,
        }
    }
}

/// Calls `each` with every line of `pipe` (newline stripped) until EOF, a
/// read error, or `each` returns false.
fn read_lines(pipe: impl Read, mut each: impl FnMut(&[u8]) -> bool) {
    let mut reader = BufReader::with_capacity(64 * 1024, pipe);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        if !each(&line) {
            return;
        }
    }
}
