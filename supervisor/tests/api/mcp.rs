//! The MCP server with a real MCP client: the MCP Inspector CLI lists the
//! tools and calls every one against a live supervisor, over stdio
//! (`backbeat mcp`) and over Streamable HTTP (`/mcp`); and `/mcp` refuses
//! requests without the token, from a foreign Origin or Host. The
//! Inspector comes from `BACKBEAT_MCP_INSPECTOR` (`scripts/setup-mcp-inspector`);
//! without it those tests say SKIPPED, and fail when
//! `BACKBEAT_REQUIRE_MCP_INSPECTOR=1` (as in CI).

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fixture::{Server, TOKEN, backbeat_bin};

fn inspector() -> Option<PathBuf> {
    let reason = match std::env::var_os("BACKBEAT_MCP_INSPECTOR") {
        Some(path) if PathBuf::from(&path).exists() => return Some(path.into()),
        Some(path) => format!("{} does not exist", PathBuf::from(path).display()),
        None => "BACKBEAT_MCP_INSPECTOR is not set (run scripts/setup-mcp-inspector)".into(),
    };
    if std::env::var("BACKBEAT_REQUIRE_MCP_INSPECTOR").as_deref() == Ok("1") {
        panic!("MCP Inspector required but unavailable: {reason}");
    }
    eprintln!("SKIPPED: MCP Inspector tests — {reason}");
    None
}

/// One Inspector `--cli` invocation against a target: (exit ok, stdout JSON).
struct Inspector {
    bin: PathBuf,
    target: Vec<String>,
}

impl Inspector {
    fn stdio(bin: PathBuf, server: &Server, token: &str) -> Inspector {
        let target = vec![
            "-e".into(),
            format!("BACKBEAT_URL={}", server.base),
            "-e".into(),
            format!("BACKBEAT_TOKEN={token}"),
            backbeat_bin().display().to_string(),
            "mcp".into(),
        ];
        Inspector { bin, target }
    }

    fn http(bin: PathBuf, server: &Server, token: &str) -> Inspector {
        let target = vec![
            server.url("/mcp"),
            "--transport".into(),
            "http".into(),
            "--header".into(),
            format!("Authorization: Bearer {token}"),
        ];
        Inspector { bin, target }
    }

    fn run(&self, args: &[&str]) -> (bool, Value, String) {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(&self.bin)
            .arg("--cli")
            .args(&self.target)
            .args(args)
            .env("HOME", dir.path())
            .env("MCP_CATALOG_PATH", dir.path().join("mcp.json"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the MCP Inspector starts");
        let mut stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let out = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            text
        });
        let err = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let deadline = Instant::now() + Duration::from_secs(90);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the MCP Inspector did not finish {args:?} within 90 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let (out, err) = (out.join().unwrap(), err.join().unwrap());
        // The result is the first JSON document on stdout.
        let value = serde_json::Deserializer::from_str(&out)
            .into_iter::<Value>()
            .next()
            .and_then(Result::ok)
            .unwrap_or(Value::Null);
        (status.success(), value, format!("{out}\n{err}"))
    }

    /// Calls a tool; returns (isError, the JSON or text it answered).
    fn call(&self, tool: &str, args: &[&str]) -> (bool, Value) {
        let mut all = vec!["--method", "tools/call", "--tool-name", tool];
        if !args.is_empty() {
            all.push("--tool-arg");
            all.extend_from_slice(args);
        }
        let (_, value, output) = self.run(&all);
        let text = value["content"][0]["text"]
            .as_str()
            .unwrap_or_else(|| panic!("{tool} answered no text content: {output}"));
        let is_error = value["isError"] == true;
        let answer = serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.into()));
        (is_error, answer)
    }

    fn ok(&self, tool: &str, args: &[&str]) -> Value {
        let (is_error, answer) = self.call(tool, args);
        assert!(!is_error, "{tool} {args:?} failed: {answer}");
        answer
    }
}

const TOOLS: [&str; 12] = [
    "create_job",
    "delete_job",
    "get_job",
    "get_run",
    "list_jobs",
    "list_runs",
    "preview_cron",
    "read_log",
    "run_job",
    "stop_run",
    "upcoming",
    "update_job",
];

/// Lists the tools and calls each one, checking what a user would see.
fn exercise_every_tool(server: &Server, mcp: &Inspector) {
    let (ok, listed, output) = mcp.run(&["--method", "tools/list"]);
    assert!(ok, "tools/list failed: {output}");
    let mut names: Vec<&str> = listed["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("no tools: {output}"))
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, TOOLS);
    for tool in listed["tools"].as_array().unwrap() {
        assert!(
            tool["description"].as_str().is_some_and(|d| d.len() > 20),
            "{tool}"
        );
        assert_eq!(tool["inputSchema"]["type"], "object", "{tool}");
    }
    let create = listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "create_job")
        .unwrap();
    let required: Vec<&str> = create["inputSchema"]["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for field in ["title", "type", "body", "schedule"] {
        assert!(required.contains(&field), "{field} is required: {create}");
    }

    let job = mcp.ok(
        "create_job",
        &[
            "title=Greeter",
            "type=script",
            "body=printf 'line %s\\n' 1 2 3; echo greeted-by-mcp",
            r#"schedule={"kind":"manual"}"#,
        ],
    );
    let id = job["id"].as_i64().expect("the new job's id");
    assert_eq!(
        server.get(&format!("/api/jobs/{id}")).json()["title"],
        "Greeter"
    );

    // A bad field comes back as a tool error with the API's message.
    let (is_error, message) = mcp.call(
        "create_job",
        &[
            "title=Bad",
            "type=script",
            "body=exit 0",
            r#"schedule={"kind":"cron","expr":"61 * * * *"}"#,
        ],
    );
    assert!(is_error, "{message}");
    let expected = server
        .post(
            "/api/jobs",
            json!({"title": "Bad", "type": "script", "body": "exit 0", "schedule": {"kind": "cron", "expr": "61 * * * *"}}),
        )
        .json()["error"]["message"]
        .clone();
    assert_eq!(message, expected, "the API's own message");

    let listed = mcp.ok("list_jobs", &[]);
    assert!(
        listed["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|j| j["id"] == id),
        "{listed}"
    );
    assert_eq!(
        mcp.ok("get_job", &[&format!("jobId={id}")])["body"],
        job["body"]
    );
    let (is_error, message) = mcp.call("get_job", &["jobId=999999"]);
    assert!(is_error && message == "job 999999 not found", "{message}");

    let updated = mcp.ok("update_job", &[&format!("jobId={id}"), "title=Greeter 2"]);
    assert_eq!(updated["title"], "Greeter 2");
    assert_eq!(
        server.get(&format!("/api/jobs/{id}")).json()["title"],
        "Greeter 2"
    );

    let ran = mcp.ok("run_job", &[&format!("jobId={id}"), "waitSeconds=60"]);
    assert_eq!(ran["run"]["status"], "success", "{ran}");
    assert!(
        ran["logTail"].as_str().unwrap().contains("greeted-by-mcp"),
        "{ran}"
    );
    let run_id = ran["run"]["id"].as_i64().unwrap();
    assert_eq!(server.run(run_id)["status"], "success");

    let runs = mcp.ok("list_runs", &[&format!("jobId={id}")]);
    assert_eq!(runs["runs"][0]["id"], run_id, "{runs}");
    assert_eq!(
        mcp.ok("get_run", &[&format!("runId={run_id}")])["status"],
        "success"
    );
    let tail = mcp.ok("read_log", &[&format!("runId={run_id}"), "tail=1"]);
    assert_eq!(tail["text"], "greeted-by-mcp\n", "{tail}");
    let from = mcp.ok("read_log", &[&format!("runId={run_id}"), "offset=5"]);
    assert_eq!(
        from["text"], "1\nline 2\nline 3\ngreeted-by-mcp\n",
        "{from}"
    );
    assert_eq!(from["nextOffset"], from["logBytes"], "{from}");

    let sleeper = server.script_job("echo sleeping; sleep 30");
    let started = mcp.ok("run_job", &[&format!("jobId={sleeper}")]);
    let sleeping = started["run"]["id"].as_i64().unwrap();
    server.wait_run(sleeping, 20, |r| r["status"] == "running");
    mcp.ok("stop_run", &[&format!("runId={sleeping}")]);
    let stopped = server.wait_finished(sleeping);
    assert_ne!(stopped["status"], "success", "{stopped}");
    assert!(
        stopped["error"]
            .as_str()
            .is_some_and(|e| e.contains("stop")),
        "{stopped}"
    );

    let preview = mcp.ok("preview_cron", &["expr=0 3 * * *", "timezone=Europe/Paris"]);
    assert_eq!(preview["description"], "At 03:00 every day", "{preview}");
    let (is_error, message) = mcp.call("preview_cron", &["expr=not cron"]);
    assert!(is_error, "{message}");

    let daily = server.create_job(
        json!({"title": "Nightly", "schedule": {"kind": "cron", "expr": "0 3 * * *"}, "body": "true"}),
    );
    let upcoming = mcp.ok("upcoming", &[]);
    assert!(
        upcoming["occurrences"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["jobId"] == daily["id"] && o["title"] == "Nightly"),
        "{upcoming}"
    );

    // Deleting needs the exact title.
    let (is_error, message) = mcp.call(
        "delete_job",
        &[&format!("jobId={id}"), "confirmTitle=Greeter"],
    );
    assert!(is_error, "{message}");
    assert!(message.as_str().unwrap().contains("Greeter 2"), "{message}");
    assert_eq!(
        server.get(&format!("/api/jobs/{id}")).status,
        200,
        "still there"
    );
    mcp.ok(
        "delete_job",
        &[&format!("jobId={id}"), "confirmTitle=Greeter 2"],
    );
    assert_eq!(
        server.get(&format!("/api/jobs/{id}")).status,
        404,
        "deleted"
    );

    let (ok, resources, output) = mcp.run(&["--method", "resources/list"]);
    assert!(ok, "{output}");
    let uris: Vec<&str> = resources["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris, ["backbeat://jobs", "backbeat://runs/recent"]);
    let (ok, recent, output) = mcp.run(&[
        "--method",
        "resources/read",
        "--uri",
        "backbeat://runs/recent",
    ]);
    assert!(ok, "{output}");
    let recent: Value =
        serde_json::from_str(recent["contents"][0]["text"].as_str().unwrap()).unwrap();
    assert!(
        recent["runs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == sleeping),
        "{recent}"
    );
}

#[test]
fn the_mcp_inspector_calls_every_tool_over_stdio() {
    let Some(bin) = inspector() else { return };
    let server = Server::start();
    exercise_every_tool(&server, &Inspector::stdio(bin, &server, TOKEN));
}

#[test]
fn the_mcp_inspector_calls_every_tool_over_http() {
    let Some(bin) = inspector() else { return };
    let server = Server::start();
    exercise_every_tool(&server, &Inspector::http(bin, &server, TOKEN));
}

#[test]
fn an_mcp_client_with_a_wrong_token_gets_nothing() {
    let Some(bin) = inspector() else { return };
    let server = Server::start();
    let job = server.script_job("echo secret-job");
    // Over HTTP the Inspector is turned away before any MCP exchange.
    let (ok, _, output) =
        Inspector::http(bin.clone(), &server, "wrong").run(&["--method", "tools/list"]);
    assert!(!ok, "{output}");
    // Over stdio the tools answer with the API's refusal.
    let (is_error, message) =
        Inspector::stdio(bin, &server, "wrong").call("get_job", &[&format!("jobId={job}")]);
    assert!(is_error, "{message}");
    assert!(
        message.as_str().unwrap().contains("refused the token"),
        "{message}"
    );
}

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}"#;

fn post_mcp(server: &Server, headers: &str) -> crate::fixture::Reply {
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n",
        server.port,
        INITIALIZE.len()
    );
    server.raw(&head, INITIALIZE.as_bytes())
}

#[test]
fn mcp_over_http_needs_the_token_host_and_origin_of_the_api() {
    let server = Server::start();
    post_mcp(&server, "").assert_error(401, "unauthorized", None);
    post_mcp(&server, "Authorization: Bearer nope\r\n").assert_error(401, "unauthorized", None);
    let auth = format!("Authorization: Bearer {TOKEN}\r\n");
    post_mcp(&server, &format!("{auth}Origin: http://evil.example\r\n")).assert_error(
        403,
        "forbidden_origin",
        None,
    );
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: evil.example\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        INITIALIZE.len()
    );
    server
        .raw(&head, INITIALIZE.as_bytes())
        .assert_error(421, "misdirected_request", None);

    let reply = post_mcp(&server, &auth);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.json()["result"]["serverInfo"]["name"],
        "backbeat",
        "{}",
        reply.body
    );
}
