//! `slurm` jobs (`slurm-runner`) against a real single-node Slurm cluster
//! (Debian's munge, slurmctld and slurmd) started by `scripts/setup-slurm`:
//! live output, exit codes, stop, timeout, a pending job, the supervisor
//! dying (stdin EOF), options reaching sbatch, and options
//! checked on save. Needs `SLURM_CONF` and `BACKBEAT_SLURM_DIR` from that
//! script; skipped without them unless `BACKBEAT_REQUIRE_SLURM=1` (as in
//! CI). The options test needs no cluster.

use std::process::Command;

use serde_json::{Value, json};

use crate::fixture::{Server, eventually, marked};

/// Whether the test cluster is there (panics when CI requires it).
fn cluster() -> bool {
    let ready = std::env::var_os("SLURM_CONF").is_some()
        && std::env::var_os("BACKBEAT_SLURM_DIR").is_some();
    if !ready {
        assert!(
            std::env::var("BACKBEAT_REQUIRE_SLURM").as_deref() != Ok("1"),
            "SLURM_CONF / BACKBEAT_SLURM_DIR are not set: run eval \"$(scripts/setup-slurm)\""
        );
        eprintln!("SKIPPED: no Slurm cluster (eval \"$(scripts/setup-slurm)\")");
    }
    ready
}

/// Cancels the Slurm job when the test ends, passed or not.
struct Scancel(u64);

impl Drop for Scancel {
    fn drop(&mut self) {
        let _ = Command::new("scancel")
            .args(["--full", "--signal=KILL", &self.0.to_string()])
            .output();
        let _ = Command::new("scancel").arg(self.0.to_string()).output();
    }
}

/// Creates a `slurm` job and starts a run; (job id, run id).
fn start_run(server: &Server, body: &str, extra: Value) -> (i64, i64) {
    let mut job = json!({"type": "slurm", "body": body, "timeoutMs": 120_000});
    for (k, v) in extra.as_object().unwrap() {
        job[k] = v.clone();
    }
    let job_id = server.create_job(job)["id"].as_i64().unwrap();
    (job_id, server.run_now(job_id))
}

/// The Slurm job id from the run log's first line, once it is there.
fn slurm_job(server: &Server, run_id: i64) -> (u64, Scancel) {
    eventually(60, "the job is submitted", || {
        server.log(run_id).contains(" submitted\n")
    });
    let log = server.log(run_id);
    let first = log.lines().next().unwrap_or_default();
    let id = first
        .strip_prefix("slurm job ")
        .and_then(|rest| rest.strip_suffix(" submitted"))
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("first log line is not `slurm job N submitted`: {log}"));
    (id, Scancel(id))
}

/// What `squeue` still shows for the job (empty once it left the queue).
fn squeue(id: u64) -> String {
    let out = Command::new("squeue")
        .args(["-h", "-j", &id.to_string(), "-o", "%T"])
        .output()
        .expect("squeue");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn scontrol(id: u64) -> String {
    let out = Command::new("scontrol")
        .args(["-o", "show", "job", &id.to_string()])
        .output()
        .expect("scontrol");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_done(server: &Server, run_id: i64) -> Value {
    server.wait_run(run_id, 90, |r| {
        !matches!(r["status"].as_str(), Some("queued") | Some("running"))
    })
}

#[test]
fn slurm_output_streams_live_and_a_clean_exit_is_success() {
    if !cluster() {
        return;
    }
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let go = dir.path().join("go");
    let body = format!(
        "echo \"first $GREETING run $BACKBEAT_RUN_ID\"\n\
         i=0; while [ ! -e {go} ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i+1)); done\n\
         echo second",
        go = go.display()
    );
    let (_, run_id) = start_run(
        &server,
        &body,
        json!({"env": {"GREETING": "hello 'there'"}, "executorOptions": {"cpus": 1}}),
    );
    let (id, _cancel) = slurm_job(&server, run_id);
    let first = format!("first hello 'there' run {run_id}\n");
    eventually(
        60,
        "the first line is in the log while the job runs",
        || server.log(run_id).contains(&first),
    );
    assert_eq!(server.run(run_id)["status"], "running");
    assert!(!server.log(run_id).contains("second"));
    std::fs::write(&go, "").unwrap();
    let run = wait_done(&server, run_id);
    assert_eq!(run["status"], "success", "{run}\n{}", server.log(run_id));
    assert_eq!(run["exitCode"], 0);
    let log = server.log(run_id);
    assert!(
        log.starts_with(&format!("slurm job {id} submitted\n")),
        "{log}"
    );
    assert!(log.contains("second\n"), "{log}");
    assert!(
        scontrol(id).contains("JobState=COMPLETED"),
        "{}",
        scontrol(id)
    );
}

#[test]
fn slurm_exit_code_3_is_a_failure_naming_the_job() {
    if !cluster() {
        return;
    }
    let server = Server::start();
    let (_, run_id) = start_run(&server, "echo oops >&2\nexit 3", json!({}));
    let (id, _cancel) = slurm_job(&server, run_id);
    let run = wait_done(&server, run_id);
    assert_eq!(run["status"], "failure");
    assert_eq!(run["exitCode"], 3);
    assert_eq!(run["error"], format!("slurm job {id}: exit code 3"));
    assert!(
        server.log(run_id).contains("oops\n"),
        "{}",
        server.log(run_id)
    );
}

#[test]
fn stopping_a_slurm_job_cancels_it_and_leaves_no_process() {
    if !cluster() {
        return;
    }
    let server = Server::start();
    server.patch("/api/preferences", json!({"stopGraceMs": 3000}));
    let mark = format!("slurm-stop-{}", std::process::id());
    let (_, run_id) = start_run(
        &server,
        "trap 'echo got TERM' TERM\nsleep 3011 &\necho started\nwait\nsleep 3011",
        json!({"env": {"BB_MARK": mark}}),
    );
    let (id, _cancel) = slurm_job(&server, run_id);
    eventually(60, "the job runs", || {
        server.log(run_id).contains("started\n")
    });
    eventually(10, "the job's processes are visible", || {
        !marked(&mark).is_empty()
    });
    let reply = server.send("POST", &format!("/api/runs/{run_id}/stop"), None);
    assert_eq!(reply.status, 202, "{}", reply.body);
    let run = wait_done(&server, run_id);
    assert_eq!(run["status"], "failure");
    assert_eq!(run["error"], "stopped by user");
    let log = server.log(run_id);
    assert!(log.contains(&format!("stopping slurm job {id}")), "{log}");
    eventually(30, "the job left the queue", || squeue(id).is_empty());
    eventually(30, "no process of the job is left", || {
        marked(&mark).is_empty()
    });
    assert!(
        scontrol(id).contains("JobState=CANCELLED"),
        "{}",
        scontrol(id)
    );
    assert!(server.log(run_id).contains("got TERM"), "TERM came first");
}

#[test]
fn a_slurm_job_past_its_timeout_is_cancelled() {
    if !cluster() {
        return;
    }
    let server = Server::start();
    let mark = format!("slurm-timeout-{}", std::process::id());
    let (_, run_id) = start_run(
        &server,
        "echo started\nsleep 3012",
        json!({"env": {"BB_MARK": mark}, "timeoutMs": 5000}),
    );
    let (id, _cancel) = slurm_job(&server, run_id);
    // The timeout goes to Slurm as --time, rounded up to whole minutes.
    assert!(
        scontrol(id).contains("TimeLimit=00:01:00"),
        "{}",
        scontrol(id)
    );
    let run = wait_done(&server, run_id);
    assert_eq!(run["status"], "timeout", "{run}");
    assert_eq!(run["error"], "timed out after 5000 ms");
    eventually(30, "the job left the queue", || squeue(id).is_empty());
    eventually(30, "no process of the job is left", || {
        marked(&mark).is_empty()
    });
}

#[test]
fn a_pending_slurm_job_says_why_and_can_be_stopped() {
    if !cluster() {
        return;
    }
    let server = Server::start();
    // The test cluster's `closed` partition is down: jobs there wait.
    let (_, run_id) = start_run(
        &server,
        "echo never",
        json!({"executorOptions": {"partition": "closed"}}),
    );
    let (id, _cancel) = slurm_job(&server, run_id);
    eventually(30, "the pending reason is logged", || {
        server.log(run_id).contains("pending: PartitionDown\n")
    });
    assert_eq!(squeue(id), "PENDING");
    assert_eq!(server.run(run_id)["status"], "running");
    server.send("POST", &format!("/api/runs/{run_id}/stop"), None);
    let run = wait_done(&server, run_id);
    assert_eq!(run["error"], "stopped by user");
    eventually(30, "the job left the queue", || squeue(id).is_empty());
    assert!(!server.log(run_id).contains("never"));
}

#[test]
fn slurm_options_are_described_and_bad_ones_refused_on_save() {
    let server = Server::start();
    let executors = server.get("/api/executors").json()["executors"].clone();
    let slurm = executors
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "slurm-runner")
        .unwrap_or_else(|| panic!("slurm-runner not listed: {executors}"))
        .clone();
    assert_eq!(slurm["jobType"], "slurm");
    let props = &slurm["optionsSchema"]["properties"];
    for option in [
        "partition",
        "cpus",
        "mem",
        "gpus",
        "account",
        "qos",
        "extraArgs",
    ] {
        assert!(props.get(option).is_some(), "{option} missing: {slurm}");
    }
    let reply = server.post(
        "/api/jobs",
        json!({"title": "t", "type": "slurm", "body": "true", "schedule": {"kind": "manual"},
               "executorOptions": {"extraArgs": ["--exclusive", "--wrap=rm -rf /", "--output=/etc/x"],
                                   "cpus": 0, "mem": "lots", "partition": "a b", "colour": "red"}}),
    );
    assert_eq!(reply.status, 422, "{}", reply.body);
    let mut fields: Vec<String> = reply.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "executorOptions.colour",
            "executorOptions.cpus",
            "executorOptions.extraArgs.1",
            "executorOptions.extraArgs.2",
            "executorOptions.mem",
            "executorOptions.partition"
        ]
    );
    let job = server.create_job(json!({"type": "slurm", "body": "true",
        "executorOptions": {"partition": "debug", "cpus": 2, "mem": "1G",
                            "extraArgs": ["--exclusive", "--constraint=avx2"]}}));
    assert_eq!(job["executorOptions"]["mem"], "1G");
}

#[test]
fn slurm_options_reach_sbatch() {
    if !cluster() {
        return;
    }
    let server = Server::start();
    let (_, run_id) = start_run(
        &server,
        "echo never",
        json!({"executorOptions": {"cpus": 1, "mem": "100M",
            "extraArgs": ["--begin=now+1hour", "--comment=from-backbeat"]}}),
    );
    let (id, _cancel) = slurm_job(&server, run_id);
    eventually(30, "the job waits for its begin time", || {
        server.log(run_id).contains("pending: BeginTime\n")
    });
    let job = scontrol(id);
    for expected in ["Comment=from-backbeat", "MinMemoryNode=100M", "CPUs/Task=1"] {
        assert!(job.contains(expected), "{expected} not in {job}");
    }
    server.send("POST", &format!("/api/runs/{run_id}/stop"), None);
    assert_eq!(wait_done(&server, run_id)["error"], "stopped by user");
    eventually(30, "the job left the queue", || squeue(id).is_empty());
}

#[test]
fn a_slurm_job_is_cancelled_when_the_supervisor_dies() {
    if !cluster() {
        return;
    }
    let mut server = Server::start();
    let mark = format!("slurm-orphan-{}", std::process::id());
    let (_, run_id) = start_run(
        &server,
        "echo started\nsleep 3013",
        json!({"env": {"BB_MARK": mark}}),
    );
    let (id, _cancel) = slurm_job(&server, run_id);
    eventually(60, "the job runs", || {
        server.log(run_id).contains("started\n")
    });
    server.kill9();
    // stdin EOF tells slurm-runner (which has BB_MARK too) that nobody
    // is listening: it cancels the job and exits.
    eventually(30, "the job left the queue", || squeue(id).is_empty());
    eventually(30, "neither the runner nor the job is left", || {
        marked(&mark).is_empty()
    });
}
