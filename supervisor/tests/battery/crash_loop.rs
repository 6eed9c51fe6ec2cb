//! Crash loop: 20 `kill -9`s of the supervisor at random moments under
//! load (8 runs running, dozens queued, a `* * * * *` job, run-now
//! requests racing the kills). Afterwards the store passes
//! `integrity_check`, every run acknowledged with a 2xx exists and ended,
//! none is left `running` or `queued`, queued runs ran after the restart,
//! every started run has its log file, and no process of an earlier
//! incarnation survives (RELIABILITY.md, "Processes" and "Storage").

use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fixture::{Server, TOKEN, marked};

const KILLS: usize = 20;
const INTERRUPTED: &str = "interrupted: supervisor restarted";

/// Job bodies: quick, slower, one leaving a TERM-ignoring `setsid`
/// escapee behind, one ignoring SIGTERM itself.
const BODIES: [&str; 4] = [
    "echo quick; sleep 0.2",
    "echo slow; sleep 1",
    "setsid sh -c 'trap \"\" TERM; exec sleep 1000' & echo escapee; sleep 0.5",
    "trap '' TERM; echo stubborn; sleep 1.5",
];

/// Posts run-now requests to whichever incarnation is up, every ~100 ms,
/// and keeps the ids of those answered 202. Requests that hit a kill fail
/// or are refused; only acknowledged runs are promised.
fn poster(
    port: Arc<AtomicU16>,
    jobs: Vec<i64>,
    stop: Arc<AtomicBool>,
    acknowledged: Arc<Mutex<Vec<i64>>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(3)))
            .build()
            .into();
        let mut rng = fastrand::Rng::new();
        while !stop.load(Ordering::SeqCst) {
            let job = jobs[rng.usize(..jobs.len())];
            let url = format!(
                "http://127.0.0.1:{}/api/jobs/{job}/runs",
                port.load(Ordering::SeqCst)
            );
            if let Ok(mut reply) = agent
                .post(&url)
                .header("Authorization", format!("Bearer {TOKEN}"))
                .send_empty()
                && reply.status().is_success()
            {
                let body: Value =
                    serde_json::from_str(&reply.body_mut().read_to_string().unwrap_or_default())
                        .expect("a 2xx run-now answer is JSON");
                let id = body["id"].as_i64().expect("a 2xx run-now answer has an id");
                acknowledged.lock().unwrap().push(id);
            }
            std::thread::sleep(Duration::from_millis(rng.u64(50..150)));
        }
    })
}

fn open_runs(server: &Server) -> Vec<Value> {
    let reply = server.get("/api/runs?status=queued,running&limit=200");
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["runs"].as_array().unwrap().clone()
}

#[test]
fn twenty_kill_9s_under_load_lose_nothing_and_leave_no_process() {
    let seed = fastrand::u64(..);
    eprintln!("crash loop seed: {seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut server = Server::start();
    let reply = server.patch(
        "/api/preferences",
        json!({"maxConcurrentRuns": 8, "stopGraceMs": 500, "logRetentionPerJob": 100000}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let mark = format!("crash-loop-{}-{seed}", std::process::id());
    let env = json!({"BB_MARK": mark});
    let jobs: Vec<i64> = BODIES
        .iter()
        .map(|body| {
            server.create_job(json!({"body": body, "env": env}))["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    let cron = server.create_job(json!({
        "body": "echo tick; sleep 0.5",
        "env": env,
        "schedule": {"kind": "cron", "expr": "* * * * *", "timezone": "UTC"},
    }))["id"]
        .as_i64()
        .unwrap();

    // Dozens queued before the first kill.
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    for i in 0..40 {
        let id = server.run_now(jobs[i % jobs.len()]);
        acknowledged.lock().unwrap().push(id);
    }
    let port = Arc::new(AtomicU16::new(server.port));
    let stop = Arc::new(AtomicBool::new(false));
    let posting = poster(
        port.clone(),
        jobs.clone(),
        stop.clone(),
        acknowledged.clone(),
    );

    for _ in 0..KILLS {
        std::thread::sleep(Duration::from_millis(rng.u64(200..1200)));
        server.kill9();
        std::thread::sleep(Duration::from_millis(rng.u64(0..200)));
        server.boot();
        port.store(server.port, Ordering::SeqCst);
    }
    stop.store(true, Ordering::SeqCst);
    posting.join().unwrap();
    let reply = server.patch(&format!("/api/jobs/{cron}"), json!({"enabled": false}));
    assert_eq!(reply.status, 200, "{}", reply.body);

    // Queued work runs after the last restart; nothing stays open.
    let deadline = Instant::now() + Duration::from_secs(90);
    while !open_runs(&server).is_empty() {
        assert!(
            Instant::now() < deadline,
            "runs still open 90 s after the last restart: {:?}",
            open_runs(&server)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() > 40, "the poster got runs accepted");
    let mut interrupted = 0;
    for id in &acknowledged {
        let run = server.run(*id);
        match (run["status"].as_str(), run["error"].as_str()) {
            (Some("success"), _) => {}
            (Some("failure"), Some(INTERRUPTED)) => interrupted += 1,
            _ => panic!("acknowledged run {id} ended neither in success nor interrupted: {run}"),
        }
    }
    assert!(
        interrupted > 0,
        "the kills interrupted running runs (else this test proves little)"
    );

    // No process of an earlier incarnation survives (their runners get
    // 5 s of orphan grace; recovery kills the trees it knows of at once).
    let deadline = Instant::now() + Duration::from_secs(8);
    loop {
        let left = marked(&mark);
        if left.is_empty() {
            break;
        }
        if Instant::now() >= deadline {
            for (pid, _) in &left {
                unsafe { kill(*pid as i32, 9) };
            }
            panic!(
                "{} processes of earlier incarnations survived, e.g. {:?}",
                left.len(),
                &left[..left.len().min(10)]
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }

    assert_eq!(server.terminate().code(), Some(0));
    let db = backbeat::db::Connection::open(server.data_dir().join("db.sqlite")).unwrap();
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let open: i64 = db
        .query_row(
            "SELECT count(*) FROM runs WHERE status IN ('queued', 'running')",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(open, 0, "no run stays queued or running");
    let mut started = db
        .prepare("SELECT id, job_id FROM runs WHERE started_at IS NOT NULL")
        .unwrap();
    let started: Vec<(i64, i64)> = started
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(started.len() >= acknowledged.len());
    for (run, job) in started {
        let log = server
            .data_dir()
            .join("logs")
            .join(job.to_string())
            .join(format!("{run}.log"));
        assert!(
            log.exists(),
            "started run {run} has no log file {}",
            log.display()
        );
    }
}

unsafe extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
}
