//! Live logs over SSE (with resume), and the `/api/events` change feed.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::fixture::Server;

#[test]
fn log_stream_sends_existing_then_new_output_then_end() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let gate = dir.path().join("go");
    let job = server.script_job(&format!(
        "echo first; while [ ! -e {} ]; do sleep 0.02; done; echo second",
        gate.display()
    ));
    let run_id = server.run_now(job);
    server.wait_run(run_id, 10, |r| {
        r["logBytes"].as_i64().unwrap_or(0) > 0
            || server.log(r["id"].as_i64().unwrap()).contains("first")
    });

    let mut stream = server.sse(&format!("/api/runs/{run_id}/log/stream"), &[]);
    let status = stream
        .next_named("status")
        .expect("an initial status event");
    assert_eq!(status.json()["id"], run_id);
    let first = stream.next_named("log").unwrap();
    assert_eq!(first.json(), json!({"offset": 0, "text": "first\n"}));
    assert_eq!(
        first.id.as_deref(),
        Some("6"),
        "the id is the offset just after the text"
    );

    std::fs::write(&gate, "").unwrap();
    let mut text = String::new();
    let mut statuses = Vec::new();
    let ended = loop {
        let event = stream
            .next_event()
            .expect("the stream stays open until end");
        match event.event.as_str() {
            "log" => text.push_str(event.json()["text"].as_str().unwrap()),
            "status" => statuses.push(event.json()["status"].as_str().unwrap().to_string()),
            "end" => break true,
            _ => {}
        }
    };
    assert!(ended);
    assert_eq!(text, "second\n");
    assert_eq!(
        statuses.last().map(String::as_str),
        Some("success"),
        "status changes are streamed: {statuses:?}"
    );
    assert!(
        stream.next_event().is_none(),
        "the server closes the stream after end"
    );
}

#[test]
fn log_stream_resumes_from_an_offset_or_last_event_id() {
    let server = Server::start();
    let run_id = server.run_now(server.script_job("printf 'abcdef\\nghij\\n'"));
    server.wait_finished(run_id);
    let collect = |path: &str, headers: &[(&str, &str)]| {
        let mut stream = server.sse(path, headers);
        let mut text = String::new();
        let mut first_offset = None;
        while let Some(event) = stream.next_event() {
            if event.event == "log" {
                first_offset.get_or_insert(event.json()["offset"].as_u64().unwrap());
                text.push_str(event.json()["text"].as_str().unwrap());
            }
            if event.event == "end" {
                break;
            }
        }
        (first_offset, text)
    };
    assert_eq!(
        collect(&format!("/api/runs/{run_id}/log/stream"), &[]),
        (Some(0), "abcdef\nghij\n".to_string())
    );
    assert_eq!(
        collect(&format!("/api/runs/{run_id}/log/stream?offset=7"), &[]),
        (Some(7), "ghij\n".to_string())
    );
    assert_eq!(
        collect(
            &format!("/api/runs/{run_id}/log/stream"),
            &[("Last-Event-ID", "9")]
        ),
        (Some(9), "ij\n".to_string())
    );
    assert_eq!(
        collect(&format!("/api/runs/{run_id}/log/stream?offset=12"), &[]),
        (None, String::new())
    );
}

#[test]
fn log_stream_of_a_queued_run_waits_for_it_to_start() {
    let server = Server::start();
    server.patch("/api/preferences", json!({"maxConcurrentRuns": 1}));
    let blocker = server.run_now(server.script_job("sleep 1"));
    server.wait_run(blocker, 10, |r| r["status"] == "running");
    let queued = server.run_now(server.script_job("echo late"));
    let mut stream = server.sse(&format!("/api/runs/{queued}/log/stream"), &[]);
    assert_eq!(
        stream.next_named("status").unwrap().json()["status"],
        "queued"
    );
    assert_eq!(stream.next_named("log").unwrap().json()["text"], "late\n");
    assert!(stream.next_named("end").is_some());
}

#[test]
fn multibyte_text_is_never_split_across_events() {
    let server = Server::start();
    // 50 000 × "€" (3 bytes each): 65 536 is not a multiple of 3, so the
    // 64 KiB reads end mid-character, for a live and for a finished run.
    let run_id = server.run_now(server.script_job(
        "i=0; while [ $i -lt 500 ]; do printf '€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€'; i=$((i+1)); done",
    ));
    server.wait_finished(run_id);
    let mut stream = server.sse(&format!("/api/runs/{run_id}/log/stream"), &[]);
    let mut text = String::new();
    while let Some(event) = stream.next_event() {
        if event.event == "log" {
            let part = event.json()["text"].as_str().unwrap().to_string();
            assert!(!part.contains('\u{FFFD}'), "no replacement characters");
            text.push_str(&part);
        }
        if event.event == "end" {
            break;
        }
    }
    assert_eq!(text.chars().count(), 50_000);
    assert!(text.chars().all(|c| c == '€'));
}

#[test]
fn the_event_feed_reports_job_and_run_changes() {
    let server = Server::start();
    let mut feed = server.sse("/api/events", &[]);
    let job = server.script_job("echo hi");
    let event = feed.next_named("job").unwrap();
    assert_eq!(event.json()["id"], job);
    let run_id = server.run_now(job);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        let event = feed.next_named("run").unwrap();
        let run = event.json();
        assert_eq!(run["id"], run_id);
        seen.push(run["status"].as_str().unwrap().to_string());
        if run["status"] == "success" {
            break;
        }
    }
    assert_eq!(seen, ["queued", "running", "success"]);
    let job_event = feed.next_named("job").expect("the job's lastRun changed");
    assert_eq!(job_event.json()["lastRun"]["id"], run_id);
    assert_eq!(job_event.json()["lastRun"]["status"], "success");
    server.delete(&format!("/api/jobs/{job}"));
    assert_eq!(
        feed.next_named("job-deleted").unwrap().json(),
        json!({"id": job})
    );
}

#[test]
fn last_event_id_wins_over_the_offset_in_the_url() {
    let server = Server::start();
    let run_id = server.run_now(server.script_job("printf 'abcdef\\nghij\\n'"));
    server.wait_finished(run_id);
    // A reconnecting EventSource keeps its URL but sends Last-Event-ID.
    let mut stream = server.sse(
        &format!("/api/runs/{run_id}/log/stream?offset=0"),
        &[("Last-Event-ID", "9")],
    );
    let log = stream.next_named("log").unwrap().json();
    assert_eq!(log, json!({"offset": 9, "text": "ij\n"}));
}
