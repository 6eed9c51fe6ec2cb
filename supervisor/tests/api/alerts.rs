//! The events this part raises, delivered through a real command channel:
//! a failure with a retry scheduled stays quiet until the last retry, a run
//! past `longRunMs` sends `long` once, and occurrences missed while
//! Backbeat was down send `missed` with their dropped record.

use serde_json::{Value, json};

use crate::fixture::{Server, eventually};
use crate::notify::{create_channel, deliveries, settled_deliveries};

/// A command channel appending each event's name and run id to a file.
fn recording_channel(server: &Server, file: &std::path::Path) -> i64 {
    create_channel(
        server,
        json!({"name": "recorder", "kind": "command",
        "config": {"command": format!("echo \"$BACKBEAT_EVENT $BACKBEAT_RUN_ID\" >> {}", file.display())}}),
    )
}

fn runs_of(server: &Server, job_id: i64) -> Vec<Value> {
    let mut runs = server.get(&format!("/api/runs?jobId={job_id}")).json()["runs"]
        .as_array()
        .unwrap()
        .clone();
    runs.reverse();
    runs
}

#[test]
fn a_failure_is_told_once_after_the_last_retry() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.txt");
    let channel = recording_channel(&server, &file);
    let job = server.create_job(json!({
        "body": "exit 4", "retry": {"attempts": 2, "delayMs": 100},
        "notify": {"channels": [channel], "on": ["failure"]}
    }))["id"]
        .as_i64()
        .unwrap();
    server.run_now(job);
    eventually(20, "the run and its two retries", || {
        let runs = runs_of(&server, job);
        runs.len() == 3 && runs.iter().all(|r| r["status"] == "failure")
    });
    let runs = runs_of(&server, job);
    let last = runs[2]["id"].as_i64().unwrap();
    let told = settled_deliveries(&server, last, 1);
    assert_eq!(told[0]["status"], "sent", "{told:?}");
    for early in &runs[..2] {
        let early = early["id"].as_i64().unwrap();
        assert!(
            deliveries(&server, early)
                .iter()
                .all(|d| d["status"] == "suppressed"),
            "run {early} has a retry: {:?}",
            deliveries(&server, early)
        );
    }
    let lines = std::fs::read_to_string(&file).unwrap();
    assert_eq!(lines.trim(), format!("failure {last}"), "told once");
}

#[test]
fn a_long_run_sends_long_once_while_it_runs() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.txt");
    let channel = recording_channel(&server, &file);
    let job = server.create_job(json!({
        "body": "sleep 2.5", "longRunMs": 1000,
        "notify": {"channels": [channel], "on": ["long"]}
    }))["id"]
        .as_i64()
        .unwrap();
    let run = server.run_now(job);
    eventually(10, "the long event", || {
        std::fs::read_to_string(&file).is_ok_and(|t| t.contains("long"))
    });
    assert_eq!(server.run(run)["status"], "running", "told while it runs");
    server.wait_finished(run);
    let told = settled_deliveries(&server, run, 1);
    assert_eq!(
        (&told[0]["event"], &told[0]["status"]),
        (&json!("long"), &json!("sent"))
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap().trim(),
        format!("long {run}")
    );
}

#[test]
fn missed_occurrences_send_missed_with_their_record() {
    let mut server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.txt");
    let channel = recording_channel(&server, &file);
    let job = server.create_job(json!({
        "body": "true", "catchUp": "none",
        "schedule": {"kind": "cron", "expr": "*/1 * * * *", "timezone": "UTC"},
        "notify": {"channels": [channel], "on": ["missed"]}
    }))["id"]
        .as_i64()
        .unwrap();
    assert_eq!(server.terminate().code(), Some(0));
    let db = backbeat::db::Connection::open(server.data_dir().join("db.sqlite")).unwrap();
    let anchor = backbeat::time::now_ms() - 5 * 60_000 - 30_000;
    db.execute("UPDATE jobs SET anchor_at = ?1", [anchor])
        .unwrap();
    drop(db);
    server.boot();
    eventually(10, "the dropped record", || {
        runs_of(&server, job)
            .iter()
            .any(|r| r["trigger"] == "catchup")
    });
    let record = runs_of(&server, job)
        .into_iter()
        .find(|r| r["trigger"] == "catchup")
        .unwrap();
    assert_eq!(record["status"], "dropped");
    let id = record["id"].as_i64().unwrap();
    let told = settled_deliveries(&server, id, 1);
    assert_eq!(
        (&told[0]["event"], &told[0]["status"]),
        (&json!("missed"), &json!("sent"))
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap().trim(),
        format!("missed {id}")
    );
}
