//! Process trees that try to outlive their run — a TERM-ignoring process,
//! `setsid` (directly and from a subshell), a double-forked `nohup`
//! daemon in its own session, closed stdio, a grandchild holding the
//! stdout pipe, a zombie, 200 children — ended by a normal end, a stop, a
//! timeout, a supervisor SIGTERM and a supervisor `kill -9`: no process
//! may survive (RELIABILITY.md, "Processes: nothing outlives its run").
//! Every process of a case carries a unique `BB_MARK` in its environment;
//! survivors are found by scanning `/proc/*/environ` for it.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::fixture::{Server, eventually, marked};

/// Starts one of each escapee, 200 plain children, then runs `tail`.
/// Each escapee ignores SIGTERM (only SIGKILL ends it) and announces
/// itself by touching `$BB_DIR/<name>`.
const TREE: &str = r#"L="$BB_DIR/leaf"
sh -c 'trap "" TERM; exec "$0" trap' "$L" &
setsid "$L" setsid &
(setsid "$L" subshell-setsid &)
sh -c 'setsid sh -c "nohup \"\$0\" daemon >/dev/null 2>&1 </dev/null &" "$0" &' "$L"
setsid sh -c 'exec <&- >&- 2>&-; exec "$0" closed-stdio' "$L" &
sh -c '"$0" pipe-holder; echo never' "$L" &
sh -c 'sleep 0.01 & exec "$0" zombie-parent' "$L" &
i=0; while [ $i -lt 200 ]; do sleep 1000 & i=$((i+1)); done
touch "$BB_DIR/spawned"
"#;

const ESCAPEES: [&str; 8] = [
    "trap",
    "setsid",
    "subshell-setsid",
    "daemon",
    "closed-stdio",
    "pipe-holder",
    "zombie-parent",
    "spawned",
];

/// A case: its own server, directory and mark.
struct Case {
    server: Server,
    dir: tempfile::TempDir,
    mark: String,
}

impl Case {
    fn new(name: &str) -> Case {
        let server = Server::start();
        server.patch(
            "/api/preferences",
            json!({"stopGraceMs": 500, "maxLogBytes": 1_000_000}),
        );
        let dir = tempfile::tempdir().unwrap();
        let leaf = dir.path().join("leaf");
        std::fs::write(
            &leaf,
            "#!/bin/sh\ntrap '' TERM\ntouch \"$BB_DIR/$1\"\nexec sleep 1000\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&leaf, std::fs::Permissions::from_mode(0o755)).unwrap();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let mark = format!("{name}-{}-{nanos}", std::process::id());
        Case { server, dir, mark }
    }

    /// Creates a job running the tree then `tail`, starts it, and waits
    /// until every escapee is up.
    fn start_tree(&self, tail: &str, timeout_ms: Option<u64>) -> i64 {
        let mut job = json!({
            "body": format!("{TREE}{tail}"),
            "env": {"BB_MARK": self.mark, "BB_DIR": self.dir.path()},
        });
        if let Some(ms) = timeout_ms {
            job["timeoutMs"] = json!(ms);
        }
        let job = self.server.create_job(job)["id"].as_i64().unwrap();
        let run = self.server.run_now(job);
        eventually(20, "every escapee started", || {
            ESCAPEES
                .iter()
                .all(|name| self.dir.path().join(name).exists())
        });
        let found = marked(&self.mark).len();
        assert!(found >= 207, "only {found} marked processes");
        run
    }

    fn assert_no_survivors(&self, secs: u64, after: &str) {
        assert_no_survivors(&self.mark, secs, after);
    }
}

fn assert_no_survivors(mark: &str, secs: u64, after: &str) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let left = marked(mark);
        if left.is_empty() {
            return;
        }
        if Instant::now() >= deadline {
            // Do not leave them behind for the next test.
            for (pid, _) in &left {
                unsafe { kill(*pid as i32, 9) };
            }
            let shown: Vec<_> = left.iter().take(10).collect();
            panic!(
                "{} processes survived {after} ({secs} s later), e.g. {shown:?}",
                left.len()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Zombie children of `pid` (exited, never reaped).
fn zombie_children(pid: u32) -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/stat")).ok())
        .filter(|stat| {
            let rest: Vec<_> = stat
                .rsplit(')')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .collect();
            rest.first() == Some(&"Z") && rest.get(1) == Some(&pid.to_string().as_str())
        })
        .count()
}

unsafe extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
}

#[test]
fn nothing_survives_the_normal_end_of_a_run() {
    let case = Case::new("normal-end");
    // Ends by itself, once the test has counted the tree.
    let run = case.start_tree(
        "while [ ! -e \"$BB_DIR/go\" ]; do sleep 0.05; done; exit 0",
        None,
    );
    std::fs::write(case.dir.path().join("go"), "").unwrap();
    let run = case.server.wait_finished(run);
    assert_eq!(run["status"], "success", "{run}");
    assert!(
        !case
            .server
            .log(run["id"].as_i64().unwrap())
            .contains("never"),
        "the pipe holder was killed, not awaited"
    );
    case.assert_no_survivors(5, "the run's normal end");
}

#[test]
fn nothing_survives_a_stop_even_when_the_runner_is_sigkilled() {
    // The shell survives SIGTERM, so the supervisor SIGKILLs the runner's
    // group after stopGraceMs: the escapees are then adopted by the
    // supervisor (a subreaper), which kills and reaps them.
    let case = Case::new("stop");
    let run = case.start_tree(
        "trap 'echo got TERM' TERM\nwhile :; do sleep 0.05; done",
        None,
    );
    case.server.wait_run(run, 10, |r| r["status"] == "running");
    let reply = case
        .server
        .send("POST", &format!("/api/runs/{run}/stop"), None);
    assert_eq!(reply.status, 202, "{}", reply.body);
    let run = case.server.wait_finished(run);
    assert_eq!(run["error"], "stopped by user", "{run}");
    case.assert_no_survivors(5, "a stop");
    let pid = case.server.pid();
    eventually(5, "the supervisor reaped what it adopted", || {
        zombie_children(pid) == 0
    });
    assert_eq!(case.server.get("/api/health").status, 200);
}

#[test]
fn nothing_survives_a_timeout() {
    let case = Case::new("timeout");
    let run = case.start_tree("sleep 1000", Some(6000));
    let run = case.server.wait_finished(run);
    assert_eq!(run["status"], "timeout", "{run}");
    case.assert_no_survivors(5, "a timeout");
}

#[test]
fn nothing_survives_a_supervisor_sigterm() {
    let mut case = Case::new("sigterm");
    let run = case.start_tree("sleep 1000", None);
    case.server.wait_run(run, 10, |r| r["status"] == "running");
    assert_eq!(case.server.terminate().code(), Some(0));
    case.assert_no_survivors(5, "the supervisor's SIGTERM");
}

#[test]
fn nothing_survives_a_supervisor_kill_9() {
    // The runner sees EOF on stdin: SIGTERM to everything, SIGKILL after
    // the 5 s orphan grace, reap, exit.
    let mut case = Case::new("kill-9");
    let run = case.start_tree("sleep 1000", None);
    case.server.wait_run(run, 10, |r| r["status"] == "running");
    case.server.kill9();
    case.assert_no_survivors(12, "the supervisor's kill -9");
}

#[test]
fn a_term_ignoring_process_dies_within_10_s_of_a_supervisor_kill_9() {
    // Issue 7, defect 1, exactly as reported.
    let mut case = Case::new("defect-1");
    let job = case.server.create_job(json!({
        "body": "sh -c 'trap \"\" TERM; sleep 1000' & sleep 1000",
        "env": {"BB_MARK": case.mark},
    }))["id"]
        .as_i64()
        .unwrap();
    let run = case.server.run_now(job);
    case.server.wait_run(run, 10, |r| r["status"] == "running");
    eventually(10, "both sleeps started", || {
        marked(&case.mark)
            .iter()
            .filter(|(_, cmd)| cmd.starts_with("sleep 1000"))
            .count()
            == 2
    });
    case.server.kill9();
    case.assert_no_survivors(10, "the supervisor's kill -9");
}

#[test]
fn escapees_of_a_runner_killed_with_the_supervisor_die_at_the_next_start() {
    // Runner and supervisor both SIGKILLed: nobody is left to clean up, and
    // the escapees are no longer anybody's descendants. Start-up recovery
    // finds them by the BACKBEAT_INSTANCE mark they inherited.
    let mut case = Case::new("both-killed");
    let run = case.start_tree("sleep 1000", None);
    case.server.wait_run(run, 10, |r| r["status"] == "running");
    let runner = marked(&case.mark)
        .into_iter()
        .find(|(_, cmd)| cmd.contains("sh-runner"))
        .expect("the runner carries the job's environment");
    case.server.kill9();
    unsafe { kill(runner.0 as i32, 9) };
    std::thread::sleep(Duration::from_millis(500));
    let left = marked(&case.mark).len();
    assert!(left >= 4, "the escapees outlive both ({left} left)");
    case.server.boot();
    case.assert_no_survivors(5, "the next start");
    assert_eq!(
        case.server.run(run)["error"],
        "interrupted: supervisor restarted"
    );
}
