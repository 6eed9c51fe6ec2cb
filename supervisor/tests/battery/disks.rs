//! Disks (RELIABILITY.md, "Storage: no run stuck, no output silently
//! lost"): the data directory, or only its logs, on a small tmpfs that
//! fills up or is read-only, and a corrupted `db.sqlite`. Mounting needs
//! root (CI has it); where `mount` is refused a test says so loudly on
//! stderr and returns without checking anything.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::fixture::{Server, eventually, wait_bounded};

/// A tmpfs mounted for one test, unmounted when dropped (lazily if still
/// busy), so a failing test leaves nothing mounted.
struct Tmpfs {
    path: PathBuf,
}

impl Tmpfs {
    /// Mounts a tmpfs with `options` (e.g. `size=8m`) on `path`, creating
    /// it; `None` (after saying why) where mounting is not allowed.
    fn mount(path: &Path, options: &str) -> Option<Tmpfs> {
        fs::create_dir_all(path).expect("mount point");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(path)
            .output();
        match out {
            Ok(out) if out.status.success() => Some(Tmpfs {
                path: path.to_path_buf(),
            }),
            other => {
                let why = match other {
                    Ok(out) => String::from_utf8_lossy(&out.stderr).trim().to_string(),
                    Err(e) => e.to_string(),
                };
                eprintln!(
                    "\n!!!!!!!! SKIPPED: cannot mount a tmpfs on {} ({why}); this disk experiment needs root (CI runs as root) and checked NOTHING !!!!!!!!\n",
                    path.display()
                );
                None
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let unmounted = Command::new("umount")
            .arg(&self.path)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !unmounted {
            let _ = Command::new("umount").arg("-l").arg(&self.path).status();
        }
    }
}

/// Fills the file system holding `dir` with one file until a write fails
/// for lack of space; returns the file, whose removal frees the space.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut file = fs::File::create(&path).expect("filler");
    for chunk in [1 << 20, 4096, 1] {
        let bytes = vec![0xAAu8; chunk];
        for _ in 0..100_000 {
            match file.write(&bytes) {
                Ok(n) if n == chunk => continue,
                Ok(_) => break,
                Err(e) => {
                    assert_eq!(
                        e.kind(),
                        std::io::ErrorKind::StorageFull,
                        "filling {}: {e}",
                        dir.display()
                    );
                    break;
                }
            }
        }
    }
    path
}

fn wait_for_stderr(server: &Server, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !server.stderr().contains(text) {
        assert!(
            Instant::now() < deadline,
            "stderr never said {text:?}; it has:\n{}",
            server.stderr()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The store's disk fills up while a run is going: writes answer 507
/// naming the directory and change nothing, the run whose outcome cannot
/// be written is not lost — it reaches its real status once space
/// returns — and a queued run that could not be dropped (nor its job
/// deleted) stays queued and runs later.
#[test]
fn a_full_disk_answers_507_and_no_run_stays_running() {
    let scratch = tempfile::tempdir().unwrap();
    let Some(disk) = Tmpfs::mount(&scratch.path().join("fs"), "size=16m") else {
        return;
    };
    let data = disk.path.join("data");
    let config = disk.path.join("config");
    let go = scratch.path().join("go");
    let server = Server::start_capturing_stderr(&[
        ("BACKBEAT_DATA_DIR", data.to_str().unwrap()),
        ("BACKBEAT_CONFIG_DIR", config.to_str().unwrap()),
    ]);
    let reply = server.patch("/api/preferences", json!({"maxConcurrentRuns": 1}));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let waiting = server.script_job(&format!(
        "echo waiting; while [ ! -e {} ]; do sleep 0.05; done; exit 3",
        go.display()
    ));
    let quick = server.script_job("echo quick");
    let run = server.run_now(waiting);
    server.wait_run(run, 30, |r| r["status"] == "running");
    eventually(30, "the first output in the log", || {
        server.log(run).contains("waiting")
    });
    let queued = server.run_now(quick);
    assert_eq!(server.run(queued)["status"], "queued");
    let prefs_path = config.join("preferences.json");
    let prefs_before = fs::read_to_string(&prefs_path).unwrap();

    let filler = fill(&disk.path);

    let reply = server.post(
        "/api/jobs",
        json!({"title": "t", "type": "script", "body": "true", "schedule": {"kind": "manual"}}),
    );
    reply.assert_error(507, "insufficient_storage", None);
    let message = reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains(data.to_str().unwrap()), "{message}");
    server
        .send("POST", &format!("/api/jobs/{quick}/runs"), None)
        .assert_error(507, "insufficient_storage", None);

    let reply = server.patch("/api/preferences", json!({"stopGraceMs": 1234}));
    reply.assert_error(507, "insufficient_storage", None);
    assert!(
        reply.body.contains(config.to_str().unwrap()),
        "{}",
        reply.body
    );
    assert_eq!(
        fs::read_to_string(&prefs_path).unwrap(),
        prefs_before,
        "the old preferences are intact"
    );
    let leftovers: Vec<_> = fs::read_dir(&config)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
    assert_eq!(server.get("/api/preferences").json()["stopGraceMs"], 5000);

    // Dropping the queued run cannot be written: it stays queued (and in
    // the queue, so it still runs later).
    server
        .send("POST", &format!("/api/runs/{queued}/stop"), None)
        .assert_error(507, "insufficient_storage", None);
    assert_eq!(server.run(queued)["status"], "queued");
    // Nor can deleting its job: the job and its queued run stay.
    server
        .delete(&format!("/api/jobs/{quick}"))
        .assert_error(507, "insufficient_storage", None);
    assert_eq!(server.get(&format!("/api/jobs/{quick}")).status, 200);

    // The job ends while its outcome cannot be written.
    fs::write(&go, "").unwrap();
    let outcome_line = format!("run {run}: could not record its outcome");
    wait_for_stderr(&server, &outcome_line);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        server.stderr().matches(&outcome_line).count(),
        1,
        "one line per failure streak, not one per attempt:\n{}",
        server.stderr()
    );
    assert_eq!(server.run(run)["status"], "running", "nothing recorded yet");
    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains("backbeat_runs_running 1"),
        "the slot stays taken until the outcome is written:\n{metrics}"
    );

    fs::remove_file(&filler).unwrap();

    let ended = server.wait_finished(run);
    assert_eq!(ended["status"], "failure", "{ended}");
    assert_eq!(ended["exitCode"], 3, "{ended}");
    assert!(
        ended["error"].as_str().unwrap().starts_with("exit code 3"),
        "{ended}"
    );
    wait_for_stderr(&server, &format!("run {run}: written after"));
    let ran = server.wait_finished(queued);
    assert_eq!(ran["status"], "success", "the queued run ran: {ran}");
    assert!(server.log(queued).contains("quick"));
    let reply = server.post(
        "/api/jobs",
        json!({"title": "t", "type": "script", "body": "true", "schedule": {"kind": "manual"}}),
    );
    assert_eq!(reply.status, 201, "writes work again: {}", reply.body);
    // And what was acknowledged is in the file, not only in a connection's
    // transaction that a refused write left open.
    let id = reply.json()["id"].as_i64().unwrap();
    let file = rusqlite::Connection::open(data.join("db.sqlite")).unwrap();
    let stored: i64 = file
        .query_row("SELECT count(*) FROM jobs WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(
        stored, 1,
        "job {id} was answered 201 but is not in the database"
    );
    let unfinished = server.get("/api/runs?status=queued,running").json();
    assert_eq!(unfinished["runs"], json!([]), "{unfinished}");
}

/// A run that starts while the store's disk is full (more capacity came
/// through preferences kept on another disk): marking it running and its
/// outcome are retried until space returns; it is never stuck, and the
/// output it could not log is reported.
#[test]
fn a_run_started_on_a_full_disk_is_recorded_once_space_returns() {
    let scratch = tempfile::tempdir().unwrap();
    let Some(disk) = Tmpfs::mount(&scratch.path().join("fs"), "size=16m") else {
        return;
    };
    let data = disk.path.join("data");
    let go = scratch.path().join("go");
    let server = Server::start_capturing_stderr(&[("BACKBEAT_DATA_DIR", data.to_str().unwrap())]);
    let reply = server.patch("/api/preferences", json!({"maxConcurrentRuns": 1}));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let blocker = server.script_job(&format!(
        "while [ ! -e {} ]; do sleep 0.05; done",
        go.display()
    ));
    let blocking = server.run_now(blocker);
    server.wait_run(blocking, 30, |r| r["status"] == "running");
    let late = server.run_now(server.script_job("echo late"));
    assert_eq!(server.run(late)["status"], "queued");

    let filler = fill(&disk.path);
    let reply = server.patch("/api/preferences", json!({"maxConcurrentRuns": 2}));
    assert_eq!(
        reply.status, 200,
        "preferences live elsewhere: {}",
        reply.body
    );
    wait_for_stderr(&server, &format!("run {late}: could not mark it running"));
    wait_for_stderr(
        &server,
        &format!("run {late}: could not record its outcome"),
    );
    assert_eq!(server.run(late)["status"], "queued", "nothing recorded yet");

    fs::remove_file(&filler).unwrap();
    let ended = server.wait_finished(late);
    assert_eq!(ended["status"], "success", "{ended}");
    assert!(ended["startedAt"].is_string(), "{ended}");
    assert!(
        ended["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("output lost: No space left on device")),
        "its output could not be logged, and it says so: {ended}"
    );
    fs::write(&go, "").unwrap();
    let ended = server.wait_finished(blocking);
    assert_eq!(ended["status"], "success", "{ended}");
}

/// Only the log directory is full: a chatty run's output is cut, and that
/// is visible in its log (marker), its `error`, and on stderr — never a
/// silent `success` with a short log. Space back, runs log in full again.
#[test]
fn a_full_log_directory_loses_output_visibly() {
    let server = Server::start_capturing_stderr(&[]);
    let logs = server.data_dir().join("logs");
    let Some(disk) = Tmpfs::mount(&logs, "size=1m") else {
        return;
    };
    let chatty = server.script_job("head -c 10000000 /dev/zero | tr '\\0' x; echo; echo done");
    let run = server.run_now(chatty);
    let ended = server.wait_run(run, 120, |r| {
        !matches!(r["status"].as_str(), Some("queued") | Some("running"))
    });
    assert_eq!(
        ended["status"], "success",
        "the job itself succeeded: {ended}"
    );
    let error = ended["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("output lost: No space left on device"),
        "the run says output was lost: {ended}"
    );
    assert!(ended["logBytes"].as_i64().unwrap() <= 1 << 20, "{ended}");
    let log = server.log(run);
    assert!(
        log.contains("\n[backbeat] output lost: No space left on device (os error 28)"),
        "the log ends with the marker: …{}",
        &log[log.len().saturating_sub(300)..]
    );
    assert!(!log.contains("done"));
    wait_for_stderr(&server, "output lost");

    drop(disk);
    let quiet = server.script_job("echo all here");
    let run = server.run_now(quiet);
    let ended = server.wait_finished(run);
    assert_eq!(ended["status"], "success", "{ended}");
    assert_eq!(ended["error"], serde_json::Value::Null, "{ended}");
    assert_eq!(server.log(run), "all here\n");
}

/// A read-only log directory: the run is not started (its output would
/// have nowhere to go) and fails saying why; the server keeps working.
#[test]
fn a_read_only_log_directory_fails_runs_clearly() {
    let server = Server::start_capturing_stderr(&[]);
    let logs = server.data_dir().join("logs");
    let marker = std::env::temp_dir().join(format!("backbeat-ro-{}", std::process::id()));
    let _ = fs::remove_file(&marker);
    let job = server.script_job(&format!("touch {}", marker.display()));
    let Some(disk) = Tmpfs::mount(&logs, "ro,size=64k") else {
        return;
    };
    let run = server.run_now(job);
    let ended = server.wait_finished(run);
    assert_eq!(ended["status"], "failure", "{ended}");
    let error = ended["error"].as_str().unwrap();
    assert!(
        error.starts_with("could not open the log file") && error.contains("Read-only file system"),
        "{ended}"
    );
    assert!(!marker.exists(), "the job did not run without its log");
    wait_for_stderr(&server, &format!("run {run}: could not open the log file"));

    drop(disk);
    let run = server.run_now(job);
    let ended = server.wait_finished(run);
    assert_eq!(ended["status"], "success", "{ended}");
    assert!(marker.exists());
    let _ = fs::remove_file(&marker);
}

/// A `db.sqlite` that is not a database: the supervisor refuses to start
/// with a message naming the file, without waiting on a pool timeout
/// (bounded generously; speed is the bench's business).
#[test]
fn a_corrupted_database_is_refused_at_once() {
    let mut server = Server::start();
    assert!(server.terminate().success());
    let db = server.data_dir().join("db.sqlite");
    let size = fs::metadata(&db).unwrap().len().max(8192) as usize;
    let garbage: Vec<u8> = (0..size).map(|i| (i * 7 + 13) as u8).collect();
    fs::write(&db, garbage).unwrap();
    for extra in ["db.sqlite-wal", "db.sqlite-shm"] {
        let _ = fs::remove_file(server.data_dir().join(extra));
    }
    let mut child = server
        .command(&[])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_bounded(
        &mut child,
        10,
        "backbeat kept waiting on a corrupted database",
    );
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success(), "{status:?}");
    assert!(
        stderr.contains(db.to_str().unwrap()) && stderr.contains("file is not a database"),
        "{stderr}"
    );
}

/// A whole second at least `secs` from now, RFC 3339 in UTC.
fn seconds_from_now(secs: i64) -> String {
    let at = chrono::Utc::now() + chrono::Duration::seconds(secs + 1);
    at.format("%Y-%m-%dT%H:%M:%S.000Z").to_string()
}

#[test]
fn an_occurrence_due_while_the_disk_is_full_runs_once_space_returns() {
    let scratch = tempfile::tempdir().unwrap();
    let Some(disk) = Tmpfs::mount(&scratch.path().join("fs"), "size=16m") else {
        return;
    };
    let data = disk.path.join("data");
    let server = Server::start_capturing_stderr(&[("BACKBEAT_DATA_DIR", data.to_str().unwrap())]);
    let at = seconds_from_now(2);
    let job = server.create_job(json!({
        "title": "due while full",
        "body": "echo made it",
        "schedule": {"kind": "once", "at": at},
    }));
    let id = job["id"].as_i64().unwrap();

    let filler = fill(&disk.path);
    wait_for_stderr(&server, "could not record due runs");
    let runs = || server.get(&format!("/api/runs?jobId={id}")).json()["runs"].clone();
    assert_eq!(runs(), json!([]), "nothing could be recorded yet");

    fs::remove_file(&filler).unwrap();
    eventually(
        30,
        "the due occurrence is recorded once space returns",
        || runs().as_array().is_some_and(|r| !r.is_empty()),
    );
    let all = runs();
    assert_eq!(
        all.as_array().unwrap().len(),
        1,
        "fired exactly once: {all}"
    );
    let run = server.wait_finished(all[0]["id"].as_i64().unwrap());
    assert_eq!(run["status"], "success", "{run}");
    assert_eq!(run["trigger"], "catchup", "{run}");
    assert_eq!(run["scheduledFor"], at, "{run}");
    assert_eq!(server.log(run["id"].as_i64().unwrap()), "made it\n");
    let job = server.get(&format!("/api/jobs/{id}")).json();
    assert_eq!(job["enabled"], false, "a once-job disables itself: {job}");
}
