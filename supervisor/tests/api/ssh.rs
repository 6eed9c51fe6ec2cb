//! `ssh` jobs (`ssh-runner`) against a real OpenSSH server on loopback
//! (`sshd.rs`): output streamed live, remote exit codes, env quoting, stop
//! and timeout reaching the remote process group (SIGTERM, then SIGKILL
//! after the grace), a lost connection, a vanished supervisor, a refused
//! key, a dead host. The "remote" host is this machine, so survivors are
//! looked for in /proc.

use std::path::Path;

use serde_json::{Value, json};

use crate::fixture::{Server, eventually, marked};
use crate::sshd::{self, Sshd};

/// An sshd and a Backbeat whose `ssh-runner` uses its client config.
fn setup() -> Option<(Sshd, Server)> {
    let sshd = Sshd::start()?;
    let server = Server::start_with(&[("BACKBEAT_SSH_CONFIG", &sshd.client_config())]);
    Some((sshd, server))
}

/// Creates an `ssh` job with these options, body and extra fields.
fn ssh_job(server: &Server, options: Value, body: &str, extra: Value) -> i64 {
    let mut job = json!({"type": "ssh", "executorOptions": options, "body": body});
    for (key, value) in extra.as_object().unwrap() {
        job[key] = value.clone();
    }
    server.create_job(job)["id"].as_i64().unwrap()
}

fn unique_mark(what: &str) -> String {
    format!("ssh-{what}-{}-{}", std::process::id(), fastrand::u64(..))
}

fn wait_for_log(server: &Server, run: i64, text: &str) {
    eventually(20, &format!("{text:?} in the log of run {run}"), || {
        server.log(run).contains(text)
    });
}

/// The job's processes are gone (the test's own /proc is the remote's).
fn assert_no_survivors(mark: &str) {
    eventually(15, &format!("no process marked {mark} left"), || {
        marked(mark).is_empty()
    });
}

#[test]
fn ssh_jobs_need_a_valid_host() {
    let server = Server::start();
    let executors = server.get("/api/executors").json()["executors"].clone();
    let ssh = executors
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "ssh-runner")
        .expect("ssh-runner installed next to backbeat")
        .clone();
    assert_eq!(ssh["optionsSchema"]["required"], json!(["host"]));
    for options in [json!({}), json!({"host": "-oProxyCommand=touch /tmp/x"})] {
        let job = json!({"title": "t", "type": "ssh", "body": "true",
                         "schedule": {"kind": "manual"}, "executorOptions": options});
        server.post("/api/jobs", job).assert_error(
            422,
            "validation_failed",
            Some("executorOptions.host"),
        );
    }
}

#[test]
fn output_streams_live_and_the_remote_exit_code_is_kept() {
    let Some((sshd, server)) = setup() else {
        return;
    };
    let go = sshd.dir.path().join("go");
    let body = "echo first; echo oops >&2\n\
                while [ ! -e \"$GO\" ]; do sleep 0.05; done\n\
                echo second; exit 3";
    let job = ssh_job(
        &server,
        json!({"host": sshd::HOST}),
        body,
        json!({"env": {"GO": go.display().to_string()}}),
    );
    let run = server.run_now(job);
    wait_for_log(&server, run, "first\n");
    assert_eq!(
        server.run(run)["status"],
        "running",
        "output arrived before the end"
    );
    std::fs::write(&go, "").unwrap();
    let done = server.wait_finished(run);
    assert_eq!(done["status"], "failure");
    assert_eq!(done["exitCode"], 3);
    assert_eq!(done["error"], "exit code 3");
    let log = server.log(run);
    for text in [
        "oops\n",
        "second\n",
        "[ssh-runner] running on box in remote process group ",
    ] {
        assert!(log.contains(text), "{text:?} missing from the log:\n{log}");
    }
    assert!(
        !log.contains("backbeat-ssh-"),
        "a control line leaked:\n{log}"
    );

    // user@host:port, a remote directory and another shell; exit 0.
    let cwd = sshd.dir.path().join("work dir");
    std::fs::create_dir(&cwd).unwrap();
    let options =
        json!({"host": sshd.address(), "cwd": cwd.display().to_string(), "shell": "/bin/bash"});
    let job = ssh_job(
        &server,
        options,
        "echo \"in $PWD with bash $BASH_VERSION\"",
        json!({}),
    );
    let run = server.run_now(job);
    let done = server.wait_finished(run);
    assert_eq!(
        (done["status"].as_str(), done["exitCode"].as_i64()),
        (Some("success"), Some(0)),
        "{done}"
    );
    let log = server.log(run);
    assert!(
        log.contains(&format!("in {} with bash 5", cwd.display())),
        "{log}"
    );
}

#[test]
fn a_missing_remote_directory_fails_clearly() {
    let Some((_sshd, server)) = setup() else {
        return;
    };
    let job = ssh_job(
        &server,
        json!({"host": sshd::HOST, "cwd": "/no/such/dir"}),
        "echo ran",
        json!({}),
    );
    let done = server.wait_finished(server.run_now(job));
    assert_eq!(done["status"], "failure");
    assert_eq!(
        done["error"],
        "working directory does not exist on box: /no/such/dir"
    );
}

#[test]
fn env_values_reach_the_remote_job_exactly() {
    let Some((_sshd, server)) = setup() else {
        return;
    };
    let env = json!({
        "BB_SPACES": "two  spaces ",
        "BB_QUOTES": "it's \"quoted\" $HOME `id` \\ ;|&",
        "BB_LINES": "line one\nline 'two'\n",
    });
    let body = "printf '<%s>\\n' \"$BB_SPACES\" \"$BB_QUOTES\" \"$BB_LINES\" \"$BACKBEAT_RUN_ID\" \"$BACKBEAT_TRIGGER\"";
    let job = ssh_job(
        &server,
        json!({"host": sshd::HOST}),
        body,
        json!({"env": env}),
    );
    let run = server.run_now(job);
    let done = server.wait_finished(run);
    assert_eq!(done["status"], "success", "{done}");
    let expected = format!(
        "<two  spaces >\n<it's \"quoted\" $HOME `id` \\ ;|&>\n<line one\nline 'two'\n>\n<{run}>\n<manual>\n"
    );
    assert!(server.log(run).contains(&expected), "{}", server.log(run));
}

#[test]
fn stop_terms_the_remote_group_then_kills_what_ignores_it() {
    let Some((sshd, server)) = setup() else {
        return;
    };
    server.patch("/api/preferences", json!({"stopGraceMs": 2000}));
    let mark = unique_mark("stop");
    let term_file = sshd.dir.path().join("term");
    // A helper that records SIGTERM, and a main shell that ignores it.
    let body = "sh -c 'trap \"echo got-term > \\\"$TERM_FILE\\\"; exit 0\" TERM; echo helper-ready; while :; do sleep 0.05; done' &\n\
                trap '' TERM\n\
                echo ready\n\
                while :; do sleep 0.05; done";
    let env = json!({"BB_MARK": mark, "TERM_FILE": term_file.display().to_string()});
    let job = ssh_job(
        &server,
        json!({"host": sshd::HOST}),
        body,
        json!({"env": env}),
    );
    let run = server.run_now(job);
    wait_for_log(&server, run, "helper-ready\n");
    eventually(20, "the line `ready` in the log", || {
        server.log(run).lines().any(|line| line == "ready")
    });
    assert!(!remote_jobs(&mark).is_empty(), "the remote job runs");
    let reply = server.send("POST", &format!("/api/runs/{run}/stop"), None);
    assert!(reply.status < 300, "{}", reply.body);
    let done = server.wait_finished(run);
    assert_eq!(done["status"], "failure");
    assert_eq!(done["error"], "stopped by user");
    assert_no_survivors(&mark);
    assert_eq!(
        read(&term_file),
        "got-term\n",
        "SIGTERM reached the remote group"
    );
}

#[test]
fn a_timeout_kills_the_remote_group() {
    let Some((_sshd, server)) = setup() else {
        return;
    };
    server.patch("/api/preferences", json!({"stopGraceMs": 1000}));
    let mark = unique_mark("timeout");
    let body = "trap '' TERM; echo started; sleep 300 & while :; do sleep 0.05; done";
    let job = ssh_job(
        &server,
        json!({"host": sshd::HOST}),
        body,
        // Counted from the start: room for the connection and the remote
        // login shell's start-up on a busy machine.
        json!({"timeoutMs": 6000, "env": {"BB_MARK": mark}}),
    );
    let run = server.run_now(job);
    wait_for_log(&server, run, "started\n");
    assert!(!remote_jobs(&mark).is_empty(), "the remote job runs");
    assert_eq!(
        server.run(run)["status"],
        "running",
        "started before the timeout"
    );
    let done = server.wait_finished(run);
    assert_eq!(done["status"], "timeout", "{done}");
    assert_no_survivors(&mark);
}

#[test]
fn a_lost_connection_fails_the_run_and_kills_the_remote_group() {
    let Some((_sshd, server)) = setup() else {
        return;
    };
    server.patch("/api/preferences", json!({"stopGraceMs": 1000}));
    let mark = unique_mark("lost");
    let job = ssh_job(
        &server,
        json!({"host": sshd::HOST}),
        "echo ready; sleep 300",
        json!({"env": {"BB_MARK": mark}}),
    );
    let run = server.run_now(job);
    wait_for_log(&server, run, "ready\n");
    // The sshd process serving this session: the nearest `sshd` above the
    // remote job (the local runner carries the job's env, and the mark, too).
    let (_, session) = remote_jobs(&mark)
        .into_iter()
        .next()
        .expect("the job runs under an sshd session process");
    // SAFETY: a plain syscall on a process found above.
    unsafe { libc::kill(session as i32, libc::SIGKILL) };
    let done = server.wait_finished(run);
    assert_eq!(done["status"], "failure");
    assert_eq!(done["error"], "connection to box lost");
    assert_no_survivors(&mark);
}

#[test]
fn a_vanished_supervisor_leaves_nothing_running_on_the_remote_host() {
    let Some((_sshd, mut server)) = setup() else {
        return;
    };
    server.patch("/api/preferences", json!({"stopGraceMs": 1000}));
    let mark = unique_mark("orphan");
    let body = "trap '' TERM; echo ready; while :; do sleep 0.05; done";
    let job = ssh_job(
        &server,
        json!({"host": sshd::HOST}),
        body,
        json!({"env": {"BB_MARK": mark}}),
    );
    let run = server.run_now(job);
    wait_for_log(&server, run, "ready\n");
    assert!(!remote_jobs(&mark).is_empty(), "the remote job runs");
    // The runner's stdin reaches EOF: it stops the remote group (TERM, then
    // KILL for this TERM-ignoring job) and ends itself.
    server.kill9();
    assert_no_survivors(&mark);
}

#[test]
fn a_refused_key_is_a_clear_error() {
    let Some((_sshd, server)) = setup() else {
        return;
    };
    let job = ssh_job(
        &server,
        json!({"host": sshd::STRANGER}),
        "echo ran",
        json!({}),
    );
    let run = server.run_now(job);
    let done = server.wait_finished(run);
    assert_eq!(done["status"], "failure");
    let error = done["error"].as_str().unwrap();
    assert!(error.starts_with("ssh to stranger failed: "), "{error}");
    assert!(error.contains("Permission denied"), "{error}");
    assert!(error.contains("never asks for a password"), "{error}");
    assert!(!server.log(run).contains("remote-ran"));
}

#[test]
fn a_dead_host_is_a_clear_error() {
    let Some((_sshd, server)) = setup() else {
        return;
    };
    let host = format!("root@127.0.0.1:{}", sshd::free_port());
    let job = ssh_job(&server, json!({"host": host}), "echo ran", json!({}));
    let done = server.wait_finished(server.run_now(job));
    assert_eq!(done["status"], "failure");
    let error = done["error"].as_str().unwrap();
    assert!(
        error.starts_with(&format!("ssh to {host} failed: ")),
        "{error}"
    );
    assert!(error.contains("Connection refused"), "{error}");
}

/// The marked processes that run under sshd (the local runner carries the
/// job's env, and so the mark, too), each with its nearest sshd ancestor:
/// the session process.
fn remote_jobs(mark: &str) -> Vec<(i64, i64)> {
    marked(mark)
        .into_iter()
        .filter_map(|(pid, _)| {
            let session = ancestors(pid).into_iter().find(|&p| comm(p) == "sshd")?;
            Some((pid, session))
        })
        .collect()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The process's parent, grandparent, … up to pid 1.
fn ancestors(pid: i64) -> Vec<i64> {
    let mut found = Vec::new();
    let mut current = pid;
    while let Some(parent) = process_tree::stat(current as i32).map(|p| p.ppid as i64) {
        if parent <= 1 {
            break;
        }
        found.push(parent);
        current = parent;
    }
    found
}

fn comm(pid: i64) -> String {
    read(Path::new(&format!("/proc/{pid}/comm")))
        .trim()
        .to_string()
}
