//! For the conformance tests with the REAL `claude` and `codex` CLIs:
//! finding them (`BACKBEAT_REAL_CLI_DIR`, see `scripts/setup-ai-clis`),
//! skipping loudly when they are absent, running the loopback mock model
//! servers of `tests/ai-mock/`, and stopping runners started against them.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use super::{RunnerProcess, TempDir, Transcript, ai_mock_dir, eventually, group_members};

/// The env var naming the directory holding the real `claude` and `codex`.
pub const REAL_CLI_DIR: &str = "BACKBEAT_REAL_CLI_DIR";

/// Set to `1` to make a missing real CLI fail the tests instead of skipping
/// them (for CI, where the conformance tests must run).
pub const REQUIRE_REAL_CLI: &str = "BACKBEAT_REQUIRE_REAL_CLI";

/// The real CLI `name`, or `None` after printing why the test is skipped
/// (a panic instead when [`REQUIRE_REAL_CLI`] is `1`).
pub fn real_cli(name: &str) -> Option<PathBuf> {
    let skip = |reason: String| {
        if std::env::var(REQUIRE_REAL_CLI).is_ok_and(|v| v == "1") {
            panic!("real CLI conformance required ({REQUIRE_REAL_CLI}=1) but {reason}");
        }
        say_skipped(&reason);
        None
    };
    let Some(dir) = std::env::var_os(REAL_CLI_DIR).filter(|d| !d.is_empty()) else {
        return skip(format!(
            "{REAL_CLI_DIR} is not set (export {REAL_CLI_DIR}=\"$(scripts/setup-ai-clis)\")"
        ));
    };
    let binary = PathBuf::from(dir).join(name);
    if !binary.exists() {
        return skip(format!(
            "{} does not exist (run scripts/setup-ai-clis)",
            binary.display()
        ));
    }
    if Command::new("python3").arg("--version").output().is_err() {
        return skip("python3 (for the mock model servers) is not installed".into());
    }
    Some(binary)
}

/// Prints `SKIPPED: real CLI conformance — <reason>` straight to stderr,
/// past the test harness's output capture, so a skip is never silent.
pub fn say_skipped(reason: &str) {
    let line = format!("SKIPPED: real CLI conformance — {reason}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// A mock model server (`tests/ai-mock/<script>`) on a free loopback port,
/// killed on drop. Every request it gets is logged as a JSON line.
pub struct MockServer {
    child: Child,
    pub port: u16,
    log: PathBuf,
    _dir: TempDir,
}

impl MockServer {
    /// Starts `script` (`mock_anthropic.py`, `mock_responses.py`) with `scenario`.
    pub fn start(script: &str, scenario: &str) -> MockServer {
        let dir = TempDir::new("mock-server");
        let log = dir.join("requests.jsonl");
        let mut child = Command::new("python3")
            .arg(ai_mock_dir().join(script))
            .arg(scenario)
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the mock server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .read_line(&mut line)
            .expect("read the port");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .expect("PORT <n> line");
        MockServer {
            child,
            port,
            log,
            _dir: dir,
        }
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("mock log is JSON lines"))
            .collect()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A runner started against a fresh [`MockServer`]; `dir` holds the
/// directories it runs in and is removed with it.
pub struct Launched {
    pub runner: RunnerProcess,
    pub mock: MockServer,
    pub dir: TempDir,
}

impl Launched {
    /// Waits (at most `limit`) for the result; the mock is kept to look at
    /// the requests it got.
    pub fn finish(self, limit: Duration) -> (Transcript, MockServer) {
        (self.runner.finish(limit), self.mock)
    }

    /// Stops the run as the supervisor does (a `cancel` message with
    /// `reason`, SIGTERM to the group) and checks that the runner reports
    /// `cancelled` and nothing is left in its process group.
    pub fn stop_and_expect_empty_group(mut self, reason: &str) {
        let group = self.runner.pid();
        self.runner
            .send(&json!({"type": "cancel", "reason": reason}));
        self.runner.signal_group(libc::SIGTERM);
        let transcript = self.runner.finish(Duration::from_secs(10));
        assert_eq!(transcript.result()["status"], "failure");
        assert_eq!(transcript.error(), "cancelled");
        assert!(
            eventually(Duration::from_secs(5), || group_members(group).is_empty()),
            "left: {:?}",
            group_members(group)
        );
    }
}

/// Whether the tests run as root (real claude refuses bypass mode then).
pub fn running_as_root() -> bool {
    // SAFETY: plain syscall without arguments.
    unsafe { libc::geteuid() == 0 }
}
