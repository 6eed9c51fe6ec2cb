//! claude-runner against the fake `claude` (tests/ai-mock/fake), which
//! replays real recorded stream-json output: the argv it gets, the log a
//! user reads, usage, outcomes and errors, and stopping a run.

use std::time::Duration;

use ai_common::testkit::{
    self, FakeRun, Recorded, RunnerProcess, TempDir, fake_cli, gone_within, run_start,
};
use serde_json::{Value, json};

const RUNNER: &str = env!("CARGO_BIN_EXE_claude-runner");
const WAIT: Duration = Duration::from_secs(10);

fn run_with(scenario: &str, settings: Value, body: &str) -> FakeRun {
    FakeRun::run(RUNNER, "claude", scenario, settings, body, WAIT)
}

fn run_scenario(scenario: &str) -> FakeRun {
    run_with(
        scenario,
        json!({"binary": fake_cli("claude"), "permissionMode": "default"}),
        "say hi",
    )
}

#[test]
fn passes_settings_as_flags_and_the_prompt_after_dashdash_with_stdin_closed() {
    let settings = json!({"mode": "claude", "binary": fake_cli("claude"), "model": "opus", "effort": "high",
        "permissionMode": "acceptEdits", "sandbox": "danger-full-access"});
    let run = run_with("success", settings, "-v looks like a flag\nsecond line");
    assert_eq!(
        run.recorded.argv,
        [
            "-p",
            "--output-format",
            "stream-json",
            "--verbose",
            "--model",
            "opus",
            "--effort",
            "high",
            "--permission-mode",
            "acceptEdits",
            "--no-session-persistence",
            "--",
            "-v looks like a flag\nsecond line"
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
        json!({"binary": fake_cli("claude"), "model": "", "effort": ""}),
        "hi",
    );
    let argv = &run.recorded.argv;
    for flag in ["--model", "--effort", "--permission-mode"] {
        assert!(!argv.contains(&flag.to_owned()), "{flag} in {argv:?}");
    }
    assert_eq!(run.recorded.after_dashdash(), ["hi"]);
}

#[test]
fn a_tool_using_run_reads_well_and_reports_usage() {
    let run = run_scenario("success");
    let log = run.transcript.log();
    let expected = "Claude Code 2.1.197 · model claude-sonnet-4-5 · permission mode default\n\
                    I'll run a quick command.\n\
                    → Bash: echo hello-from-tool\n  \
                    ← hello-from-tool\n\
                    Hi! Done.\n\
                    ✓ done in 2 turns ($0.0089)\n";
    assert_eq!(log, expected);
    let usage = run.transcript.of_type("usage");
    assert_eq!(usage.len(), 1);
    assert_eq!(
        *usage[0],
        json!({"type": "usage", "inputTokens": 4000, "outputTokens": 84, "costUsd": 0.008939999999999998,
               "model": "claude-sonnet-4-5", "turns": 2})
    );
    assert_eq!(
        *run.transcript.result(),
        json!({"type": "result", "status": "success", "exitCode": 0, "error": null, "summary": "Hi! Done."})
    );
}

#[test]
fn unknown_events_and_subtypes_are_skipped() {
    // Recorded with --include-partial-messages: stream_event and system/status lines.
    let partial = run_scenario("partial-messages");
    let plain = run_scenario("success");
    assert_eq!(partial.transcript.log(), plain.transcript.log());
    assert_eq!(partial.transcript.result()["status"], "success");
}

#[test]
fn is_error_fails_even_when_the_subtype_says_success() {
    let run = run_scenario("api-error");
    assert_eq!(run.transcript.result()["status"], "failure");
    assert_eq!(
        run.transcript.error(),
        "API Error: 400 mock: prompt is invalid"
    );
    assert_eq!(run.transcript.result()["exitCode"], 1);
    assert_eq!(run.transcript.of_type("usage")[0]["inputTokens"], 0);
    let log = run.transcript.log();
    assert_eq!(
        log.matches("API Error: 400").count(),
        1,
        "the error is logged once: {log}"
    );

    let logged_out = run_scenario("not-logged-in");
    assert_eq!(
        logged_out.transcript.error(),
        "Not logged in · Please run /login"
    );
}

#[test]
fn max_turns_is_a_failure_with_the_reason() {
    let run = run_scenario("max-turns");
    assert_eq!(run.transcript.result()["status"], "failure");
    assert_eq!(
        run.transcript.error(),
        "error_max_turns: Reached maximum number of turns (1)"
    );
    assert!(
        run.transcript
            .log()
            .contains("✗ error_max_turns: Reached maximum number of turns (1)")
    );
    assert_eq!(run.transcript.of_type("usage")[0]["turns"], 2);
}

#[test]
fn permission_denials_are_listed_in_the_log() {
    let run = run_scenario("denied");
    assert_eq!(run.transcript.result()["status"], "success");
    let stderr = run.transcript.logs(Some("stderr"));
    assert!(
        stderr.contains("  ✗ touch in '/home/me/w/created-by-claude.txt' was blocked."),
        "{stderr}"
    );
    assert!(
        stderr.contains("⚠ permission denied: Bash: touch created-by-claude.txt\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("permission mode default did not allow"),
        "{stderr}"
    );
}

#[test]
fn bypass_as_root_fails_with_claudes_message_and_a_hint() {
    let settings = json!({"binary": fake_cli("claude"), "permissionMode": "bypassPermissions"});
    let run = run_with("root-bypass", settings, "hi");
    assert!(!run.recorded.argv.is_empty());
    let error = run.transcript.error();
    assert!(
        error
            .starts_with("--dangerously-skip-permissions cannot be used with root/sudo privileges"),
        "{error}"
    );
    assert!(
        error.contains("run Backbeat as a normal user, or pick another permission mode"),
        "{error}"
    );
    let stderr = run.transcript.logs(Some("stderr"));
    assert!(
        stderr.contains("cannot be used with root/sudo privileges for security reasons\n"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: "), "{stderr}");
}

#[test]
fn never_sets_is_sandbox() {
    let cwd = TempDir::new("claude-env");
    let script = cwd.join("claude");
    std::fs::write(
        &script,
        "#!/bin/sh\necho \"IS_SANDBOX=${IS_SANDBOX-unset}\" >&2\nexit 1\n",
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .unwrap();
    let start = run_start(
        "hi",
        &cwd.str(),
        json!({"binary": script, "permissionMode": "bypassPermissions"}),
    );
    // The runner passes on what it inherits, but adds nothing.
    let transcript =
        RunnerProcess::start_without(RUNNER, &start, &[], &["IS_SANDBOX"], cwd.path()).finish(WAIT);
    assert_eq!(transcript.logs(Some("stderr")), "IS_SANDBOX=unset\n");
    assert_eq!(
        transcript.error(),
        "claude ended with exit code 1: IS_SANDBOX=unset"
    );
}

#[test]
fn a_missing_binary_is_a_clear_failure() {
    let cwd = TempDir::new("claude-missing");
    let start = run_start("hi", &cwd.str(), json!({"binary": ""}));
    let envs = [("PATH", cwd.path().to_str().unwrap())];
    let transcript = RunnerProcess::start(RUNNER, &start, &envs, cwd.path()).finish(WAIT);
    assert_eq!(
        transcript.error(),
        "claude not found: install Claude Code or set claudeBinary in Preferences"
    );

    let start = run_start("hi", &cwd.str(), json!({"binary": "/nowhere/claude"}));
    let transcript = RunnerProcess::start(RUNNER, &start, &[], cwd.path()).finish(WAIT);
    assert_eq!(
        transcript.error(),
        "claude not found: install Claude Code or set claudeBinary in Preferences (tried \"/nowhere/claude\")"
    );
}

/// Starts the `sleep` scenario and waits until the fake CLI is running.
fn sleeping_run(cwd: &TempDir) -> (RunnerProcess, Recorded, i32) {
    let (mut runner, recorded, sleep_pid) = testkit::sleeping_run(RUNNER, "claude", cwd, WAIT);
    runner.wait_for(WAIT, |m| m["type"] == "log");
    (runner, recorded, sleep_pid)
}

fn assert_stopped(runner: RunnerProcess, recorded: &Recorded, sleep_pid: i32) {
    let started = std::time::Instant::now();
    let transcript = runner.finish(Duration::from_secs(3));
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(transcript.result()["status"], "failure");
    assert_eq!(transcript.error(), "cancelled");
    assert!(
        gone_within(recorded.pid, Duration::from_secs(2)),
        "the fake claude still runs"
    );
    assert!(
        gone_within(sleep_pid, Duration::from_secs(2)),
        "the fake claude's child still runs"
    );
}

#[test]
fn a_cancel_message_stops_the_cli_and_its_children() {
    let cwd = TempDir::new("claude-cancel");
    let (mut runner, recorded, sleep_pid) = sleeping_run(&cwd);
    runner.send(&json!({"type": "cancel", "reason": "user"}));
    assert_stopped(runner, &recorded, sleep_pid);
}

#[test]
fn sigterm_to_the_group_stops_the_run_and_the_runner_still_reports() {
    let cwd = TempDir::new("claude-term");
    let (runner, recorded, sleep_pid) = sleeping_run(&cwd);
    runner.signal_group(15);
    assert_stopped(runner, &recorded, sleep_pid);
}

#[test]
fn stdin_eof_means_the_supervisor_died_and_stops_everything() {
    let cwd = TempDir::new("claude-eof");
    let (mut runner, recorded, sleep_pid) = sleeping_run(&cwd);
    runner.close_stdin();
    assert_stopped(runner, &recorded, sleep_pid);
}

#[test]
fn describe_prints_one_json_line() {
    let output = std::process::Command::new(RUNNER)
        .arg("--describe")
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text.lines().count(), 1);
    let describe: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(describe["name"], "claude");
    assert_eq!(describe["protocol"], 1);
    assert_eq!(describe["jobType"], "ai");
    assert_eq!(describe["aiMode"], "claude");
    assert_eq!(describe["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        describe["description"]
            .as_str()
            .unwrap()
            .contains("Claude Code")
    );
}
