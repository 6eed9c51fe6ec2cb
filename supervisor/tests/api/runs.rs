//! Running jobs: run now, results and errors, env, stop and drop,
//! timeouts, concurrency, retention, the log cap, protocol garbage.

use std::os::unix::fs::PermissionsExt;
use std::time::Instant;

use serde_json::json;

use crate::fixture::{Server, eventually, process_alive, read_pid_file};

#[test]
fn run_now_records_success_output_and_timings() {
    let server = Server::start();
    let job = server.script_job("echo out; echo err >&2; printf 'no newline'");
    let run_id = server.run_now(job);
    let run = server.wait_finished(run_id);
    assert_eq!(run["status"], "success", "{run}");
    assert_eq!(run["trigger"], "manual");
    assert_eq!(run["executor"], "sh-runner");
    assert_eq!(run["exitCode"], 0);
    assert!(run["error"].is_null());
    assert!(run["scheduledFor"].is_null());
    for key in ["queuedAt", "startedAt", "finishedAt"] {
        assert!(run[key].as_str().unwrap().ends_with('Z'), "{key}: {run}");
    }
    assert!(run["durationMs"].as_i64().unwrap() >= 0);
    let log = server.log(run_id);
    assert!(
        log.contains("out\n") && log.contains("err\n") && log.contains("no newline"),
        "{log:?}"
    );
    assert_eq!(
        run["logBytes"].as_u64().unwrap(),
        log.len() as u64,
        "logBytes is the stored log's size"
    );
    let path = server.data_dir().join(format!("logs/{job}/{run_id}.log"));
    assert_eq!(
        std::fs::read_to_string(path).unwrap(),
        log,
        "the log lives at <data>/logs/<job>/<run>.log"
    );
    assert_eq!(
        server.get(&format!("/api/runs/{run_id}/log?offset=4")).body,
        log[4..]
    );

    let job_view = server.get(&format!("/api/jobs/{job}")).json();
    assert_eq!(job_view["lastRun"]["id"], run_id);
    assert_eq!(job_view["lastRun"]["status"], "success");
}

#[test]
fn failures_say_why_in_plain_words() {
    let server = Server::start();
    let run = server.wait_finished(server.run_now(server.script_job("echo partial; exit 3")));
    assert_eq!(run["status"], "failure");
    assert_eq!(run["exitCode"], 3);
    assert_eq!(run["error"], "exit code 3");

    let job = server.create_job(json!({"body": "pwd", "cwd": "/nope/not/here"}));
    let run = server.wait_finished(server.run_now(job["id"].as_i64().unwrap()));
    assert_eq!(run["status"], "failure");
    assert_eq!(
        run["error"],
        "working directory does not exist: /nope/not/here"
    );
}

#[test]
fn environment_merges_job_run_and_backbeat_variables() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let job = server.create_job(json!({
        "body": "echo \"$A $B $BACKBEAT_RUN_ID $BACKBEAT_JOB_ID $BACKBEAT_TRIGGER $(pwd)\"",
        "env": {"A": "from-job", "B": "job-b"},
        "cwd": dir.path().to_str().unwrap()
    }));
    let id = job["id"].as_i64().unwrap();
    let reply = server.post(
        &format!("/api/jobs/{id}/runs"),
        json!({"env": {"B": "from-run"}}),
    );
    assert_eq!(reply.status, 202, "{}", reply.body);
    let run_id = reply.json()["id"].as_i64().unwrap();
    server.wait_finished(run_id);
    assert_eq!(
        server.log(run_id),
        format!(
            "from-job from-run {run_id} {id} manual {}\n",
            dir.path().canonicalize().unwrap().display()
        )
    );
    server
        .post(&format!("/api/jobs/{id}/runs"), json!({"env": {"9X": "y"}}))
        .assert_error(422, "validation_failed", Some("env.9X"));
    server
        .post("/api/jobs/4242/runs", json!({}))
        .assert_error(404, "not_found", None);
}

#[test]
fn stop_kills_a_term_trapping_script_and_its_background_grandchild() {
    let server = Server::start();
    server.patch("/api/preferences", json!({"stopGraceMs": 500}));
    let dir = tempfile::tempdir().unwrap();
    let pids = dir.path().join("pids");
    let script = format!(
        "trap 'echo got TERM' TERM\nsleep 300 &\necho $! > {0}.child\necho $$ > {0}\nwhile :; do sleep 0.05; done",
        pids.display()
    );
    let run_id = server.run_now(server.script_job(&script));
    let shell = read_pid_file(&pids, 10);
    let grandchild = read_pid_file(&dir.path().join("pids.child"), 10);
    assert!(process_alive(shell) && process_alive(grandchild));
    server.wait_run(run_id, 10, |r| r["status"] == "running");
    let started = Instant::now();
    let reply = server.send("POST", &format!("/api/runs/{run_id}/stop"), None);
    assert_eq!(reply.status, 202, "{}", reply.body);
    let run = server.wait_finished(run_id);
    assert_eq!(run["status"], "failure");
    assert_eq!(run["error"], "stopped by user");
    assert!(
        run["exitCode"].is_null(),
        "the shell died of a signal, not with a code: {run}"
    );
    assert!(
        started.elapsed().as_millis() >= 450,
        "the trap delays death until the SIGKILL after the grace"
    );
    eventually(5, "the whole process group is gone", || {
        !process_alive(shell) && !process_alive(grandchild)
    });
    assert!(
        server.log(run_id).contains("got TERM"),
        "SIGTERM came first: {}",
        server.log(run_id)
    );
    server
        .send("POST", &format!("/api/runs/{run_id}/stop"), None)
        .assert_error(409, "conflict", None);
}

#[test]
fn a_process_that_exits_on_sigterm_ends_the_run_at_once() {
    let server = Server::start();
    server.patch("/api/preferences", json!({"stopGraceMs": 20000}));
    let run_id = server.run_now(server.script_job("sleep 300"));
    server.wait_run(run_id, 10, |r| r["status"] == "running");
    let started = Instant::now();
    server.send("POST", &format!("/api/runs/{run_id}/stop"), None);
    let run = server.wait_finished(run_id);
    assert_eq!(run["error"], "stopped by user");
    assert!(
        started.elapsed().as_secs() < 5,
        "did not wait for the 20 s grace: {:?}",
        started.elapsed()
    );
}

#[test]
fn timeouts_end_as_timeout() {
    let server = Server::start();
    let job = server.create_job(json!({"body": "echo starting; sleep 60", "timeoutMs": 1000}));
    let run = server.wait_finished(server.run_now(job["id"].as_i64().unwrap()));
    assert_eq!(run["status"], "timeout");
    assert_eq!(run["error"], "timed out after 1000 ms");
    assert!(run["exitCode"].is_null(), "{run}");
    let log = server.log(run["id"].as_i64().unwrap());
    assert!(log.starts_with("starting\n"), "{log}");
}

#[test]
fn global_limit_queues_runs_and_queued_runs_can_be_dropped() {
    let server = Server::start();
    server.patch("/api/preferences", json!({"maxConcurrentRuns": 1}));
    let slow = server.script_job("sleep 2");
    let quick = server.script_job("echo quick");
    let first = server.run_now(slow);
    server.wait_run(first, 10, |r| r["status"] == "running");
    let second = server.run_now(quick);
    let third = server.run_now(quick);
    assert_eq!(server.run(second)["status"], "queued", "capacity is 1");
    let dropped = server.send("POST", &format!("/api/runs/{third}/stop"), None);
    assert_eq!(dropped.status, 202);
    assert_eq!(dropped.json()["status"], "dropped");
    let second = server.wait_finished(second);
    assert_eq!(second["status"], "success");
    assert!(
        second["startedAt"].as_str().unwrap() >= server.run(first)["finishedAt"].as_str().unwrap(),
        "waited for the slot"
    );
    assert_eq!(server.run(third)["status"], "dropped");
    assert!(server.log(third).is_empty(), "a dropped run never started");
}

#[test]
fn manual_runs_start_beside_a_running_run_of_the_same_job() {
    let server = Server::start();
    let job = server.script_job("sleep 1");
    let a = server.run_now(job);
    let b = server.run_now(job);
    server.wait_run(a, 10, |r| r["status"] == "running");
    server.wait_run(b, 10, |r| r["status"] == "running");
    assert_eq!(server.wait_finished(a)["status"], "success");
    assert_eq!(server.wait_finished(b)["status"], "success");
}

#[test]
fn retention_keeps_the_newest_runs_and_their_logs_only() {
    let server = Server::start();
    server.patch("/api/preferences", json!({"logRetentionPerJob": 2}));
    let job = server.script_job("echo run");
    let ids: Vec<i64> = (0..4)
        .map(|_| {
            server.wait_finished(server.run_now(job))["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    let runs = server.get(&format!("/api/runs?jobId={job}")).json()["runs"]
        .as_array()
        .unwrap()
        .clone();
    let kept: Vec<i64> = runs.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(kept, [ids[3], ids[2]]);
    let logs: Vec<_> = std::fs::read_dir(server.data_dir().join(format!("logs/{job}")))
        .unwrap()
        .collect();
    assert_eq!(logs.len(), 2, "old logs are deleted with their rows");
    server
        .get(&format!("/api/runs/{}", ids[0]))
        .assert_error(404, "not_found", None);
}

#[test]
fn log_cap_drops_output_with_one_marker_line() {
    let server = Server::start();
    server.patch("/api/preferences", json!({"maxLogBytes": 4096}));
    let run_id = server
        .run_now(server.script_job(
            "i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done; echo done",
        ));
    let run = server.wait_finished(run_id);
    assert_eq!(run["status"], "success", "the run goes on past the cap");
    let log = server.log(run_id);
    assert!(log.starts_with("line-0\n"));
    assert!(
        log.ends_with(
            "[backbeat] output truncated: maxLogBytes (4096) reached, further output dropped\n"
        ),
        "{}",
        &log[log.len() - 200..]
    );
    assert_eq!(log.matches("[backbeat] output truncated").count(), 1);
    assert!(!log.contains("done"));
    assert_eq!(run["logBytes"].as_u64().unwrap(), log.len() as u64);
    assert!(log.len() < 4096 + 200);
}

fn install_runner(server: &Server, name: &str, script: &str) {
    let path = server.config_dir().join("executors").join(name);
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn protocol_garbage_is_logged_and_survived() {
    let server = Server::start();
    install_runner(
        &server,
        "garbage-runner",
        "#!/bin/sh\nread start\necho 'this is not json'\nprintf '%s\\n' '{\"type\":\"progress\",\"pct\":50}'\nprintf '%s\\n' '{\"type\":\"log\",\"stream\":\"stdout\",\"text\":\"real output\\n\"}'\nprintf '%s\\n' '{\"type\":\"result\",\"status\":\"success\",\"exitCode\":0}'\n",
    );
    install_runner(
        &server,
        "mute-runner",
        "#!/bin/sh\nread start\necho 'bye' >&2\nexit 7\n",
    );
    let garbage = server.create_job(json!({"type": "garbage", "body": "x"}));
    let run = server.wait_finished(server.run_now(garbage["id"].as_i64().unwrap()));
    assert_eq!(run["status"], "success");
    let log = server.log(run["id"].as_i64().unwrap());
    assert!(
        log.contains("[backbeat] protocol error: not valid JSON"),
        "{log}"
    );
    assert!(log.contains("this is not json"));
    assert!(
        !log.contains("progress"),
        "unknown message types are ignored"
    );
    assert!(log.contains("real output\n"));

    let mute = server.create_job(json!({"type": "mute", "body": "x"}));
    let run = server.wait_finished(server.run_now(mute["id"].as_i64().unwrap()));
    assert_eq!(run["status"], "failure");
    assert_eq!(run["error"], "executor exited without result (exit code 7)");
    assert!(
        server.log(run["id"].as_i64().unwrap()).contains("bye"),
        "executor stderr goes to the log"
    );
    assert_eq!(server.get("/api/health").status, 200);
}

#[test]
fn deleting_a_job_stops_its_run_and_removes_runs_and_logs() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let job = server.script_job(&format!("echo $$ > {}; sleep 300", pid_file.display()));
    let run_id = server.run_now(job);
    let pid = read_pid_file(&pid_file, 10);
    assert_eq!(server.delete(&format!("/api/jobs/{job}")).status, 204);
    eventually(10, "the run's process is gone", || !process_alive(pid));
    server
        .get(&format!("/api/runs/{run_id}"))
        .assert_error(404, "not_found", None);
    assert!(!server.data_dir().join(format!("logs/{job}")).exists());
}

#[test]
fn history_pages_with_a_keyset_cursor_and_filters() {
    let server = Server::start();
    let ok = server.script_job("true");
    let bad = server.script_job("false");
    let mut ids = Vec::new();
    for job in [ok, bad, ok, bad, ok] {
        ids.push(
            server.wait_finished(server.run_now(job))["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let page1 = server.get("/api/runs?limit=2").json();
    let got: Vec<i64> = page1["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, [ids[4], ids[3]], "newest first");
    let cursor = page1["nextBefore"].as_i64().unwrap();
    let page2 = server
        .get(&format!("/api/runs?limit=2&before={cursor}"))
        .json();
    let got: Vec<i64> = page2["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, [ids[2], ids[1]]);
    let page3 = server
        .get(&format!("/api/runs?limit=2&before={}", page2["nextBefore"]))
        .json();
    assert_eq!(page3["runs"].as_array().unwrap().len(), 1);
    assert!(page3["nextBefore"].is_null(), "last page");

    let failures = server.get("/api/runs?status=failure").json();
    assert!(
        failures["runs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "failure" && r["jobTitle"] == "test job")
    );
    assert_eq!(failures["runs"].as_array().unwrap().len(), 2);
    let both = server
        .get(&format!("/api/runs?status=success,failure&jobId={ok}"))
        .json();
    let got: Vec<i64> = both["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, [ids[4], ids[2], ids[0]]);
    assert_eq!(
        server.get("/api/runs?jobId=99999").json()["runs"],
        json!([])
    );
    server
        .get("/api/runs?status=bogus")
        .assert_error(400, "bad_request", None);
    server
        .get("/api/runs?limit=0")
        .assert_error(400, "bad_request", None);
    server
        .get("/api/runs?limit=501")
        .assert_error(400, "bad_request", None);
    server
        .get("/api/runs?jobId=abc")
        .assert_error(400, "bad_request", None);
}

#[test]
fn metrics_count_runs_and_need_the_token() {
    let server = Server::start();
    let job = server.script_job("true");
    server.wait_finished(server.run_now(job));
    server.wait_finished(server.run_now(server.script_job("false")));
    server
        .get_with("/metrics", &[])
        .assert_error(401, "unauthorized", None);
    let reply = server.get("/metrics");
    assert_eq!(reply.status, 200);
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    let text = reply.body;
    assert!(
        text.contains("backbeat_runs_finished_total{status=\"success\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("backbeat_runs_finished_total{status=\"failure\"} 1"),
        "{text}"
    );
    assert!(text.contains("# TYPE backbeat_runs_running gauge"));
    assert!(text.contains("backbeat_runs_queued 0"));
}

#[test]
fn retention_never_deletes_a_run_its_followers_are_waiting_on() {
    let server = Server::start();
    server.patch(
        "/api/preferences",
        json!({"logRetentionPerJob": 2, "maxConcurrentRuns": 1}),
    );
    let job = server.script_job("echo hi; sleep 0.3");
    let first = server.run_now(job);
    let mut stream = server.sse(&format!("/api/runs/{first}/log/stream"), &[]);
    let rest: Vec<i64> = (0..3).map(|_| server.run_now(job)).collect();
    let mut last_status = String::new();
    loop {
        let event = stream
            .next_event()
            .expect("the follower sees the end of its run");
        match event.event.as_str() {
            "status" => last_status = event.json()["status"].as_str().unwrap().to_string(),
            "end" => break,
            _ => {}
        }
    }
    assert_eq!(last_status, "success");
    let last = server.wait_finished(rest[2]);
    assert_eq!(last["status"], "success");
    let kept: Vec<i64> = server.get(&format!("/api/runs?jobId={job}")).json()["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        kept,
        [rest[2], rest[1]],
        "the newest two finished runs are kept"
    );
}

#[test]
fn an_executor_that_never_reads_stdin_still_times_out_and_dies() {
    let server = Server::start();
    server.patch("/api/preferences", json!({"stopGraceMs": 200}));
    install_runner(
        &server,
        "deaf-runner",
        "#!/bin/sh\necho $$ > \"$PIDFILE\"\nexec sleep 600\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    // A body far larger than a pipe buffer: writing `start` cannot finish.
    let body = "x".repeat(300 * 1024);
    let job = server.create_job(json!({"type": "deaf", "body": body, "timeoutMs": 1500, "env": {"PIDFILE": pid_file.to_str().unwrap()}}));
    let run_id = server.run_now(job["id"].as_i64().unwrap());
    let pid = read_pid_file(&pid_file, 10);
    server.wait_run(run_id, 10, |r| r["status"] == "running");
    let run = server.wait_finished(run_id);
    assert_eq!(run["status"], "timeout");
    eventually(5, "the deaf executor is gone", || !process_alive(pid));
}
