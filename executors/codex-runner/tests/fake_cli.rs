//! codex-runner against the fake `codex` (tests/ai-mock/fake), which
//! replays real recorded `codex exec --json` output: the argv, the log a
//! user reads, usage, retries versus failures, and stopping a run.

use std::time::Duration;

use ai_common::testkit::{
    self, FakeRun, Recorded, RunnerProcess, TempDir, fake_cli, gone_within, run_start,
};
use serde_json::{Value, json};

const RUNNER: &str = env!("CARGO_BIN_EXE_codex-runner");
const WAIT: Duration = Duration::from_secs(10);

fn run_with(scenario: &str, settings: Value, body: &str) -> FakeRun {
    FakeRun::run(RUNNER, "codex", scenario, settings, body, WAIT)
}

fn run_scenario(scenario: &str) -> FakeRun {
    run_with(
        scenario,
        json!({"binary": fake_cli("codex"), "sandbox": "workspace-write"}),
        "say hi",
    )
}

#[test]
fn passes_settings_as_flags_and_the_prompt_after_dashdash_with_stdin_closed() {
    let settings = json!({"mode": "codex", "binary": fake_cli("codex"), "model": "gpt-5.5", "effort": "high",
        "permissionMode": "bypassPermissions", "sandbox": "danger-full-access"});
    let run = run_with("success", settings, "--help me\nplease");
    let cwd = run.cwd.str();
    assert_eq!(
        run.recorded.argv,
        [
            "exec",
            "--json",
            "--skip-git-repo-check",
            "--color",
            "never",
            "-C",
            cwd.as_str(),
            "-s",
            "danger-full-access",
            "-m",
            "gpt-5.5",
            "-c",
            "model_reasoning_effort=high",
            "--",
            "--help me\nplease"
        ]
    );
    assert_eq!(run.recorded.stdin, "/dev/null");
    assert_eq!(
        std::path::Path::new(&run.recorded.cwd),
        run.cwd.path().canonicalize().unwrap()
    );
    assert_eq!(run.transcript.result()["status"], "success");
}

#[test]
fn empty_settings_leave_their_flags_out() {
    let run = run_with(
        "success",
        json!({"binary": fake_cli("codex"), "model": "", "effort": "", "sandbox": ""}),
        "hi",
    );
    for flag in ["-m", "-c", "-s"] {
        assert!(
            !run.recorded.argv.contains(&flag.to_owned()),
            "{flag} in {:?}",
            run.recorded.argv
        );
    }
    assert_eq!(run.recorded.after_dashdash(), ["hi"]);
}

#[test]
fn a_tool_using_run_reads_well_and_reports_usage() {
    let run = run_scenario("success");
    assert_eq!(
        run.transcript.logs(Some("stdout")),
        "(thinking) **Checking the directory** ↵ I will list files first.\n\
         → $ echo hello-from-tool && ls\n  \
         ← hello-from-tool\n\
         Hi! The command printed hello-from-tool.\n\
         ✓ done (2468 input / 112 output tokens)\n"
    );
    let stderr = run.transcript.logs(Some("stderr"));
    assert!(
        stderr.contains("⚠ Model metadata for `gpt-mock` not found."),
        "{stderr}"
    );
    assert!(
        stderr.contains("WARNING: proceeding, even though we could not create PATH aliases"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("Reading additional input from stdin"),
        "{stderr}"
    );
    assert_eq!(
        *run.transcript.of_type("usage")[0],
        json!({"type": "usage", "inputTokens": 2468, "outputTokens": 112, "costUsd": null, "model": null, "turns": null})
    );
    assert_eq!(
        *run.transcript.result(),
        json!({"type": "result", "status": "success", "exitCode": 0, "error": null,
               "summary": "Hi! The command printed hello-from-tool.",
               "sessionId": "01a209f3-75d6-7681-9794-94e8b31b1970"})
    );
}

#[test]
fn every_item_type_is_rendered() {
    let run = run_with(
        "items",
        json!({"binary": fake_cli("codex"), "model": "gpt-5.5"}),
        "go",
    );
    let log = run.transcript.log();
    for needle in [
        "to-do:\n  [ ] Inspect the logs\n  [ ] Write the summary\n",
        "→ $ seq 1 30\n  ← 1\n    2\n",
        "    8\n    … (22 more lines)\n",
        "→ $ rm -rf /\n  ✗ declined\n",
        "→ file changes: add /home/me/proj/hello.txt, update /home/me/proj/README.md\n",
        "→ github.list_issues: {\"repo\":\"me/proj\",\"state\":\"open\"}\n  ← #12 Crash on start\n",
        "→ db.query: {\"sql\":\"select 1\"}\n  ✗ connection refused\n",
        "→ web search: rust 1.90 release notes\n",
        "to-do:\n  [x] Inspect the logs\n  [x] Write the summary\n",
        "All done: 1 open issue.\n",
    ] {
        assert!(log.contains(needle), "log lacks {needle:?}:\n{log}");
    }
    assert!(!log.contains("something new"), "unknown events are skipped");
    let usage = run.transcript.of_type("usage")[0];
    assert_eq!(
        (
            usage["inputTokens"].as_u64(),
            usage["outputTokens"].as_u64()
        ),
        (Some(5000), Some(300))
    );
    assert_eq!(usage["model"], "gpt-5.5");
}

#[test]
fn a_failed_command_is_shown_but_the_run_succeeds() {
    let run = run_scenario("patch");
    let log = run.transcript.log();
    assert!(
        log.contains("  ← /bin/bash: line 5: apply_patch: command not found\n  ✗ exit code 127\n"),
        "{log}"
    );
    assert_eq!(run.transcript.result()["status"], "success");
}

#[test]
fn retries_are_logged_and_turn_failed_fails() {
    let run = run_scenario("retry-fail");
    let stderr = run.transcript.logs(Some("stderr"));
    assert!(stderr.contains(
        "⚠ Reconnecting... 1/5 (stream disconnected before completion: mock upstream failure)\n"
    ));
    assert!(stderr.contains("✗ stream disconnected before completion: mock upstream failure\n"));
    assert_eq!(run.transcript.result()["status"], "failure");
    assert_eq!(
        run.transcript.error(),
        "stream disconnected before completion: mock upstream failure"
    );
    assert_eq!(run.transcript.result()["exitCode"], 1);
    assert!(run.transcript.of_type("usage").is_empty());

    let run = run_scenario("unauthorized");
    assert!(
        run.transcript
            .error()
            .starts_with("unexpected status 401 Unauthorized"),
        "{}",
        run.transcript.error()
    );
}

#[test]
fn a_non_zero_exit_without_events_fails_with_codexs_message() {
    let run = run_scenario("nogit");
    assert_eq!(
        run.transcript.error(),
        "codex ended with exit code 1: Not inside a trusted directory and --skip-git-repo-check was not specified."
    );
}

#[test]
fn a_missing_binary_is_a_clear_failure() {
    let cwd = TempDir::new("codex-missing");
    let start = run_start("hi", &cwd.str(), json!({"binary": ""}));
    let envs = [("PATH", cwd.path().to_str().unwrap())];
    let transcript = RunnerProcess::start(RUNNER, &start, &envs, cwd.path()).finish(WAIT);
    assert_eq!(
        transcript.error(),
        "codex not found: install the Codex CLI or set codexBinary in Preferences"
    );
}

fn sleeping_run(cwd: &TempDir) -> (RunnerProcess, Recorded, i32) {
    let (mut runner, recorded, sleep_pid) = testkit::sleeping_run(RUNNER, "codex", cwd, WAIT);
    runner.send(&json!({"type": "cancel", "reason": "timeout"}));
    (runner, recorded, sleep_pid)
}

#[test]
fn cancel_stops_the_cli_and_its_children_promptly() {
    let cwd = TempDir::new("codex-cancel");
    let (runner, recorded, sleep_pid) = sleeping_run(&cwd);
    runner.signal_group(15);
    let started = std::time::Instant::now();
    let transcript = runner.finish(Duration::from_secs(3));
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(transcript.error(), "cancelled");
    assert!(gone_within(recorded.pid, Duration::from_secs(2)));
    assert!(gone_within(sleep_pid, Duration::from_secs(2)));
}

#[test]
fn describe_prints_one_json_line() {
    let output = std::process::Command::new(RUNNER)
        .arg("--describe")
        .output()
        .unwrap();
    let describe: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        describe,
        json!({"name": "codex", "protocol": 1, "version": env!("CARGO_PKG_VERSION"), "jobType": "ai",
               "aiMode": "codex", "description": "Runs the instruction with the Codex CLI (codex exec)"})
    );
}
