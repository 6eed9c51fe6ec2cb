//! The stall watchdog (a silent script, a hanging AI CLI under the
//! `aiStallTimeoutMs` preference) and the long-run alarm.

use std::path::PathBuf;

use serde_json::json;

use crate::fixture::{Server, eventually};

fn fake(cli: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/ai-mock/fake")
        .canonicalize()
        .unwrap()
        .join(cli)
        .display()
        .to_string()
}

#[test]
fn a_silent_script_stalls_while_a_chatty_one_runs_on() {
    let server = Server::start();
    let silent = server.create_job(json!({
        "body": "echo started; sleep 30", "stallTimeoutMs": 1000, "timeoutMs": 60000
    }))["id"]
        .as_i64()
        .unwrap();
    let chatty = server.create_job(json!({
        "body": "for i in 1 2 3 4 5 6 7 8; do echo tick $i; sleep 0.3; done",
        "stallTimeoutMs": 1000
    }))["id"]
        .as_i64()
        .unwrap();
    let stalled = server.wait_finished(server.run_now(silent));
    assert_eq!(stalled["status"], "timeout", "{stalled}");
    assert_eq!(stalled["error"], "stalled: no output for 1 s");
    let log = server.log(stalled["id"].as_i64().unwrap());
    assert!(
        log.contains("started") && log.contains("stalled: no output"),
        "{log}"
    );
    let ran = server.wait_finished(server.run_now(chatty));
    assert_eq!(
        ran["status"], "success",
        "output keeps the watchdog quiet: {ran}"
    );
    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains("backbeat_runs_stalled_total 1"),
        "{metrics}"
    );
}

#[test]
fn a_hanging_ai_cli_stalls_under_the_preference_for_ai_jobs() {
    let server = Server::start_with(&[("FAKE_CLI_SCENARIO", "sleep")]);
    let reply = server.patch(
        "/api/preferences",
        json!({"claudeBinary": fake("claude"), "aiStallTimeoutMs": 1500}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["aiStallTimeoutMs"], 1500);
    let job =
        server.create_job(json!({"type": "ai", "body": "Wait for a prompt that never comes."}));
    let run = server.wait_finished(server.run_now(job["id"].as_i64().unwrap()));
    assert_eq!(run["status"], "timeout", "{run}");
    assert_eq!(run["error"], "stalled: no output for 1.5 s");

    // A script job is not an AI job: the preference does not apply.
    let script = server.create_job(json!({"body": "sleep 2.5"}));
    let run = server.wait_finished(server.run_now(script["id"].as_i64().unwrap()));
    assert_eq!(run["status"], "success", "{run}");
}

#[test]
fn a_run_past_long_run_ms_raises_the_long_alarm_once() {
    let server = Server::start();
    let slow = server.create_job(json!({"body": "sleep 2.5", "longRunMs": 1000}));
    let quick = server.create_job(json!({"body": "true", "longRunMs": 1000}));
    server.wait_finished(server.run_now(quick["id"].as_i64().unwrap()));
    let run = server.run_now(slow["id"].as_i64().unwrap());
    eventually(10, "the long alarm", || {
        server
            .get("/metrics")
            .body
            .contains("backbeat_runs_long_total 1")
    });
    assert_eq!(server.run(run)["status"], "running", "raised while it runs");
    assert_eq!(server.wait_finished(run)["status"], "success");
    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains("backbeat_runs_long_total 1"),
        "once per run, never for the quick one: {metrics}"
    );
}
