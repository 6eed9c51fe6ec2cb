//! Retries: exponential delays, `retryOf` chains, queued retries that
//! survive a restart and never start before `notBefore`, and no retry
//! after a user stop or a shutdown.

use serde_json::{Value, json};

use crate::fixture::{Server, eventually};
use backbeat::time::parse_rfc3339;

fn runs_of(server: &Server, job_id: i64) -> Vec<Value> {
    let mut runs = server.get(&format!("/api/runs?jobId={job_id}")).json()["runs"]
        .as_array()
        .unwrap()
        .clone();
    runs.reverse(); // oldest first
    runs
}

fn ms(run: &Value, field: &str) -> i64 {
    parse_rfc3339(
        run[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field} in {run}")),
    )
    .unwrap()
}

fn finished(run: &Value) -> bool {
    !matches!(run["status"].as_str(), Some("queued" | "running"))
}

#[test]
fn failures_retry_with_exponential_delays_in_a_retry_of_chain() {
    let server = Server::start();
    let job = server.create_job(json!({
        "body": "echo attempt $BACKBEAT_TRIGGER; exit 3",
        "retry": {"attempts": 3, "delayMs": 200, "backoff": "exponential", "maxDelayMs": 500}
    }));
    assert_eq!(
        job["retry"],
        json!({"attempts": 3, "delayMs": 200, "backoff": "exponential", "maxDelayMs": 500})
    );
    let id = job["id"].as_i64().unwrap();
    server.run_now(id);
    eventually(30, "the first run and its three retries", || {
        let runs = runs_of(&server, id);
        runs.len() == 4 && runs.iter().all(finished)
    });
    let runs = runs_of(&server, id);
    assert_eq!(
        runs.iter()
            .map(|r| r["attempt"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert_eq!(runs[0]["trigger"], "manual");
    assert!(runs[0]["retryOf"].is_null() && runs[0]["notBefore"].is_null());
    for (n, expected_delay) in [(1, 200), (2, 400), (3, 500)] {
        let (before, retry) = (&runs[n - 1], &runs[n]);
        assert_eq!(retry["trigger"], "retry", "{retry}");
        assert_eq!(retry["retryOf"], before["id"], "{retry}");
        assert_eq!(retry["status"], "failure", "{retry}");
        assert_eq!(
            ms(retry, "notBefore") - ms(before, "finishedAt"),
            expected_delay,
            "retry {n}: {retry}"
        );
        assert!(
            ms(retry, "startedAt") >= ms(retry, "notBefore"),
            "never started early: {retry}"
        );
    }
    std::thread::sleep(std::time::Duration::from_millis(800));
    assert_eq!(runs_of(&server, id).len(), 4, "no fourth retry");
    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains("backbeat_retries_scheduled_total 3"),
        "{metrics}"
    );
}

#[test]
fn a_queued_retry_survives_a_restart_and_waits_for_its_not_before() {
    let mut server = Server::start();
    let job = server.create_job(json!({
        "body": "exit 1",
        "retry": {"attempts": 2, "delayMs": 3000, "backoff": "exponential", "maxDelayMs": 3000}
    }));
    let id = job["id"].as_i64().unwrap();
    let first = server.run_now(id);
    server.wait_finished(first);
    eventually(10, "a queued retry", || runs_of(&server, id).len() == 2);
    let queued = runs_of(&server, id)[1].clone();
    assert_eq!(queued["status"], "queued", "{queued}");
    assert_eq!(queued["retryOf"], first);
    assert_eq!(queued["attempt"], 2);
    assert_eq!(server.terminate().code(), Some(0));
    server.boot();
    let after = server.run(queued["id"].as_i64().unwrap());
    assert_eq!(
        after["notBefore"], queued["notBefore"],
        "kept across the restart"
    );
    let retried = server.wait_run(queued["id"].as_i64().unwrap(), 20, finished);
    assert_eq!(retried["status"], "failure");
    assert!(
        ms(&retried, "startedAt") >= ms(&retried, "notBefore"),
        "not started before notBefore after a restart: {retried}"
    );
    eventually(20, "the second retry, chained to the first", || {
        let runs = runs_of(&server, id);
        runs.len() == 3 && finished(&runs[2])
    });
    let last = runs_of(&server, id)[2].clone();
    assert_eq!(last["retryOf"], queued["id"]);
    assert_eq!(last["attempt"], 3);
    assert_eq!(
        ms(&last, "notBefore") - ms(&retried, "finishedAt"),
        3000,
        "capped at maxDelayMs"
    );
}

#[test]
fn timeouts_retry_but_a_user_stop_or_a_shutdown_never_does() {
    let mut server = Server::start();
    let timing_out = server.create_job(json!({
        "body": "sleep 30", "timeoutMs": 1000,
        "retry": {"attempts": 1, "delayMs": 0}
    }))["id"]
        .as_i64()
        .unwrap();
    let first = server.run_now(timing_out);
    assert_eq!(server.wait_finished(first)["status"], "timeout");
    eventually(10, "a retry of the timed-out run", || {
        runs_of(&server, timing_out)
            .iter()
            .any(|r| r["retryOf"] == first)
    });

    let stopped = server.create_job(json!({
        "body": "sleep 30", "retry": {"attempts": 3, "delayMs": 0}
    }))["id"]
        .as_i64()
        .unwrap();
    let run = server.run_now(stopped);
    server.wait_run(run, 10, |r| r["status"] == "running");
    assert_eq!(
        server
            .send("POST", &format!("/api/runs/{run}/stop"), None)
            .status,
        202
    );
    assert_eq!(server.wait_finished(run)["error"], "stopped by user");

    let shut_down = server.create_job(json!({
        "body": "sleep 30", "retry": {"attempts": 3, "delayMs": 0}
    }))["id"]
        .as_i64()
        .unwrap();
    let run = server.run_now(shut_down);
    server.wait_run(run, 10, |r| r["status"] == "running");
    assert_eq!(server.terminate().code(), Some(0));
    server.boot();
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(runs_of(&server, stopped).len(), 1, "no retry after a stop");
    let runs = runs_of(&server, shut_down);
    assert_eq!(runs.len(), 1, "no retry after a shutdown: {runs:?}");
}

#[test]
fn retry_and_catch_up_are_validated_and_catch_up_reads_back_as_a_string() {
    let server = Server::start();
    for (body, field) in [
        (json!({"retry": {"attempts": 11}}), "retry.attempts"),
        (
            json!({"retry": {"attempts": 2, "backoff": "linear"}}),
            "retry.backoff",
        ),
        (
            json!({"retry": {"attempts": 2, "delayMs": 900, "maxDelayMs": 10}}),
            "retry.maxDelayMs",
        ),
        (json!({"catchUp": "sometimes"}), "catchUp"),
        (json!({"stallTimeoutMs": 5}), "stallTimeoutMs"),
        (json!({"longRunMs": 0}), "longRunMs"),
    ] {
        let mut body = body;
        body["title"] = json!("t");
        body["type"] = json!("script");
        body["body"] = json!("true");
        body["schedule"] = json!({"kind": "manual"});
        server
            .post("/api/jobs", body)
            .assert_error(422, "validation_failed", Some(field));
    }
    let job = server.create_job(json!({"body": "true", "catchUp": true}));
    assert_eq!(job["catchUp"], "last");
    assert!(job["retry"].is_null());
    let id = job["id"].as_i64().unwrap();
    let patched = server
        .patch(&format!("/api/jobs/{id}"), json!({"catchUp": false}))
        .json();
    assert_eq!(patched["catchUp"], "none");
    let patched = server
        .patch(
            &format!("/api/jobs/{id}"),
            json!({"catchUp": "all", "stallTimeoutMs": 60000, "longRunMs": 5000}),
        )
        .json();
    assert_eq!(
        (
            &patched["catchUp"],
            &patched["stallTimeoutMs"],
            &patched["longRunMs"]
        ),
        (&json!("all"), &json!(60000), &json!(5000))
    );
}
