//! AI guardrails through the supervisor, the real runners and the fake
//! CLIs (recorded real output): the summary and a quiet NOTHING_TO_REPORT
//! success (no success notification), a run that did nothing, the per-run
//! budget (job value over the preference), the token cap, rate limits
//! whose reset time the retry waits for, continued sessions, and a CLI
//! blocked on a prompt caught by `aiStallTimeoutMs`.

use serde_json::{Value, json};

use crate::ai::ai_server;
use crate::cli::backbeat;
use crate::fixture::{Server, eventually, process_alive};
use crate::notify::{create_channel, settled_deliveries};
use crate::receiver::Receiver;

fn ai_job(server: &Server, scenario: &str, ai: Value) -> i64 {
    server.create_job(
        json!({"title": "Check the repos", "type": "ai", "body": "Check the repos.",
                             "ai": ai, "env": {"FAKE_CLI_SCENARIO": scenario}}),
    )["id"]
        .as_i64()
        .unwrap()
}

fn run_with(server: &Server, job: i64, env: Value) -> Value {
    let reply = server.post(&format!("/api/jobs/{job}/runs"), json!({"env": env}));
    assert_eq!(reply.status, 202, "{}", reply.body);
    server.wait_finished(reply.json()["id"].as_i64().unwrap())
}

fn argv(record: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(format!("{}.argv", record.display()))
        .unwrap()
        .split_terminator('\0')
        .map(str::to_owned)
        .collect()
}

fn flag(argv: &[String], name: &str) -> Option<String> {
    let at = argv.iter().position(|a| a == name)?;
    argv.get(at + 1).cloned()
}

#[test]
fn the_final_message_is_the_runs_summary_in_the_api_and_in_notifications() {
    let server = ai_server("success");
    let receiver = Receiver::start();
    let channel = create_channel(
        &server,
        json!({"name": "chat", "kind": "webhook", "config": {"url": receiver.url("/hook"), "format": "slack"}}),
    );
    let job = server.create_job(
        json!({"title": "Check the repos", "type": "ai", "body": "Check.",
        "env": {"FAKE_CLI_SCENARIO": "summary"},
        "notify": {"channels": [channel], "on": ["success"]}}),
    )["id"]
        .as_i64()
        .unwrap();
    let run = server.wait_finished(server.run_now(job));
    assert_eq!(run["status"], "success", "{run}");
    assert_eq!(run["quiet"], false);
    let summary = run["summary"].as_str().unwrap();
    assert_eq!(summary.chars().count(), 500);
    assert!(summary.starts_with("Checked 3 repositories: all green;"));
    let listed = server.get(&format!("/api/runs?jobId={job}")).json();
    assert_eq!(listed["runs"][0]["summary"], summary);
    let sent = receiver.wait_for("/hook", 1);
    let text = sent[0].json()["text"].as_str().unwrap().to_owned();
    assert!(text.contains(&format!("Summary: {summary}")), "{text}");
}

#[test]
fn nothing_to_report_is_a_quiet_success_that_notifies_nobody() {
    let server = ai_server("success");
    let receiver = Receiver::start();
    let channel = create_channel(
        &server,
        json!({"name": "hook", "kind": "webhook", "config": {"url": receiver.url("/hook")}}),
    );
    let job = server.create_job(json!({"title": "Watch the inbox", "type": "ai", "body": "Answer NOTHING_TO_REPORT if nothing is new.",
        "env": {"FAKE_CLI_SCENARIO": "nothing"},
        "notify": {"channels": [channel], "on": ["success"]}}))["id"]
        .as_i64()
        .unwrap();
    let quiet = server.wait_finished(server.run_now(job));
    assert_eq!(quiet["status"], "success", "{quiet}");
    assert_eq!(quiet["quiet"], true);
    assert_eq!(quiet["summary"], "NOTHING_TO_REPORT");
    let recorded = settled_deliveries(&server, quiet["id"].as_i64().unwrap(), 1);
    assert_eq!(recorded[0]["status"], "suppressed", "{recorded:?}");
    assert!(
        recorded[0]["error"]
            .as_str()
            .unwrap()
            .contains("NOTHING_TO_REPORT")
    );
    // A run with something to say is announced as usual.
    let said = run_with(&server, job, json!({"FAKE_CLI_SCENARIO": "success"}));
    assert_eq!(said["quiet"], false);
    assert_eq!(said["summary"], "Hi! Done.");
    assert_eq!(receiver.wait_for("/hook", 1).len(), 1);
}

#[test]
fn a_run_that_said_and_did_nothing_fails() {
    let server = ai_server("success");
    let job = ai_job(&server, "empty", json!({}));
    let run = server.wait_finished(server.run_now(job));
    assert_eq!(run["status"], "failure");
    assert_eq!(run["error"], "the AI returned nothing");
    assert_eq!(run["errorKind"], "returned_nothing");
    assert!(run["summary"].is_null());
}

#[test]
fn the_per_run_budget_comes_from_the_job_else_the_preference() {
    let server = ai_server("success");
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("claude");
    let reply = server.patch("/api/preferences", json!({"aiMaxBudgetUsdPerRun": 0.25}));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["aiMaxBudgetUsdPerRun"], 0.25);

    let plain = ai_job(&server, "max-budget", json!({}));
    let env = json!({"FAKE_CLI_RECORD": record.display().to_string()});
    let run = run_with(&server, plain, env.clone());
    assert_eq!(
        flag(&argv(&record), "--max-budget-usd").as_deref(),
        Some("0.25")
    );
    assert_eq!(run["status"], "failure");
    assert_eq!(run["error"], "budget of $0.25 reached");
    assert_eq!(run["errorKind"], "budget");
    assert!(run["usage"]["costUsd"].as_f64().unwrap() > 0.0, "{run}");

    let own = ai_job(&server, "max-budget", json!({"maxBudgetUsd": 0.5}));
    assert_eq!(
        server.get(&format!("/api/jobs/{own}")).json()["ai"]["maxBudgetUsd"],
        0.5
    );
    let run = run_with(&server, own, env);
    assert_eq!(
        flag(&argv(&record), "--max-budget-usd").as_deref(),
        Some("0.5")
    );
    assert_eq!(run["error"], "budget of $0.50 reached");

    let reply = server.patch("/api/preferences", json!({"aiMaxBudgetUsdPerRun": null}));
    assert!(reply.json()["aiMaxBudgetUsdPerRun"].is_null());
}

#[test]
fn codex_is_stopped_at_the_token_cap() {
    let server = ai_server("success");
    let job = ai_job(
        &server,
        "token-heavy",
        json!({"mode": "codex", "maxTokens": 200000}),
    );
    let run = server.wait_finished(server.run_now(job));
    assert_eq!(run["status"], "failure", "{run}");
    assert_eq!(run["error"], "token cap of 200000 reached");
    assert_eq!(run["errorKind"], "token_cap");
    assert_eq!(run["usage"]["inputTokens"], 180000);
}

#[test]
fn a_usage_limit_is_rate_limited_and_the_retry_waits_for_its_reset() {
    let server = ai_server("success");
    let job = server.create_job(
        json!({"title": "Codex nightly", "type": "ai", "body": "Check.",
        "ai": {"mode": "codex"}, "env": {"FAKE_CLI_SCENARIO": "usage-limit"},
        "retry": {"attempts": 1, "delayMs": 1000}}),
    )["id"]
        .as_i64()
        .unwrap();
    let run = server.wait_finished(server.run_now(job));
    assert_eq!(run["status"], "failure");
    assert_eq!(run["errorKind"], "rate_limited");
    let retry_at = run["retryAt"].as_str().unwrap().to_owned();
    assert!(
        retry_at.starts_with("2100-01-01T") || retry_at.starts_with("2099-12-31T"),
        "{retry_at}"
    );
    let runs = server.get(&format!("/api/runs?jobId={job}")).json()["runs"].clone();
    let retry = runs
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["trigger"] == "retry")
        .expect("a retry is queued")
        .clone();
    assert_eq!(retry["status"], "queued");
    assert_eq!(
        retry["notBefore"], retry_at,
        "the retry waits for the reset"
    );
    let reply = server.send(
        "POST",
        &format!("/api/runs/{}/stop", retry["id"].as_i64().unwrap()),
        None,
    );
    assert!(reply.status < 300, "{}", reply.body);
}

#[test]
fn a_claude_rate_limit_without_a_reset_time_is_still_rate_limited() {
    let server = ai_server("success");
    let job = ai_job(&server, "rate-limit", json!({}));
    let run = server.wait_finished(server.run_now(job));
    assert_eq!(run["errorKind"], "rate_limited");
    assert!(run["error"].as_str().unwrap().contains("429"), "{run}");
    assert!(run["retryAt"].is_null());
}

#[test]
fn a_continued_session_resumes_the_previous_successful_run() {
    let server = ai_server("success");
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("codex");
    let job = ai_job(
        &server,
        "success",
        json!({"mode": "codex", "session": "continue"}),
    );
    assert_eq!(
        server.get(&format!("/api/jobs/{job}")).json()["ai"]["session"],
        "continue"
    );
    let env = json!({"FAKE_CLI_RECORD": record.display().to_string()});
    let first = run_with(&server, job, env.clone());
    assert_eq!(first["sessionId"], "01a209f3-75d6-7681-9794-94e8b31b1970");
    assert!(!argv(&record).contains(&"resume".to_owned()));
    // A failed run in between does not break the chain.
    let failed = run_with(&server, job, json!({"FAKE_CLI_SCENARIO": "unauthorized"}));
    assert_eq!(failed["status"], "failure");
    let mut env = env;
    env["FAKE_CLI_SCENARIO"] = json!("resumed");
    let second = run_with(&server, job, env);
    assert_eq!(
        flag(&argv(&record), "resume").as_deref(),
        Some("01a209f3-75d6-7681-9794-94e8b31b1970")
    );
    assert_eq!(second["status"], "success", "{second}");
    assert_eq!(second["sessionId"], "01a22aca-70a2-73f2-850a-d3aea77e4e0d");

    // A fresh job never resumes.
    let fresh = ai_job(&server, "success", json!({"mode": "codex"}));
    run_with(
        &server,
        fresh,
        json!({"FAKE_CLI_RECORD": record.display().to_string()}),
    );
    run_with(
        &server,
        fresh,
        json!({"FAKE_CLI_RECORD": record.display().to_string()}),
    );
    assert!(!argv(&record).contains(&"resume".to_owned()));
}

#[test]
fn a_cli_blocked_on_a_prompt_is_caught_by_the_ai_stall_timeout() {
    let server = ai_server("success");
    let reply = server.patch("/api/preferences", json!({"aiStallTimeoutMs": 1500}));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("claude");
    let job = ai_job(&server, "blocked", json!({}));
    let run = run_with(
        &server,
        job,
        json!({"FAKE_CLI_RECORD": record.display().to_string()}),
    );
    assert_eq!(run["status"], "timeout", "{run}");
    assert_eq!(run["error"], "stalled: no output for 1.5 s");
    assert!(
        server
            .log(run["id"].as_i64().unwrap())
            .contains("Claude Code"),
        "the banner was logged"
    );
    let pid: i64 = std::fs::read_to_string(format!("{}.pid", record.display()))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    eventually(10, "the blocked CLI is gone", || !process_alive(pid));
}

#[test]
fn guardrail_fields_are_validated_by_name() {
    let server = ai_server("success");
    for (ai, field) in [
        (json!({"maxBudgetUsd": 0}), "ai.maxBudgetUsd"),
        (json!({"maxBudgetUsd": -1.5}), "ai.maxBudgetUsd"),
        (json!({"maxBudgetUsd": "5"}), "ai.maxBudgetUsd"),
        (json!({"maxTokens": 0}), "ai.maxTokens"),
        (json!({"maxTokens": 1.5}), "ai.maxTokens"),
        (json!({"session": "resume"}), "ai.session"),
    ] {
        let reply = server.post(
            "/api/jobs",
            json!({"title": "t", "type": "ai", "body": "b", "schedule": {"kind": "manual"}, "ai": ai}),
        );
        assert!(
            reply.status == 400 || reply.status == 422,
            "{ai}: {}",
            reply.body
        );
        assert!(reply.body.contains(field), "{ai}: {}", reply.body);
    }
    let reply = server.patch("/api/preferences", json!({"aiMaxBudgetUsdPerRun": -2}));
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(reply.body.contains("aiMaxBudgetUsdPerRun"));
}

#[test]
fn backbeat_run_wait_prints_what_the_ai_said() {
    let server = ai_server("success");
    let job = ai_job(&server, "success", json!({}));
    let out = backbeat(&server, &["run", &job.to_string(), "--wait"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.ends_with("\nHi! Done.\n"), "{}", out.stdout);
    let quiet = ai_job(&server, "nothing", json!({}));
    let out = backbeat(&server, &["run", &quiet.to_string(), "--wait"]);
    assert!(
        out.stdout.contains("success after") && out.stdout.contains("(nothing to report)"),
        "{}",
        out.stdout
    );
}
