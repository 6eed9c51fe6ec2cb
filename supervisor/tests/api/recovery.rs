//! Crash recovery, missed occurrences, and graceful shutdown.

use std::time::Duration;

use serde_json::json;

use crate::fixture::{Server, eventually, process_alive, read_pid_file};

#[test]
fn after_kill_9_running_runs_are_closed_their_processes_killed_and_queued_runs_execute() {
    let mut server = Server::start();
    server.patch("/api/preferences", json!({"maxConcurrentRuns": 1}));
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let stubborn = server.script_job(&format!(
        "trap '' TERM; echo $$ > {}; while :; do sleep 0.05; done",
        pid_file.display()
    ));
    let running = server.run_now(stubborn);
    let shell = read_pid_file(&pid_file, 10);
    server.wait_run(running, 10, |r| r["status"] == "running");
    let waiting = server.run_now(server.script_job("echo after restart"));
    assert_eq!(server.run(waiting)["status"], "queued");

    server.kill9();
    assert!(
        process_alive(shell),
        "the orphaned runner gives its TERM-trapping shell a 5 s grace"
    );
    server.boot();
    eventually(3, "recovery killed the leftover process group", || {
        !process_alive(shell)
    });
    let run = server.run(running);
    assert_eq!(run["status"], "failure");
    assert_eq!(run["error"], "interrupted: supervisor restarted");
    let run = server.wait_finished(waiting);
    assert_eq!(run["status"], "success", "accepted work is never lost");
    assert_eq!(server.log(waiting), "after restart\n");
}

#[test]
fn a_once_job_missed_while_down_fires_once_after_restart() {
    let mut server = Server::start();
    let at = {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 2;
        chrono_like(now)
    };
    let job = server
        .create_job(json!({"body": "echo caught up", "schedule": {"kind": "once", "at": at}}));
    let id = job["id"].as_i64().unwrap();
    assert_eq!(server.terminate().code(), Some(0));
    std::thread::sleep(Duration::from_millis(3000));
    server.boot();
    eventually(10, "the missed once-job ran", || {
        server.get(&format!("/api/runs?jobId={id}")).json()["runs"]
            .as_array()
            .unwrap()
            .len()
            == 1
    });
    let run = server.get(&format!("/api/runs?jobId={id}")).json()["runs"][0].clone();
    assert_eq!(run["trigger"], "catchup");
    assert_eq!(run["scheduledFor"], at);
    assert_eq!(
        server.wait_finished(run["id"].as_i64().unwrap())["status"],
        "success"
    );
    assert_eq!(
        server.get(&format!("/api/jobs/{id}")).json()["enabled"],
        false
    );
    server.kill9();
    server.boot();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        server.get(&format!("/api/runs?jobId={id}")).json()["runs"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "never twice"
    );
}

#[test]
fn cron_catch_up_runs_once_for_many_missed_occurrences_only_when_asked() {
    let mut server = Server::start();
    let wants = server.create_job(json!({"body": "true", "catchUp": true, "schedule": {"kind": "cron", "expr": "* * * * *", "timezone": "UTC"}}));
    let ignores = server.create_job(json!({"body": "true", "schedule": {"kind": "cron", "expr": "* * * * *", "timezone": "UTC"}}));
    assert_eq!(server.terminate().code(), Some(0));
    // Pretend the server was down for the last ten minutes.
    let db = backbeat::db::Connection::open(server.data_dir().join("db.sqlite")).unwrap();
    let ten_minutes_ago = backbeat::time::now_ms() - 10 * 60 * 1000;
    db.execute("UPDATE jobs SET anchor_at = ?1", [ten_minutes_ago])
        .unwrap();
    drop(db);
    server.boot();
    let runs_of = |id: &serde_json::Value| {
        server.get(&format!("/api/runs?jobId={id}")).json()["runs"]
            .as_array()
            .unwrap()
            .clone()
    };
    eventually(10, "one catch-up run", || {
        runs_of(&wants["id"])
            .iter()
            .any(|r| r["trigger"] == "catchup")
    });
    let catchups: Vec<_> = runs_of(&wants["id"])
        .into_iter()
        .filter(|r| r["trigger"] == "catchup" && r["status"] != "dropped")
        .collect();
    assert_eq!(catchups.len(), 1, "one run however many were missed");
    let scheduled = catchups[0]["scheduledFor"].as_str().unwrap().to_string();
    assert!(
        scheduled.ends_with(":00.000Z"),
        "a whole minute: {scheduled}"
    );
    let latest_minute = backbeat::time::to_rfc3339(backbeat::time::now_ms() / 60_000 * 60_000);
    let previous_minute =
        backbeat::time::to_rfc3339((backbeat::time::now_ms() / 60_000 - 1) * 60_000);
    assert!(
        scheduled == latest_minute || scheduled == previous_minute,
        "the latest missed time: {scheduled}"
    );
    assert!(
        runs_of(&ignores["id"])
            .iter()
            .all(|r| r["trigger"] != "catchup" || r["status"] == "dropped"),
        "catchUp is off by default: the misses are only recorded"
    );
}

#[test]
fn sigterm_stops_running_runs_keeps_queued_ones_and_exits_zero() {
    let mut server = Server::start();
    server.patch(
        "/api/preferences",
        json!({"maxConcurrentRuns": 1, "stopGraceMs": 1000}),
    );
    let running = server.run_now(server.script_job("sleep 300"));
    server.wait_run(running, 10, |r| r["status"] == "running");
    let queued = server.run_now(server.script_job("echo later"));
    let status = server.terminate();
    assert_eq!(status.code(), Some(0));
    server.boot();
    let run = server.run(running);
    assert_eq!(run["status"], "failure");
    assert_eq!(run["error"], "stopped: supervisor shutting down");
    assert_eq!(
        server.wait_finished(queued)["status"],
        "success",
        "queued work ran after the restart"
    );
}

/// RFC 3339 for a Unix time in seconds.
fn chrono_like(secs: u64) -> String {
    backbeat::time::to_rfc3339(secs as i64 * 1000)
}
