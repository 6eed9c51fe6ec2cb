//! Runs of a runner against the fake CLIs of `tests/ai-mock/fake/`: one
//! whole run with what the fake recorded, and a run left sleeping for the
//! tests that stop it.

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Recorded, RunnerProcess, TempDir, Transcript, fake_cli, run_start};

/// A finished run against a fake CLI.
pub struct FakeRun {
    pub transcript: Transcript,
    /// What the fake CLI recorded (argv, cwd, stdin, pids).
    pub recorded: Recorded,
    /// The job's working directory.
    pub cwd: TempDir,
}

impl FakeRun {
    /// Runs the `runner` binary on a `run` task with `body` and `settings`
    /// in a fresh directory, the fake `cli` replaying `scenario`, and waits
    /// at most `wait` for its result.
    pub fn run(
        runner: &str,
        cli: &str,
        scenario: &str,
        settings: Value,
        body: &str,
        wait: Duration,
    ) -> FakeRun {
        let cwd = TempDir::new(&format!("{cli}-cwd"));
        let record = cwd.join("record");
        let start = run_start(body, &cwd.str(), settings);
        let envs = [
            ("FAKE_CLI_SCENARIO", scenario),
            ("FAKE_CLI_RECORD", record.to_str().unwrap()),
        ];
        let transcript = RunnerProcess::start(runner, &start, &envs, cwd.path()).finish(wait);
        FakeRun {
            transcript,
            recorded: Recorded::read(&record),
            cwd,
        }
    }
}

/// Starts the `runner` binary in `cwd` with the fake `cli` in scenario
/// `sleep` and waits (at most `wait`) until the CLI's child is sleeping.
/// Returns the runner, what the fake recorded and the sleeping child's
/// pid, after checking that the CLI stayed in the runner's process group.
pub fn sleeping_run(
    runner: &str,
    cli: &str,
    cwd: &TempDir,
    wait: Duration,
) -> (RunnerProcess, Recorded, i32) {
    let record = cwd.join("record");
    let start = run_start("hi", &cwd.str(), json!({"binary": fake_cli(cli)}));
    let envs = [
        ("FAKE_CLI_SCENARIO", "sleep"),
        ("FAKE_CLI_RECORD", record.to_str().unwrap()),
    ];
    let runner = RunnerProcess::start(runner, &start, &envs, cwd.path());
    let sleep_file = format!("{}.sleep-pid", record.display());
    let deadline = Instant::now() + wait;
    while !Path::new(&sleep_file).exists() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    let sleep_pid = std::fs::read_to_string(&sleep_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let recorded = Recorded::read(&record);
    assert_eq!(
        recorded.pgid,
        runner.pid(),
        "the CLI stays in the runner's process group"
    );
    (runner, recorded, sleep_pid)
}
