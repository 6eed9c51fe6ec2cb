//! The `backbeat` command-line client against a running supervisor.

use crate::fixture::Server;

fn cli(server: &Server, args: &[&str]) -> (bool, String, String) {
    let port = server.port.to_string();
    let output = server
        .command(&[("PORT", &port)])
        .args(args)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn run_follow_streams_the_log_and_exits_with_the_outcome() {
    let server = Server::start();
    let ok = server
        .create_job(serde_json::json!({"title": "greeter", "body": "echo hello; echo world"}))["id"]
        .as_i64()
        .unwrap();
    let (success, stdout, _) = cli(&server, &["run", &ok.to_string(), "--follow"]);
    assert!(success);
    assert_eq!(stdout, "hello\nworld\n");

    let bad = server.script_job("echo oops; exit 5");
    let (success, stdout, stderr) = cli(&server, &["run", &bad.to_string(), "--follow"]);
    assert!(!success, "a failed run fails the command");
    assert_eq!(
        stdout, "oops\n[backbeat] exit code 5\n",
        "the log ends with why the run failed"
    );
    assert!(stderr.contains("exit code 5"), "{stderr}");

    let (success, stdout, _) = cli(&server, &["jobs"]);
    assert!(success);
    assert!(
        stdout.contains("greeter") && stdout.contains("success"),
        "{stdout}"
    );
    let (success, stdout, _) = cli(&server, &["runs", "--status", "failure"]);
    assert!(success);
    assert!(
        stdout.contains("exit code 5") && !stdout.contains("greeter"),
        "{stdout}"
    );
    let (success, _, stderr) = cli(&server, &["stop", "999"]);
    assert!(!success);
    assert!(stderr.contains("not found"), "{stderr}");
}

#[test]
fn the_client_says_when_no_server_is_running() {
    let server = Server::start();
    let output = server
        .command(&[("PORT", "1")])
        .arg("jobs")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("is it running?"));
}
