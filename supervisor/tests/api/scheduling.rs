//! Time-based firing: once-jobs, overlap policies, the scheduler switch.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::fixture::{Server, eventually};

/// An RFC 3339 time `ms` from now, on a whole second.
fn in_ms(ms: u64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let at = (now + ms).div_ceil(1000) * 1000;
    let secs = at / 1000;
    let (days, rem) = (secs / 86400, secs % 86400);
    // Civil date from days since epoch (Howard Hinnant's algorithm).
    let z = days as i64 + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn runs_of(server: &Server, job: i64) -> Vec<Value> {
    let mut runs = server.get(&format!("/api/runs?jobId={job}")).json()["runs"]
        .as_array()
        .unwrap()
        .clone();
    runs.reverse();
    runs
}

fn millis(ts: &Value) -> i64 {
    let text = ts.as_str().unwrap();
    // 2026-11-24T09:00:00.123Z → compare within the same minute is enough
    // for these tests: use seconds-of-day plus millis.
    let time = &text[11..23];
    let h: i64 = time[0..2].parse().unwrap();
    let m: i64 = time[3..5].parse().unwrap();
    let s: i64 = time[6..8].parse().unwrap();
    let ms: i64 = time[9..12].parse().unwrap();
    ((h * 60 + m) * 60 + s) * 1000 + ms
}

#[test]
fn a_once_job_fires_at_its_second_and_disables_itself() {
    let server = Server::start();
    let at = in_ms(1500);
    let job =
        server.create_job(json!({"body": "echo fired", "schedule": {"kind": "once", "at": at}}));
    let id = job["id"].as_i64().unwrap();
    assert_eq!(job["nextRunAt"], at);
    eventually(10, "the once-job fired", || {
        !runs_of(&server, id).is_empty()
    });
    let run = server.wait_finished(runs_of(&server, id)[0]["id"].as_i64().unwrap());
    assert_eq!(run["status"], "success");
    assert_eq!(run["trigger"], "schedule");
    assert_eq!(run["scheduledFor"], at);
    let lag = millis(&run["startedAt"]) - millis(&run["scheduledFor"]);
    assert!(
        (0..1000).contains(&lag),
        "started {lag} ms after its second"
    );
    eprintln!("once-job start lag: {lag} ms");
    let job = server.get(&format!("/api/jobs/{id}")).json();
    assert_eq!(job["enabled"], false);
    assert!(job["nextRunAt"].is_null());
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(runs_of(&server, id).len(), 1, "fired exactly once");
    server
        .patch(&format!("/api/jobs/{id}"), json!({"enabled": true}))
        .assert_error(422, "validation_failed", Some("schedule.at"));
}

/// Arms a once-job at the next second(s) and waits for the run it fires.
fn fire_once(server: &Server, id: i64, count_before: usize) -> Value {
    let reply = server.patch(
        &format!("/api/jobs/{id}"),
        json!({"enabled": true, "schedule": {"kind": "once", "at": in_ms(300)}}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    eventually(10, "the occurrence fired", || {
        runs_of(server, id).len() > count_before
    });
    runs_of(server, id)[count_before].clone()
}

#[test]
fn overlap_skip_records_a_dropped_run() {
    let server = Server::start();
    let job = server
        .create_job(json!({"body": "sleep 4", "overlap": "skip", "schedule": {"kind": "manual"}}));
    let id = job["id"].as_i64().unwrap();
    let first = fire_once(&server, id, 0);
    server.wait_run(first["id"].as_i64().unwrap(), 10, |r| {
        r["status"] == "running"
    });
    let second = fire_once(&server, id, 1);
    assert_eq!(second["status"], "dropped");
    assert_eq!(second["trigger"], "schedule");
    assert_eq!(
        second["error"],
        format!("skipped: run {} is still running", first["id"])
    );
    assert_eq!(
        server.get(&format!("/api/jobs/{id}")).json()["enabled"],
        false,
        "a skipped once-job still disables itself"
    );
}

#[test]
fn overlap_queue_waits_and_parallel_does_not() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let gate = dir.path().join("gate");
    let body = format!("while [ ! -e {} ]; do sleep 0.05; done", gate.display());
    let queue = server.create_job(json!({"body": body, "overlap": "queue"}))["id"]
        .as_i64()
        .unwrap();
    let parallel = server.create_job(json!({"body": body, "overlap": "parallel"}))["id"]
        .as_i64()
        .unwrap();
    let q1 = fire_once(&server, queue, 0)["id"].as_i64().unwrap();
    let p1 = fire_once(&server, parallel, 0)["id"].as_i64().unwrap();
    server.wait_run(q1, 10, |r| r["status"] == "running");
    let q2 = fire_once(&server, queue, 1)["id"].as_i64().unwrap();
    let p2 = fire_once(&server, parallel, 1)["id"].as_i64().unwrap();
    server.wait_run(p2, 10, |r| r["status"] == "running");
    assert_eq!(
        server.run(p1)["status"],
        "running",
        "parallel runs side by side"
    );
    assert_eq!(
        server.run(q2)["status"],
        "queued",
        "waits for the job's running run"
    );
    std::fs::write(&gate, "").unwrap();
    let q1 = server.wait_finished(q1);
    let q2 = server.wait_finished(q2);
    assert_eq!(q2["status"], "success");
    assert!(
        millis(&q2["startedAt"]) >= millis(&q1["finishedAt"]),
        "started after the first ended"
    );
}

#[test]
fn with_the_scheduler_disabled_only_manual_runs_execute() {
    let server = Server::start_with(&[("BACKBEAT_DISABLE_SCHEDULER", "1")]);
    assert_eq!(server.get("/api/health").json()["scheduler"], "disabled");
    let job = server
        .create_job(json!({"body": "echo hi", "schedule": {"kind": "once", "at": in_ms(1000)}}));
    let id = job["id"].as_i64().unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    assert!(runs_of(&server, id).is_empty(), "no time-based firing");
    let run = server.wait_finished(server.run_now(id));
    assert_eq!(run["status"], "success");
}
