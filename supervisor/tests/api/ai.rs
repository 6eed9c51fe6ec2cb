//! AI jobs and AI authoring through the real runners, with the fake
//! `claude`/`codex` CLIs of tests/ai-mock (replaying recorded real output),
//! and the example custom executor written in Python.

use std::path::PathBuf;

use serde_json::json;

use crate::fixture::Server;

pub fn fake(cli: &str) -> String {
    // The directory is resolved, not the symlink: its name selects the CLI.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/ai-mock/fake")
        .canonicalize()
        .unwrap();
    dir.join(cli).display().to_string()
}

pub fn ai_server(scenario: &str) -> Server {
    let server = Server::start_with(&[("FAKE_CLI_SCENARIO", scenario)]);
    let reply = server.patch(
        "/api/preferences",
        json!({"claudeBinary": fake("claude"), "codexBinary": fake("codex"), "claudePermissionMode": "acceptEdits"}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    server
}

#[test]
fn an_ai_job_runs_through_claude_and_records_usage() {
    let server = ai_server("success");
    let job = server.create_job(json!({"type": "ai", "body": "Say hi and run one command."}));
    let id = job["id"].as_i64().unwrap();
    let run = server.wait_finished(server.run_now(id));
    assert_eq!(run["status"], "success", "{run}");
    assert_eq!(run["executor"], "claude-runner");
    let usage = &run["usage"];
    assert_eq!(
        usage["inputTokens"], 4000,
        "input + cache read + cache creation"
    );
    assert_eq!(usage["outputTokens"], 84);
    assert!((usage["costUsd"].as_f64().unwrap() - 0.00894).abs() < 1e-9);
    assert_eq!(usage["turns"], 2);
    let log = server.log(run["id"].as_i64().unwrap());
    assert!(
        log.contains("Hi! Done."),
        "assistant text in the log: {log}"
    );
    assert!(
        log.contains("echo hello-from-tool"),
        "the tool call in the log: {log}"
    );

    server.run_now(id);
    let second = server.get(&format!("/api/runs?jobId={id}&limit=1")).json()["runs"][0]["id"]
        .as_i64()
        .unwrap();
    server.wait_finished(second);
    let totals = server.get(&format!("/api/jobs/{id}")).json()["usageTotals"].clone();
    assert_eq!(totals["runs"], 2);
    assert_eq!(totals["inputTokens"], 8000);
    assert_eq!(totals["outputTokens"], 168);
    assert!((totals["costUsd"].as_f64().unwrap() - 0.01788).abs() < 1e-9);
}

#[test]
fn codex_runs_report_tokens_without_cost() {
    let server = ai_server("success");
    let job = server.create_job(
        json!({"type": "ai", "body": "Say hi.", "ai": {"mode": "codex", "sandbox": "read-only"}}),
    );
    let run = server.wait_finished(server.run_now(job["id"].as_i64().unwrap()));
    assert_eq!(run["status"], "success", "{run}");
    assert_eq!(run["executor"], "codex-runner");
    assert_eq!(run["usage"]["inputTokens"], 2468);
    assert_eq!(run["usage"]["outputTokens"], 112);
    assert!(run["usage"]["costUsd"].is_null());
    let totals = server.get(&format!("/api/jobs/{}", job["id"])).json()["usageTotals"].clone();
    assert!(totals["costUsd"].is_null(), "no run reported a cost");
}

#[test]
fn an_ai_error_is_a_failure_even_when_the_subtype_says_success() {
    let server = ai_server("api-error");
    let job = server.create_job(json!({"type": "ai", "body": "Say hi."}));
    let run = server.wait_finished(server.run_now(job["id"].as_i64().unwrap()));
    assert_eq!(run["status"], "failure");
    assert!(
        run["error"].as_str().unwrap().contains("API Error"),
        "{run}"
    );
}

#[test]
fn a_missing_cli_fails_the_run_and_the_draft_clearly() {
    let server = Server::start();
    server.patch(
        "/api/preferences",
        json!({"claudeBinary": "/nonexistent/claude"}),
    );
    let job = server.create_job(json!({"type": "ai", "body": "Say hi."}));
    let run = server.wait_finished(server.run_now(job["id"].as_i64().unwrap()));
    assert_eq!(run["status"], "failure");
    assert!(
        run["error"].as_str().unwrap().contains("claude not found"),
        "{run}"
    );
    let reply = server.post(
        "/api/ai/draft",
        json!({"description": "back up my notes every night"}),
    );
    reply.assert_error(502, "executor_failed", None);
    assert!(
        reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("claude not found"),
        "{}",
        reply.body
    );
}

#[test]
fn a_draft_is_validated_and_returned_unsaved() {
    let server = ai_server("draft");
    let jobs_before = server.get("/api/jobs").json()["jobs"]
        .as_array()
        .unwrap()
        .len();
    let reply = server.post(
        "/api/ai/draft",
        json!({"description": "every weekday at 9, summarise open pull requests"}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    let draft = &body["draft"];
    assert_eq!(draft["title"], "Weekday PR summary");
    assert_eq!(draft["type"], "ai");
    assert_eq!(draft["schedule"]["kind"], "cron");
    assert_eq!(draft["schedule"]["expr"], "0 9 * * 1-5");
    assert_eq!(draft["timeoutMs"], 600000);
    assert!(body["notes"].as_str().unwrap().contains("09:00"));
    assert_eq!(
        server.get("/api/jobs").json()["jobs"]
            .as_array()
            .unwrap()
            .len(),
        jobs_before,
        "nothing is saved"
    );
    // The draft is a valid job as it stands.
    assert_eq!(server.post("/api/jobs", draft.clone()).status, 201);

    let refined = server.post(
        "/api/ai/refine",
        json!({"job": {"title": "x", "type": "script", "body": "true", "schedule": {"kind": "manual"}}, "instruction": "run it on weekdays"}),
    );
    assert_eq!(refined.status, 200, "{}", refined.body);
    assert!(refined.json()["draft"]["schedule"].is_object());

    let codex = server.post(
        "/api/ai/draft",
        json!({"description": "daily report", "mode": "codex"}),
    );
    assert_eq!(codex.status, 200, "{}", codex.body);
    server
        .post("/api/ai/draft", json!({"description": "x", "mode": "gpt"}))
        .assert_error(422, "validation_failed", Some("mode"));
    server.post("/api/ai/draft", json!({})).assert_error(
        422,
        "validation_failed",
        Some("description"),
    );
}

#[test]
fn an_answer_that_is_not_a_job_is_a_502() {
    let server = ai_server("draft-prose");
    let reply = server.post("/api/ai/draft", json!({"description": "do something"}));
    reply.assert_error(502, "executor_failed", None);
}

#[test]
fn the_python_example_executor_runs_as_a_custom_job_type() {
    let server = Server::start();
    let example =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../executors/examples/python-runner");
    std::fs::copy(
        &example,
        server.config_dir().join("executors/python-runner"),
    )
    .unwrap();
    let executors = server.get("/api/executors").json()["executors"]
        .as_array()
        .unwrap()
        .clone();
    let python = executors
        .iter()
        .find(|e| e["name"] == "python-runner")
        .expect("listed");
    assert_eq!(python["jobType"], "python");
    assert_eq!(python["available"], true);
    let job = server.create_job(json!({"type": "python", "body": "import os\nprint(6 * 7, os.environ['BACKBEAT_TRIGGER'])"}));
    let run = server.wait_finished(server.run_now(job["id"].as_i64().unwrap()));
    assert_eq!(run["status"], "success", "{run}");
    assert_eq!(run["executor"], "python-runner");
    assert_eq!(server.log(run["id"].as_i64().unwrap()), "42 manual\n");
    let failing = server.create_job(json!({"type": "python", "body": "raise SystemExit(4)"}));
    let run = server.wait_finished(server.run_now(failing["id"].as_i64().unwrap()));
    assert_eq!(run["status"], "failure");
    assert_eq!(run["exitCode"], 4);
}
