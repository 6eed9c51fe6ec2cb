//! History filters on GET /api/runs: the queue-time window (`from`, `to`)
//! and the case-insensitive search in errors (`error`), alone, together
//! and with the other filters, across pages.

use serde_json::{Value, json};

use crate::fixture::Server;

fn page(server: &Server, query: &str) -> (Vec<i64>, Value) {
    let reply = server.get(&format!("/api/runs?{query}"));
    assert_eq!(reply.status, 200, "{query}: {}", reply.body);
    let body = reply.json();
    let ids = body["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    (ids, body["nextBefore"].clone())
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[test]
fn a_queue_time_window_keeps_the_runs_queued_inside_it() {
    let server = Server::start();
    let job = server.script_job("true");
    let runs: Vec<Value> = (0..4)
        .map(|_| {
            let run = server.wait_finished(server.run_now(job));
            std::thread::sleep(std::time::Duration::from_millis(5));
            run
        })
        .collect();
    let id = |i: usize| runs[i]["id"].as_i64().unwrap();
    let at = |i: usize| encode(runs[i]["queuedAt"].as_str().unwrap());

    // from is inclusive, to exclusive: [run 1, run 3) holds runs 1 and 2.
    let (ids, next) = page(&server, &format!("from={}&to={}", at(1), at(3)));
    assert_eq!(ids, [id(2), id(1)]);
    assert!(next.is_null());
    assert_eq!(page(&server, &format!("from={}", at(2))).0, [id(3), id(2)]);
    assert_eq!(page(&server, &format!("to={}", at(1))).0, [id(0)]);
    assert_eq!(
        page(
            &server,
            &format!("from={}&jobId={job}&status=success", at(3))
        )
        .0,
        [id(3)],
        "with the other filters"
    );
    // Pages of one through the window.
    let (first, next) = page(&server, &format!("from={}&limit=1", at(1)));
    assert_eq!(first, [id(3)]);
    let (second, _) = page(&server, &format!("from={}&limit=1&before={next}", at(1)));
    assert_eq!(second, [id(2)]);
    // Nothing queued in the window: an empty page, not an error.
    assert!(page(&server, "from=2099-01-01T00:00:00Z").0.is_empty());
    assert!(page(&server, "to=2000-01-01T00:00:00Z").0.is_empty());

    server
        .get("/api/runs?from=yesterday")
        .assert_error(400, "bad_request", None);
    server
        .get(&format!("/api/runs?from={}&to={}", at(2), at(1)))
        .assert_error(400, "bad_request", None);
}

#[test]
fn error_search_ignores_case_and_combines_with_filters() {
    let server = Server::start();
    let disk = server.script_job("echo 'No space left on Device' >&2; exit 3");
    let other = server.script_job("exit 4");
    let ok = server.script_job("true");
    let full = server.wait_finished(server.run_now(disk))["id"]
        .as_i64()
        .unwrap();
    let four = server.wait_finished(server.run_now(other))["id"]
        .as_i64()
        .unwrap();
    server.wait_finished(server.run_now(ok));
    let three = server.wait_finished(server.run_now(disk))["id"]
        .as_i64()
        .unwrap();

    assert_eq!(page(&server, "error=EXIT%20CODE").0, [three, four, full]);
    assert_eq!(page(&server, "error=code%203").0, [three, full]);
    assert_eq!(
        page(&server, &format!("error=code&jobId={other}")).0,
        [four]
    );
    assert_eq!(
        page(&server, "error=code&status=success").0,
        Vec::<i64>::new()
    );
    assert_eq!(
        page(&server, "error=code&status=failure,timeout").0,
        [three, four, full]
    );
    assert!(page(&server, "error=nothing%20like%20this").0.is_empty());
    let (first, next) = page(&server, "error=exit&limit=2");
    assert_eq!(first, [three, four]);
    assert_eq!(
        page(&server, &format!("error=exit&limit=2&before={next}")).0,
        [full]
    );
}

#[test]
fn an_error_search_over_many_runs_is_bounded_and_pages_on() {
    let mut server = Server::start();
    let job = server.create_job(json!({"title": "many", "body": "true"}));
    let job = job["id"].as_i64().unwrap();
    assert_eq!(server.terminate().code(), Some(0));
    // 12,000 old runs, written the way the supervisor writes them: the
    // only matches are the oldest and the newest.
    let db = rusqlite::Connection::open(server.data_dir().join("db.sqlite")).unwrap();
    let tx = db.unchecked_transaction().unwrap();
    {
        let mut insert = tx
            .prepare(
                "INSERT INTO runs (job_id, status, trigger, queued_at, finished_at, error)
                 VALUES (?1, ?2, 'manual', ?3, ?3, ?4)",
            )
            .unwrap();
        for i in 0..12_000_i64 {
            let error = match i {
                0 | 11_999 => Some("disk quota exceeded"),
                _ if i % 2 == 0 => Some("exit code 1"),
                _ => None,
            };
            let status = if error.is_some() {
                "failure"
            } else {
                "success"
            };
            insert
                .execute(rusqlite::params![job, status, 1_700_000_000_000 + i, error])
                .unwrap();
        }
    }
    tx.commit().unwrap();
    drop(db);
    server.boot();

    let mut found = Vec::new();
    let mut query = "error=QUOTA".to_string();
    let mut pages = 0;
    loop {
        pages += 1;
        assert!(pages <= 10, "the search ends");
        let (ids, next) = page(&server, &query);
        found.extend(ids);
        match next.as_i64() {
            Some(before) => query = format!("error=QUOTA&before={before}"),
            None => break,
        }
    }
    assert_eq!(found.len(), 2, "both matches, across pages: {found:?}");
    assert!(found[0] > found[1]);
    assert!(pages > 1, "12,000 runs are not examined in one request");
}
