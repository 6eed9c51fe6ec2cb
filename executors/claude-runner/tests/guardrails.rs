//! claude-runner's guardrails against the fake `claude` replaying recorded
//! output: the per-run budget flag and its failure, the token cap that
//! stops claude, rate and usage limits with their reset time, a run that
//! did nothing, `NOTHING_TO_REPORT`, the summary and resumed sessions.

use std::time::Duration;

use ai_common::testkit::{FakeRun, fake_cli, gone_within};
use serde_json::{Value, json};

const RUNNER: &str = env!("CARGO_BIN_EXE_claude-runner");
const WAIT: Duration = Duration::from_secs(10);

fn run(scenario: &str, extra: Value) -> FakeRun {
    let mut settings = json!({"binary": fake_cli("claude"), "permissionMode": "default"});
    settings
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    FakeRun::run(RUNNER, "claude", scenario, settings, "check things", WAIT)
}

#[test]
fn the_budget_is_passed_to_claude_and_reaching_it_is_a_clear_failure() {
    let run = run("max-budget", json!({"maxBudgetUsd": 0.5}));
    assert_eq!(run.recorded.flag("--max-budget-usd"), Some("0.5"));
    let result = run.transcript.result();
    assert_eq!(result["status"], "failure");
    assert_eq!(result["error"], "budget of $0.50 reached");
    assert_eq!(result["errorKind"], "budget");
    // What was spent is still reported.
    let usage = run.transcript.of_type("usage");
    assert!(usage[0]["costUsd"].as_f64().unwrap() > 0.0);
}

#[test]
fn no_budget_no_flag() {
    let run = run("success", json!({}));
    assert_eq!(run.recorded.flag("--max-budget-usd"), None);
}

#[test]
fn the_token_cap_stops_claude_as_soon_as_the_streamed_usage_crosses_it() {
    let run = run("token-heavy", json!({"maxTokens": 200000}));
    let result = run.transcript.result();
    assert_eq!(result["status"], "failure", "{result}");
    assert_eq!(result["error"], "token cap of 200000 reached");
    assert_eq!(result["errorKind"], "token_cap");
    assert!(gone_within(run.recorded.pid, WAIT), "claude is stopped");
    // The fake goes on to sleep 30 s unless stopped first; if it got that
    // far, its child is killed too.
    if let Ok(pid) = std::fs::read_to_string(run.cwd.join("record.sleep-pid")) {
        let sleeper: i32 = pid.trim().parse().unwrap();
        assert!(gone_within(sleeper, WAIT), "what claude started is killed");
    }
    assert!(run.transcript.log().contains("token cap of 200000 reached"));
}

#[test]
fn an_api_rate_limit_is_rate_limited_without_a_reset_time() {
    let run = run("rate-limit", json!({}));
    let result = run.transcript.result();
    assert_eq!(result["status"], "failure");
    assert_eq!(result["errorKind"], "rate_limited");
    assert!(
        result["error"].as_str().unwrap().contains("429"),
        "{result}"
    );
    assert!(result.get("retryAt").is_none());
}

#[test]
fn a_usage_limit_says_when_it_resets() {
    let run = run("usage-limit", json!({}));
    let result = run.transcript.result();
    assert_eq!(result["errorKind"], "rate_limited");
    assert_eq!(result["error"], "You've hit your limit · resets 3pm (UTC)");
    let retry_at = result["retryAt"].as_str().unwrap();
    assert!(retry_at.ends_with("T15:00:00.000Z"), "{retry_at}");
}

#[test]
fn a_success_that_said_and_did_nothing_is_a_failure() {
    let run = run("empty", json!({}));
    let result = run.transcript.result();
    assert_eq!(result["status"], "failure");
    assert_eq!(result["error"], "the AI returned nothing");
    assert_eq!(result["errorKind"], "returned_nothing");
}

#[test]
fn nothing_to_report_is_a_quiet_success() {
    let result = run("nothing", json!({})).transcript.result().clone();
    assert_eq!(result["status"], "success");
    assert_eq!(result["quiet"], true);
    assert_eq!(result["summary"], "NOTHING_TO_REPORT");
}

#[test]
fn the_final_message_is_the_summary_cut_at_500_characters() {
    let run = run("summary", json!({}));
    let result = run.transcript.result();
    assert_eq!(result["status"], "success");
    assert!(result.get("quiet").is_none());
    let summary = result["summary"].as_str().unwrap();
    assert_eq!(summary.chars().count(), 500);
    assert!(summary.starts_with("Checked 3 repositories: all green;"));
    // A tool-using run's summary is its last message.
    let result = run_result("success");
    assert_eq!(result["summary"], "Hi! Done.");
}

fn run_result(scenario: &str) -> Value {
    run(scenario, json!({})).transcript.result().clone()
}

#[test]
fn sessions_are_reported_and_continued_with_resume() {
    let fresh = run("session", json!({}));
    assert!(
        fresh
            .recorded
            .argv
            .contains(&"--no-session-persistence".into())
    );
    assert!(
        fresh.transcript.result().get("sessionId").is_none(),
        "a fresh session is not kept, so it has no id to resume"
    );
    let first = run("session", json!({"session": "continue"}));
    assert!(
        !first
            .recorded
            .argv
            .iter()
            .any(|a| a == "--resume" || a == "--no-session-persistence")
    );
    assert_eq!(
        first.transcript.result()["sessionId"],
        "887d1018-071f-4ac2-b915-2d7a95f3148d"
    );
    let resumed = run(
        "resumed",
        json!({"session": "continue", "resumeSessionId": "93993336-03bb-4c75-8002-f686c09fa300"}),
    );
    assert_eq!(
        resumed.recorded.flag("--resume"),
        Some("93993336-03bb-4c75-8002-f686c09fa300")
    );
    assert!(
        !resumed
            .recorded
            .argv
            .contains(&"--no-session-persistence".into()),
        "a continued session keeps persistence on"
    );
    let result = resumed.transcript.result();
    assert_eq!(result["status"], "success");
    assert_eq!(result["sessionId"], "93993336-03bb-4c75-8002-f686c09fa300");
}

#[test]
fn a_session_that_no_longer_exists_is_replaced_by_a_new_one() {
    let run = run(
        "session-missing",
        json!({"session": "continue", "resumeSessionId": "11111111-2222-3333-4444-555555555555"}),
    );
    let log = run.transcript.log();
    assert!(
        log.contains("No conversation found with session ID"),
        "{log}"
    );
    assert!(
        log.contains("the previous session no longer exists: starting a new one"),
        "{log}"
    );
    // The second attempt (the fake replays the same fixture) went without --resume.
    assert_eq!(
        run.recorded.flag("--resume"),
        None,
        "{:?}",
        run.recorded.argv
    );
    assert_eq!(run.transcript.result()["status"], "failure");
}
