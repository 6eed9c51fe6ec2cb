//! The `backbeat` command-line client against a running supervisor: jobs,
//! run, runs, logs, stop; exit codes, tables and --json, closed pipes,
//! missing token and missing server.

use std::io::Write;
use std::process::{Child, Stdio};

use serde_json::{Value, json};

use crate::fixture::{Server, wait_bounded};

/// What one `backbeat …` invocation did.
pub struct Out {
    /// The exit code; `None` when a signal ended it.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    #[track_caller]
    pub fn ok(&self) -> &Self {
        assert_eq!(
            self.code,
            Some(0),
            "stdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Waits (30 s at most, then kills) for a started client.
pub fn finish(mut child: Child) -> Out {
    use std::io::Read;
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let status = wait_bounded(&mut child, 30, "backbeat client did not finish in 30 s");
    Out {
        code: status.code(),
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}

/// Runs `backbeat args…` against `server`, with `stdin` and `env`.
pub fn backbeat_with(server: &Server, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Out {
    let port = server.port.to_string();
    let mut extra = vec![("PORT", port.as_str())];
    extra.extend_from_slice(env);
    let mut child = server
        .command(&extra)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    finish(child)
}

pub fn backbeat(server: &Server, args: &[&str]) -> Out {
    backbeat_with(server, args, "", &[])
}

/// The lines of a table, each split on runs of two or more spaces.
fn cells(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .map(|line| {
            line.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// Every line of the table has its column `header` starting at the same offset.
#[track_caller]
fn assert_aligned(table: &str, header: &str) {
    let lines: Vec<&str> = table.lines().collect();
    let column = lines[0].find(header).expect("header present");
    for line in &lines[1..] {
        let before: String = line.chars().take(column).collect();
        assert!(
            before.ends_with("  ") || before.ends_with(' '),
            "column {header} not aligned in:\n{table}"
        );
    }
}

#[test]
fn run_follow_streams_the_log_and_exits_with_the_outcome() {
    let server = Server::start();
    let ok = server.create_job(json!({"title": "greeter", "body": "echo hello; echo world"}))["id"]
        .as_i64()
        .unwrap();
    let out = backbeat(&server, &["run", &ok.to_string(), "--follow"]);
    out.ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].starts_with("run ") && lines[0].contains("greeter"),
        "{}",
        out.stdout
    );
    assert_eq!(lines[1..3], ["hello", "world"]);
    assert!(
        lines[3].contains("success"),
        "the outcome ends it: {}",
        out.stdout
    );

    let bad = server.script_job("echo oops; exit 5");
    let out = backbeat(&server, &["run", &bad.to_string(), "--follow"]);
    assert_eq!(out.code, Some(1), "a failed run fails the command");
    assert!(
        out.stdout.contains("oops\n[backbeat] exit code 5\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("failure") && out.stderr.contains("exit code 5"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_client_says_when_no_server_is_running() {
    let server = Server::start();
    let out = backbeat_with(&server, &["jobs"], "", &[("PORT", "1")]);
    assert_eq!(out.code, Some(3));
    assert!(out.stderr.contains("is it running?"), "{}", out.stderr);
    // `url` still prints the link (the token is known), and says why it will not open yet.
    let out = backbeat_with(&server, &["url"], "", &[("PORT", "1")]);
    assert_eq!(
        out.ok().stdout,
        format!("http://127.0.0.1:1/?token={}\n", crate::fixture::TOKEN)
    );
    assert!(out.stderr.contains("does not answer"), "{}", out.stderr);
    // BACKBEAT_URL wins over HOST/PORT.
    let url = server.base.clone();
    backbeat_with(
        &server,
        &["jobs"],
        "",
        &[("PORT", "1"), ("BACKBEAT_URL", &url)],
    )
    .ok();
}

#[test]
fn jobs_are_added_listed_shown_edited_toggled_and_removed() {
    let server = Server::start();
    let out = backbeat(
        &server,
        &[
            "jobs",
            "add",
            "--title",
            "Nightly backup",
            "--body",
            "echo backup",
            "--cron",
            "0 3 * * *",
            "--tz",
            "Europe/Paris",
            "-e",
            "A=1",
            "-e",
            "B=x=y",
            "--timeout",
            "10m",
        ],
    );
    out.ok();
    assert!(out.stdout.starts_with("created job "), "{}", out.stdout);
    let created = backbeat(&server, &["jobs", "show", "Nightly backup", "--json"]);
    let job = created.ok().json();
    assert_eq!(
        job["schedule"],
        json!({"kind": "cron", "expr": "0 3 * * *", "timezone": "Europe/Paris"})
    );
    assert_eq!(job["env"], json!({"A": "1", "B": "x=y"}));
    assert_eq!(job["timeoutMs"], 600_000);
    let id = job["id"].as_i64().unwrap().to_string();
    let shown = backbeat(&server, &["jobs", "show", &id]);
    let rows = cells(&shown.ok().stdout);
    for (field, value) in [
        ("title", "Nightly backup"),
        ("enabled", "yes"),
        ("schedule", "0 3 * * * (Europe/Paris)"),
        ("env", "A=1 B=x=y"),
        ("timeout", "10m 00s"),
        ("overlap", "queue"),
    ] {
        assert!(
            rows.contains(&vec![field.to_string(), value.to_string()]),
            "{field}: {}",
            shown.stdout
        );
    }
    assert!(
        shown.stdout.ends_with("body:\n    echo backup\n"),
        "{}",
        shown.stdout
    );

    // From a file and from stdin.
    let file = server.dir.path().join("job.json");
    std::fs::write(
        &file,
        r#"{"title": "from file", "body": "true", "schedule": {"kind": "manual"}}"#,
    )
    .unwrap();
    backbeat(&server, &["jobs", "add", "--file", file.to_str().unwrap()]).ok();
    let out = backbeat_with(
        &server,
        &["jobs", "add", "-", "--json"],
        r#"{"title": "from stdin", "type": "script", "body": "true", "schedule": {"kind": "manual"}}"#,
        &[],
    );
    assert_eq!(out.ok().json()["title"], "from stdin");

    // The table: aligned, local times, and --json is the list.
    let out = backbeat(&server, &["jobs"]);
    out.ok();
    assert_aligned(&out.stdout, "TITLE");
    assert_aligned(&out.stdout, "SCHEDULE");
    let row = cells(&out.stdout)
        .into_iter()
        .find(|r| r.last().map(String::as_str) == Some("Nightly backup"))
        .expect("a row for the job");
    assert_eq!(
        row[..4],
        [
            id.clone(),
            "yes".into(),
            "script".into(),
            "0 3 * * * (Europe/Paris)".into()
        ]
    );
    assert!(
        row[4].len() == 19 && row[4].contains(' '),
        "local time, no zone suffix: {row:?}"
    );
    let list = backbeat(&server, &["jobs", "list", "--json"]).ok().json();
    assert_eq!(
        list.as_array().unwrap().len(),
        4 + 3,
        "the seeded examples and ours"
    );

    // Edit by title: only the given fields change, env merges.
    backbeat(
        &server,
        &[
            "jobs",
            "edit",
            "Nightly backup",
            "--title",
            "Backup",
            "-e",
            "C=3",
            "--unset-env",
            "A",
        ],
    )
    .ok();
    let job = server.get(&format!("/api/jobs/{id}")).json();
    assert_eq!(job["title"], "Backup");
    assert_eq!(job["env"], json!({"B": "x=y", "C": "3"}));
    assert_eq!(job["body"], "echo backup");

    backbeat(&server, &["jobs", "disable", &id]).ok();
    assert_eq!(
        server.get(&format!("/api/jobs/{id}")).json()["enabled"],
        false
    );
    backbeat(&server, &["jobs", "enable", "Backup"]).ok();
    assert_eq!(
        server.get(&format!("/api/jobs/{id}")).json()["enabled"],
        true
    );

    // Every invalid field in one message, exit 2.
    let out = backbeat(
        &server,
        &[
            "jobs",
            "add",
            "--title",
            " ",
            "--body",
            "x",
            "--cron",
            "61 * * * *",
        ],
    );
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("title") && out.stderr.contains("schedule.expr"),
        "{}",
        out.stderr
    );

    let out = backbeat(&server, &["jobs", "show", "no such job"]);
    assert_eq!(out.code, Some(4));
    assert!(
        out.stderr.contains("no job has the id or title"),
        "{}",
        out.stderr
    );

    backbeat(&server, &["jobs", "rm", "Backup"]).ok();
    assert_eq!(server.get(&format!("/api/jobs/{id}")).status, 404);
}

#[test]
fn run_wait_exits_with_the_outcome_and_passes_env() {
    let server = Server::start();
    let job =
        server.create_job(json!({"title": "envy", "body": "echo \"X=$X\"; test \"$X\" = yes"}));
    let id = job["id"].to_string();
    let out = backbeat(&server, &["run", "envy", "-e", "X=yes", "--wait"]);
    out.ok();
    let run_id = out
        .stdout
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<i64>()
        .unwrap();
    assert_eq!(server.log(run_id), "X=yes\n");
    assert!(out.stdout.contains("success after"), "{}", out.stdout);

    let out = backbeat(&server, &["run", &id, "-e", "X=no", "--wait"]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("failure") && out.stderr.contains("exit code 1"),
        "{}",
        out.stderr
    );

    let out = backbeat(&server, &["run", &id, "--wait", "--json"]);
    assert_eq!(out.code, Some(1));
    assert_eq!(out.json()["status"], "failure");

    // Without --wait it returns at once with the id.
    let out = backbeat(&server, &["run", &id]);
    out.ok();
    let run_id = out
        .stdout
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse::<i64>()
        .unwrap();
    server.wait_finished(run_id);

    let out = backbeat(&server, &["run", "9999"]);
    assert_eq!(out.code, Some(4));
}

#[test]
fn runs_table_shows_the_job_on_every_row_and_filters() {
    let server = Server::start();
    let ok = server.create_job(json!({"title": "fine", "body": "true"}))["id"]
        .as_i64()
        .unwrap();
    let bad = server.create_job(json!({"title": "broken", "body": "exit 3"}))["id"]
        .as_i64()
        .unwrap();
    server.wait_finished(server.run_now(ok));
    server.wait_finished(server.run_now(bad));

    let out = backbeat(&server, &["runs"]);
    out.ok();
    assert_aligned(&out.stdout, "TITLE");
    assert_aligned(&out.stdout, "STATUS");
    let rows = cells(&out.stdout);
    assert_eq!(
        rows[0],
        [
            "RUN", "STATUS", "TRIGGER", "STARTED", "DURATION", "JOB", "TITLE", "ERROR"
        ]
    );
    let failure = rows
        .iter()
        .find(|r| r[1] == "failure")
        .expect("the failed run");
    assert_eq!(
        failure[6], "broken",
        "a failure row names its job: {failure:?}"
    );
    assert_eq!(failure[7], "exit code 3");
    assert!(
        failure[4].ends_with("ms") || failure[4].ends_with('s'),
        "humanised: {failure:?}"
    );

    let out = backbeat(&server, &["runs", "--status", "failure", "--json"]);
    let runs = out.ok().json();
    assert_eq!(runs.as_array().unwrap().len(), 1);
    assert_eq!(runs[0]["jobTitle"], "broken");
    let out = backbeat(&server, &["runs", "--job", "fine", "--json"]);
    assert_eq!(out.ok().json()[0]["jobTitle"], "fine");
}

#[test]
fn logs_follow_a_live_run_and_a_missing_run_is_a_clean_message() {
    let server = Server::start();
    let job = server.script_job("echo first; sleep 1; echo second");
    let run = server.run_now(job);
    server.wait_run(run, 10, |r| r["status"] == "running");
    let out = backbeat(&server, &["logs", &run.to_string(), "-f"]);
    out.ok();
    assert!(out.stdout.starts_with("first\nsecond\n"), "{}", out.stdout);
    assert!(
        out.stdout.contains("success"),
        "the outcome at the end: {}",
        out.stdout
    );
    let out = backbeat(&server, &["logs", &run.to_string()]);
    assert_eq!(out.ok().stdout, "first\nsecond\n");

    let out = backbeat(&server, &["logs", "9999"]);
    assert_eq!(out.code, Some(4));
    assert_eq!(
        out.stderr,
        "backbeat: run 9999 not found; `backbeat runs` lists them\n"
    );
}

#[test]
fn stop_waits_for_the_outcome() {
    let server = Server::start();
    let job = server.script_job("echo started; sleep 60");
    let run = server.run_now(job);
    server.wait_run(run, 10, |r| r["status"] == "running");
    let out = backbeat(&server, &["stop", &run.to_string()]);
    out.ok();
    assert!(
        out.stdout.contains("failure") && out.stdout.contains("stopped"),
        "{}",
        out.stdout
    );
    assert_eq!(server.run(run)["status"], "failure");

    let run = server.run_now(job);
    server.wait_run(run, 10, |r| r["status"] == "running");
    let out = backbeat(&server, &["stop", &run.to_string(), "--no-wait", "--json"]);
    assert!(out.ok().json()["id"] == run);
    server.wait_finished(run);

    let out = backbeat(&server, &["stop", &run.to_string()]);
    assert_eq!(out.code, Some(1), "already finished: {}", out.stderr);
    let out = backbeat(&server, &["stop", "999"]);
    assert_eq!(out.code, Some(4));
    assert!(out.stderr.contains("not found"), "{}", out.stderr);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let server = Server::start();
    for _ in 0..3 {
        server.wait_finished(server.run_now(server.script_job("true")));
    }
    for args in [&["runs", "--limit", "200"][..], &["jobs"], &["export"]] {
        let port = server.port.to_string();
        let mut child = server
            .command(&[("PORT", &port)])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before anything is written, like `| head -0`.
        drop(child.stdout.take());
        let stderr = child.stderr.take().unwrap();
        let status = child.wait().unwrap();
        let stderr = std::io::read_to_string(stderr).unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert!(
            status.success() || status.signal() == Some(13),
            "{args:?}: {status:?}, stderr {stderr}"
        );
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "{stderr}"
        );
    }
}

#[test]
fn without_a_token_the_client_says_how_and_never_writes_one() {
    let server = Server::start();
    let token_file = server.config_dir().join("token");
    assert!(!token_file.exists(), "the server runs on BACKBEAT_TOKEN");
    let no_token = |args: &[&str]| {
        let port = server.port.to_string();
        let mut cmd = server.command(&[("PORT", &port)]);
        cmd.env_remove("BACKBEAT_TOKEN").args(args);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        finish(cmd.spawn().unwrap())
    };
    let out = no_token(&["url"]);
    assert_eq!(out.code, Some(5));
    assert_eq!(out.stdout, "", "no link the server would refuse");
    assert!(out.stderr.contains("no token yet"), "{}", out.stderr);
    let out = no_token(&["jobs"]);
    assert_eq!(out.code, Some(5));
    assert!(out.stderr.contains("no token"), "{}", out.stderr);
    assert!(!token_file.exists(), "the client never writes a token");

    // With the right token in the file, `url` prints a link that signs in.
    std::fs::create_dir_all(server.config_dir()).unwrap();
    std::fs::write(&token_file, format!("{}\n", crate::fixture::TOKEN)).unwrap();
    let out = no_token(&["url"]);
    out.ok();
    assert_eq!(
        out.stdout.trim(),
        format!("{}/?token={}", server.base, crate::fixture::TOKEN)
    );
    // A wrong one is named as such, and `url` prints no link with it.
    std::fs::write(&token_file, "not-the-token\n").unwrap();
    for verb in ["jobs", "url"] {
        let out = no_token(&[verb]);
        assert_eq!(out.code, Some(5), "{verb}");
        assert_eq!(out.stdout, "", "{verb}");
        assert!(
            out.stderr.contains("refused the token from"),
            "{verb}: {}",
            out.stderr
        );
    }
    assert_eq!(
        std::fs::read_to_string(&token_file).unwrap(),
        "not-the-token\n"
    );
}
