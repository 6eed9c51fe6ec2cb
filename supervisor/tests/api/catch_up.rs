//! Catch-up across a restart with a `*/1`-minute job: `none` records the
//! misses as one dropped run, `last` runs the latest, `all` runs each (at
//! most 10) in order; what did not run is always recorded. Time is driven
//! by moving the jobs' `anchor_at` back in the SQLite file while the
//! server is down.

use serde_json::{Value, json};

use crate::fixture::{Server, eventually};
use backbeat::time::{Millis, now_ms, parse_rfc3339};

const MINUTE: Millis = 60_000;

fn runs_of(server: &Server, job_id: &Value) -> Vec<Value> {
    let mut runs = server.get(&format!("/api/runs?jobId={job_id}")).json()["runs"]
        .as_array()
        .unwrap()
        .clone();
    runs.reverse();
    runs.retain(|r| r["trigger"] == "catchup");
    runs
}

/// Whole minutes in (anchor, now].
fn minutes_in(anchor: Millis, now: Millis) -> u64 {
    (now / MINUTE - anchor / MINUTE) as u64
}

fn missed_count(error: &str) -> u64 {
    let rest = error
        .strip_prefix("missed ")
        .unwrap_or_else(|| panic!("{error}"));
    rest.split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn catch_up_none_last_and_all_across_a_restart() {
    let mut server = Server::start();
    let cron = json!({"kind": "cron", "expr": "*/1 * * * *", "timezone": "UTC"});
    let none = server.create_job(json!({"body": "true", "catchUp": "none", "schedule": cron}));
    let last = server.create_job(json!({"body": "true", "catchUp": "last", "schedule": cron}));
    let all = server.create_job(json!({"body": "true", "catchUp": "all", "schedule": cron}));
    assert_eq!(server.terminate().code(), Some(0));
    let anchor = now_ms() - 14 * MINUTE - MINUTE / 2;
    let db = backbeat::db::Connection::open(server.data_dir().join("db.sqlite")).unwrap();
    db.execute("UPDATE jobs SET anchor_at = ?1", [anchor])
        .unwrap();
    drop(db);
    let low = minutes_in(anchor, now_ms());
    server.boot();
    let high = minutes_in(anchor, now_ms());

    // none: one dropped record, nothing run.
    eventually(10, "the record of misses", || {
        !runs_of(&server, &none["id"]).is_empty()
    });
    let records = runs_of(&server, &none["id"]);
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["status"], "dropped");
    let error = records[0]["error"].as_str().unwrap();
    let missed = missed_count(error);
    assert!((low..=high).contains(&missed), "{error}");
    let first = backbeat::time::to_rfc3339((anchor / MINUTE + 1) * MINUTE);
    assert!(
        error.contains(&format!("while Backbeat was down (first {first}, last ")),
        "{error}"
    );

    // last: the latest runs, the others are recorded.
    eventually(10, "the latest occurrence ran", || {
        runs_of(&server, &last["id"])
            .iter()
            .any(|r| r["status"] == "success")
    });
    let runs = runs_of(&server, &last["id"]);
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(runs[0]["status"], "dropped");
    assert_eq!(missed_count(runs[0]["error"].as_str().unwrap()), missed - 1);
    assert_eq!(
        parse_rfc3339(runs[1]["scheduledFor"].as_str().unwrap()).unwrap()
            - parse_rfc3339(runs[0]["scheduledFor"].as_str().unwrap()).unwrap(),
        MINUTE,
        "the run is the occurrence after the last recorded one"
    );

    // all: the latest 10 run in order, the rest are recorded.
    eventually(30, "ten catch-up runs finished", || {
        runs_of(&server, &all["id"])
            .iter()
            .filter(|r| r["status"] == "success")
            .count()
            == 10
    });
    let runs = runs_of(&server, &all["id"]);
    assert_eq!(runs.len(), 11, "{runs:?}");
    assert_eq!(runs[0]["status"], "dropped");
    assert_eq!(
        missed_count(runs[0]["error"].as_str().unwrap()),
        missed - 10
    );
    let times: Vec<Millis> = runs
        .iter()
        .map(|r| parse_rfc3339(r["scheduledFor"].as_str().unwrap()).unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[1] - w[0] == MINUTE),
        "consecutive minutes, oldest first: {times:?}"
    );
    let started: Vec<Millis> = runs[1..]
        .iter()
        .map(|r| parse_rfc3339(r["startedAt"].as_str().unwrap()).unwrap())
        .collect();
    assert!(started.windows(2).all(|w| w[0] <= w[1]), "run in order");

    let metrics = server.get("/metrics").body;
    let expected = missed + (missed - 1) + (missed - 10);
    assert!(
        metrics.contains(&format!("backbeat_occurrences_missed_total {expected}")),
        "{metrics}"
    );
}
