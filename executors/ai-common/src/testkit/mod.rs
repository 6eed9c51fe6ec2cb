//! Test helpers for the runners' integration tests (feature `testkit`):
//! starting a runner binary the way the supervisor does (own process
//! group, `start` on stdin, stdin kept open until the `result`), reading
//! its protocol lines, the fake CLIs in `tests/ai-mock/fake/` (`fake.rs`)
//! and what they record, temporary directories, and (`real_cli.rs`) the real CLIs and the
//! loopback mock model servers for the conformance tests.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod fake;
mod observe;
mod real_cli;
pub use fake::{FakeRun, sleeping_run};
pub use observe::{Recorded, alive, eventually, gone_within, group_members};
pub use real_cli::{
    Launched, MockServer, REAL_CLI_DIR, REQUIRE_REAL_CLI, real_cli, running_as_root, say_skipped,
};

/// `tests/ai-mock/` in the checkout.
pub fn ai_mock_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/ai-mock")
        .canonicalize()
        .expect("tests/ai-mock exists")
}

/// The fake `claude` or `codex` executable.
pub fn fake_cli(name: &str) -> String {
    ai_mock_dir()
        .join("fake")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// A directory removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("backbeat-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    pub fn str(&self) -> String {
        self.0.to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A `start` line for task `run`.
pub fn run_start(body: &str, cwd: &str, settings: Value) -> Value {
    json!({"type": "start", "protocol": 1, "task": "run",
        "run": {"id": 41, "jobId": 3, "trigger": "manual", "scheduledFor": null},
        "job": {"title": "AI job", "type": "ai", "body": body, "cwd": cwd, "timeoutMs": 600000},
        "settings": settings})
}

/// A `start` line for task `draft` or `refine` (`job` as given).
pub fn authoring_start(task: &str, job: Value, settings: Value) -> Value {
    json!({"type": "start", "protocol": 1, "task": task, "job": job, "settings": settings})
}

/// A runner started like the supervisor starts it.
pub struct RunnerProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Value>,
    stderr: Receiver<String>,
    messages: Vec<Value>,
}

impl RunnerProcess {
    /// Starts `binary` as leader of a new process group with `envs` added,
    /// in `cwd`, and writes the `start` line.
    pub fn start(binary: &str, start: &Value, envs: &[(&str, &str)], cwd: &Path) -> RunnerProcess {
        Self::start_without(binary, start, envs, &[], cwd)
    }

    /// Like [`RunnerProcess::start`], with the variables in `removed` unset.
    pub fn start_without(
        binary: &str,
        start: &Value,
        envs: &[(&str, &str)],
        removed: &[&str],
        cwd: &Path,
    ) -> RunnerProcess {
        let mut command = Command::new(binary);
        for key in removed {
            command.env_remove(key);
        }
        command
            .process_group(0)
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in envs {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("start the runner");
        let mut stdin = child.stdin.take().expect("piped");
        writeln!(stdin, "{start}").expect("write start");
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped");
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let value: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("runner printed a non-JSON line ({e}): {line}"));
                if tx.send(value).is_err() {
                    break;
                }
            }
        });
        let (etx, stderr) = mpsc::channel();
        let mut pipe = child.stderr.take().expect("piped");
        thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            let _ = etx.send(text);
        });
        RunnerProcess {
            child,
            stdin: Some(stdin),
            lines,
            stderr,
            messages: Vec::new(),
        }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Reads messages until one matches `want` (returned), or panics after `timeout`.
    pub fn wait_for(&mut self, timeout: Duration, want: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(message) => {
                    self.messages.push(message.clone());
                    if want(&message) {
                        return message;
                    }
                }
                Err(_) => {
                    self.kill_group();
                    panic!(
                        "no matching message within {timeout:?}; got {:#?}",
                        self.messages
                    );
                }
            }
        }
    }

    /// Writes a line to the runner's stdin.
    pub fn send(&mut self, line: &Value) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").expect("write to runner");
    }

    /// Closes stdin, as a supervisor that died would.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Signals the runner's whole process group.
    pub fn signal_group(&self, signal: i32) {
        // SAFETY: plain syscall on the group we created.
        unsafe { libc::kill(-self.pid(), signal) };
    }

    fn kill_group(&mut self) {
        self.signal_group(libc::SIGKILL);
        let _ = self.child.wait();
    }

    /// Reads until the `result`, then closes stdin and waits for exit.
    pub fn finish(mut self, timeout: Duration) -> Transcript {
        self.wait_for(timeout, |m| m["type"] == "result");
        self.stdin = None;
        let deadline = Instant::now() + Duration::from_secs(5);
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for runner") {
                break status;
            }
            if Instant::now() > deadline {
                self.kill_group();
                panic!("runner did not exit after its result");
            }
            thread::sleep(Duration::from_millis(10));
        };
        while let Ok(message) = self.lines.recv_timeout(Duration::from_millis(100)) {
            self.messages.push(message);
        }
        let stderr = self
            .stderr
            .recv_timeout(Duration::from_secs(2))
            .unwrap_or_default();
        assert!(
            status.success(),
            "runner exited with {status}; stderr: {stderr}"
        );
        Transcript {
            messages: std::mem::take(&mut self.messages),
            stderr,
        }
    }
}

impl Drop for RunnerProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill_group();
        }
    }
}

/// Everything a runner sent.
#[derive(Debug)]
pub struct Transcript {
    pub messages: Vec<Value>,
    pub stderr: String,
}

impl Transcript {
    /// The run log as the user reads it (both streams, in order).
    pub fn log(&self) -> String {
        self.logs(None)
    }

    /// Only the log text of one stream (`stdout` or `stderr`).
    pub fn logs(&self, stream: Option<&str>) -> String {
        self.messages
            .iter()
            .filter(|m| m["type"] == "log" && stream.is_none_or(|s| m["stream"] == s))
            .filter_map(|m| m["text"].as_str())
            .collect()
    }

    pub fn result(&self) -> &Value {
        let last = self.messages.last().expect("some message");
        assert_eq!(
            last["type"], "result",
            "the result is the last message: {:#?}",
            self.messages
        );
        last
    }

    pub fn of_type(&self, kind: &str) -> Vec<&Value> {
        self.messages.iter().filter(|m| m["type"] == kind).collect()
    }

    pub fn error(&self) -> String {
        self.result()["error"].as_str().unwrap_or("").to_owned()
    }
}
