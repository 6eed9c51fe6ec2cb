//! codex-runner's guardrails against the fake `codex` replaying recorded
//! (and a few hand-made) event streams: the token cap and the estimated
//! budget stop codex, which has no such flag; a usage limit says when it
//! resets; a run that did nothing; `NOTHING_TO_REPORT`; the summary; and
//! `codex exec resume` for a continued session.

use std::time::Duration;

use ai_common::testkit::{FakeRun, fake_cli, gone_within};
use serde_json::{Value, json};

const RUNNER: &str = env!("CARGO_BIN_EXE_codex-runner");
const WAIT: Duration = Duration::from_secs(10);

fn run(scenario: &str, extra: Value) -> FakeRun {
    let mut settings = json!({"binary": fake_cli("codex")});
    settings
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    FakeRun::run(RUNNER, "codex", scenario, settings, "check things", WAIT)
}

fn assert_stopped(run: &FakeRun) {
    assert!(gone_within(run.recorded.pid, WAIT), "codex is stopped");
    if let Ok(pid) = std::fs::read_to_string(run.cwd.join("record.sleep-pid")) {
        let sleeper: i32 = pid.trim().parse().unwrap();
        assert!(gone_within(sleeper, WAIT), "what codex started is killed");
    }
}

#[test]
fn the_token_cap_stops_codex() {
    let run = run("token-heavy", json!({"maxTokens": 200000}));
    let result = run.transcript.result();
    assert_eq!(result["status"], "failure", "{result}");
    assert_eq!(result["error"], "token cap of 200000 reached");
    assert_eq!(result["errorKind"], "token_cap");
    assert_stopped(&run);
    // The usage so far is still reported.
    assert_eq!(run.transcript.of_type("usage")[0]["inputTokens"], 180000);
}

#[test]
fn the_estimated_cost_stops_codex_at_its_budget() {
    // 80k uncached + 100k cached input, 30k output ≈ $0.41 at list prices.
    let run = run("token-heavy", json!({"maxBudgetUsd": 0.25}));
    let result = run.transcript.result();
    assert_eq!(result["error"], "budget of $0.25 reached", "{result}");
    assert_eq!(result["errorKind"], "budget");
    assert_stopped(&run);
    assert!(!run.recorded.argv.iter().any(|a| a.contains("budget")));
}

#[test]
fn limits_not_reached_change_nothing() {
    let run = run("success", json!({"maxBudgetUsd": 5, "maxTokens": 1000000}));
    let result = run.transcript.result();
    assert_eq!(result["status"], "success", "{result}");
    assert_eq!(
        result["summary"],
        "Hi! The command printed hello-from-tool."
    );
}

#[test]
fn a_usage_limit_is_rate_limited_until_it_resets() {
    let run = run("usage-limit", json!({}));
    let result = run.transcript.result();
    assert_eq!(result["status"], "failure");
    assert_eq!(result["errorKind"], "rate_limited");
    assert!(
        result["error"]
            .as_str()
            .unwrap()
            .starts_with("You’ve hit your usage limit")
    );
    // "try again at Jan 1st, 2100 12:00 AM" in the machine's zone.
    let retry_at = result["retryAt"].as_str().unwrap();
    assert!(
        retry_at.starts_with("2100-01-01T") || retry_at.starts_with("2099-12-31T"),
        "{retry_at}"
    );
}

#[test]
fn a_success_that_said_and_did_nothing_is_a_failure() {
    let result = run("empty", json!({})).transcript.result().clone();
    assert_eq!(result["status"], "failure");
    assert_eq!(result["error"], "the AI returned nothing");
}

#[test]
fn nothing_to_report_is_a_quiet_success() {
    let result = run("nothing", json!({})).transcript.result().clone();
    assert_eq!(result["status"], "success");
    assert_eq!(result["quiet"], true);
}

#[test]
fn the_thread_is_the_session_and_continue_resumes_it() {
    let first = run("success", json!({"session": "continue"}));
    assert!(!first.recorded.argv.contains(&"resume".into()));
    assert_eq!(
        first.transcript.result()["sessionId"],
        "01a209f3-75d6-7681-9794-94e8b31b1970"
    );
    let resumed = run(
        "resumed",
        json!({"session": "continue", "resumeSessionId": "01a22aca-70a2-73f2-850a-d3aea77e4e0d", "sandbox": "read-only"}),
    );
    let argv = &resumed.recorded.argv;
    let at = argv.iter().position(|a| a == "resume").expect("resume");
    assert_eq!(argv[at + 1], "01a22aca-70a2-73f2-850a-d3aea77e4e0d");
    assert!(
        argv.iter().position(|a| a == "-s").unwrap() < at,
        "exec options come before resume: {argv:?}"
    );
    assert_eq!(resumed.recorded.after_dashdash(), ["check things"]);
    assert_eq!(
        resumed.transcript.result()["sessionId"],
        "01a22aca-70a2-73f2-850a-d3aea77e4e0d"
    );
}
