//! The REAL `claude` CLI end to end through the supervisor: an `ai` job
//! (and the daily budget its reported cost counts towards) and a draft, against the project's loopback mock of the Anthropic API
//! (tests/ai-mock). Needs `BACKBEAT_REAL_CLI_DIR` (`scripts/setup-ai-clis`);
//! without it the tests say SKIPPED loudly, and fail instead when
//! `BACKBEAT_REQUIRE_REAL_CLI=1` (as in CI).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::json;

use crate::fixture::Server;

fn real_claude() -> Option<PathBuf> {
    let reason = match std::env::var_os("BACKBEAT_REAL_CLI_DIR") {
        Some(dir) => {
            let claude = PathBuf::from(dir).join("claude");
            if claude.exists() {
                return Some(claude);
            }
            format!("{} does not exist", claude.display())
        }
        None => "BACKBEAT_REAL_CLI_DIR is not set (run scripts/setup-ai-clis)".to_string(),
    };
    if std::env::var("BACKBEAT_REQUIRE_REAL_CLI").as_deref() == Ok("1") {
        panic!("real CLI conformance required but unavailable: {reason}");
    }
    eprintln!("SKIPPED: real CLI conformance through the supervisor — {reason}");
    None
}

struct Mock {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn mock(scenario: &str) -> Mock {
    let dir = tempfile::tempdir().unwrap();
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/ai-mock/mock_anthropic.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(scenario)
        .arg(dir.path().join("requests.log"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs the mock");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .strip_prefix("PORT ")
        .and_then(|p| p.parse().ok())
        .expect("the mock prints its port");
    Mock {
        child,
        port,
        _dir: dir,
    }
}

fn server_against(mock: &Mock, claude: &std::path::Path, home: &std::path::Path) -> Server {
    let base_url = format!("http://127.0.0.1:{}/v1", mock.port);
    let server = Server::start_with(&[
        ("CLAUDE_CODE_USE_VERTEX", "1"),
        ("CLAUDE_CODE_SKIP_VERTEX_AUTH", "1"),
        ("ANTHROPIC_VERTEX_BASE_URL", &base_url),
        ("ANTHROPIC_VERTEX_PROJECT_ID", "mock-project"),
        ("CLOUD_ML_REGION", "us-east5"),
        ("DISABLE_AUTOUPDATER", "1"),
        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
        ("HOME", home.to_str().unwrap()),
    ]);
    // Tests run as root, where claude refuses bypassPermissions.
    let reply = server.patch(
        "/api/preferences",
        json!({"claudeBinary": claude.display().to_string(), "claudePermissionMode": "acceptEdits", "claudeModel": "sonnet"}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    server
}

#[test]
fn a_real_claude_ai_job_runs_end_to_end() {
    let Some(claude) = real_claude() else { return };
    let mock = mock("tool");
    let home = tempfile::tempdir().unwrap();
    let server = server_against(&mock, &claude, home.path());
    let job = server.create_job(json!({"type": "ai", "body": "Say hi and run one command.", "cwd": home.path().to_str().unwrap()}));
    let run = server.wait_run(server.run_now(job["id"].as_i64().unwrap()), 120, |r| {
        !matches!(r["status"].as_str(), Some("queued") | Some("running"))
    });
    let log = server.log(run["id"].as_i64().unwrap());
    assert_eq!(run["status"], "success", "{run}\n{log}");
    assert!(
        log.contains("hello-from-tool"),
        "the tool call and its result are in the log: {log}"
    );
    assert!(log.contains("Hi! Done."), "{log}");
    assert!(run["usage"]["inputTokens"].as_i64().unwrap() > 0, "{run}");
    assert!(run["usage"]["outputTokens"].as_i64().unwrap() > 0, "{run}");
}

#[test]
fn a_real_claude_run_counts_towards_the_daily_budget_that_then_drops_the_next() {
    let Some(claude) = real_claude() else { return };
    let mock = mock("tool");
    let home = tempfile::tempdir().unwrap();
    let server = server_against(&mock, &claude, home.path());
    let job = server.create_job(json!({"type": "ai", "body": "Say hi and run one command.", "cwd": home.path().to_str().unwrap()}));
    let id = job["id"].as_i64().unwrap();
    let first = server.wait_run(server.run_now(id), 120, |r| {
        !matches!(r["status"].as_str(), Some("queued") | Some("running"))
    });
    assert_eq!(first["status"], "success", "{first}");
    let cost = first["usage"]["costUsd"].as_f64().unwrap();
    assert!(
        cost > 0.0,
        "the real CLI reports what the run cost: {first}"
    );
    let spent = server.get(&format!("/api/jobs/{id}")).json()["spentTodayUsd"]
        .as_f64()
        .unwrap();
    assert!((spent - cost).abs() < 1e-12, "{spent} vs {cost}");

    // A budget of exactly what was spent: the next run is not started.
    let reply = server.patch(
        &format!("/api/jobs/{id}"),
        json!({"ai": {"dailyBudgetUsd": cost}}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let second = server.wait_finished(server.run_now(id));
    assert_eq!(second["status"], "dropped", "{second}");
    assert_eq!(
        second["error"],
        format!("budget: ${cost:.2} of ${cost:.2} spent in the last 24 h")
    );
}

/// Runs the job now and waits (the real CLI takes a moment).
fn finished_run(server: &Server, job: i64) -> serde_json::Value {
    server.wait_run(server.run_now(job), 120, |r| {
        !matches!(r["status"].as_str(), Some("queued") | Some("running"))
    })
}

#[test]
fn a_real_claude_run_stops_at_its_budget_with_a_clear_error() {
    let Some(claude) = real_claude() else { return };
    let mock = mock("tool");
    let home = tempfile::tempdir().unwrap();
    let server = server_against(&mock, &claude, home.path());
    let job = server.create_job(json!({"type": "ai", "body": "Say hi and run one command.",
        "cwd": home.path().to_str().unwrap(), "ai": {"maxBudgetUsd": 0.0001}}));
    let run = finished_run(&server, job["id"].as_i64().unwrap());
    let log = server.log(run["id"].as_i64().unwrap());
    assert_eq!(run["status"], "failure", "{run}\n{log}");
    assert_eq!(run["error"], "budget of $0.0001 reached", "{log}");
    assert_eq!(run["errorKind"], "budget");
    assert!(run["usage"]["costUsd"].as_f64().unwrap() > 0.0001, "{run}");
}

#[test]
fn a_real_claude_runs_final_message_is_its_summary_and_nothing_to_report_is_quiet() {
    let Some(claude) = real_claude() else { return };
    let home = tempfile::tempdir().unwrap();
    let cwd = home.path().to_str().unwrap().to_owned();
    let mock_summary = mock("summary");
    let server = server_against(&mock_summary, &claude, home.path());
    let job = server.create_job(json!({"type": "ai", "body": "Check the repos.", "cwd": cwd}));
    let run = finished_run(&server, job["id"].as_i64().unwrap());
    assert_eq!(run["status"], "success", "{run}");
    let summary = run["summary"].as_str().unwrap();
    assert_eq!(summary.chars().count(), 500, "{summary}");
    assert!(summary.starts_with("Checked 3 repositories: all green;"));
    assert_eq!(run["quiet"], false);
    drop(server);

    let mock_nothing = mock("nothing");
    let server = server_against(&mock_nothing, &claude, home.path());
    let job =
        server.create_job(json!({"type": "ai", "body": "Answer NOTHING_TO_REPORT.", "cwd": cwd}));
    let run = finished_run(&server, job["id"].as_i64().unwrap());
    assert_eq!(run["status"], "success", "{run}");
    assert_eq!(run["quiet"], true);
    drop(server);

    let mock_empty = mock("empty");
    let server = server_against(&mock_empty, &claude, home.path());
    let job = server.create_job(json!({"type": "ai", "body": "Do nothing.", "cwd": cwd}));
    let run = finished_run(&server, job["id"].as_i64().unwrap());
    assert_eq!(run["status"], "failure", "{run}");
    assert_eq!(run["error"], "the AI returned nothing");
}

#[test]
fn a_real_claude_rate_limit_is_rate_limited() {
    let Some(claude) = real_claude() else { return };
    let mock = mock("ratelimit");
    let home = tempfile::tempdir().unwrap();
    let server = server_against(&mock, &claude, home.path());
    let job = server
        .create_job(json!({"type": "ai", "body": "Say hi.", "cwd": home.path().to_str().unwrap()}));
    let run = finished_run(&server, job["id"].as_i64().unwrap());
    assert_eq!(run["status"], "failure", "{run}");
    assert_eq!(run["errorKind"], "rate_limited", "{run}");
    assert!(run["error"].as_str().unwrap().contains("429"), "{run}");
}

#[test]
fn a_real_claude_session_is_continued_by_the_next_run() {
    let Some(claude) = real_claude() else { return };
    let mock = mock("summary");
    let home = tempfile::tempdir().unwrap();
    let server = server_against(&mock, &claude, home.path());
    let job = server.create_job(json!({"type": "ai", "body": "Check the repos.",
        "cwd": home.path().to_str().unwrap(), "ai": {"session": "continue"}}));
    let id = job["id"].as_i64().unwrap();
    let first = finished_run(&server, id);
    assert_eq!(first["status"], "success", "{first}");
    let session = first["sessionId"]
        .as_str()
        .expect("a session id")
        .to_owned();
    let second = finished_run(&server, id);
    assert_eq!(second["status"], "success", "{second}");
    assert_eq!(
        second["sessionId"],
        session.as_str(),
        "the same conversation"
    );
    // The resumed request carried the first conversation's messages.
    let requests: Vec<serde_json::Value> =
        std::fs::read_to_string(mock._dir.path().join("requests.log"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    let messages: Vec<i64> = requests
        .iter()
        .filter_map(|r| r["messages"].as_i64())
        .collect();
    assert!(messages.iter().any(|m| *m >= 3), "{messages:?}");
}

#[test]
fn a_real_claude_draft_comes_back_as_a_valid_job() {
    let Some(claude) = real_claude() else { return };
    let mock = mock("draft");
    let home = tempfile::tempdir().unwrap();
    let server = server_against(&mock, &claude, home.path());
    let reply = server.post(
        "/api/ai/draft",
        json!({"description": "every weekday at 9, summarise open pull requests"}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let draft = reply.json()["draft"].clone();
    assert!(
        draft["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{draft}"
    );
    assert!(
        draft["body"].as_str().is_some_and(|b| !b.is_empty()),
        "{draft}"
    );
    assert!(draft["schedule"]["kind"].is_string(), "{draft}");
    assert_eq!(
        server.post("/api/jobs", draft).status,
        201,
        "the draft is accepted as a job"
    );
}

#[test]
fn a_real_claude_agent_creates_and_runs_a_job_over_backbeat_mcp() {
    let Some(claude) = real_claude() else { return };
    let mock = mock("mcp");
    let home = tempfile::tempdir().unwrap();
    let server = server_against(&mock, &claude, home.path());
    let config = home.path().join("mcp.json");
    let servers = json!({"mcpServers": {"backbeat": {
        "type": "stdio",
        "command": crate::fixture::backbeat_bin(),
        "args": ["mcp"],
        "env": {"BACKBEAT_URL": server.base, "BACKBEAT_TOKEN": crate::fixture::TOKEN},
    }}});
    std::fs::write(&config, servers.to_string()).unwrap();
    let base_url = format!("http://127.0.0.1:{}/v1", mock.port);
    let mut child = Command::new(&claude)
        .args([
            "-p",
            "Create a Backbeat job that echoes something, then run it.",
        ])
        .arg("--mcp-config")
        .arg(&config)
        .args(["--strict-mcp-config", "--allowedTools", "mcp__backbeat"])
        .args(["--output-format", "json", "--model", "sonnet"])
        .current_dir(home.path())
        .env("HOME", home.path())
        .env("CLAUDE_CODE_USE_VERTEX", "1")
        .env("CLAUDE_CODE_SKIP_VERTEX_AUTH", "1")
        .env("ANTHROPIC_VERTEX_BASE_URL", &base_url)
        .env("ANTHROPIC_VERTEX_PROJECT_ID", "mock-project")
        .env("CLOUD_ML_REGION", "us-east5")
        .env("DISABLE_AUTOUPDATER", "1")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        // A loaded CI machine may start `backbeat mcp` slowly.
        .env("MCP_TIMEOUT", "60000")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("claude starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("claude did not finish within 120 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let mut output = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut output).unwrap();
    let requests =
        std::fs::read_to_string(mock._dir.path().join("requests.log")).unwrap_or_default();
    assert!(
        output.contains("Job ran."),
        "{output}\nrequests to the mock:\n{requests}"
    );

    let jobs = server.get("/api/jobs").json();
    let job = jobs["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["title"] == "Made over MCP")
        .unwrap_or_else(|| panic!("the agent's job exists: {jobs}"))
        .clone();
    let runs = server.get(&format!("/api/runs?jobId={}", job["id"])).json();
    let run = &runs["runs"][0];
    assert_eq!(run["status"], "success", "{runs}");
    assert_eq!(run["trigger"], "manual", "{runs}");
    assert!(
        server
            .log(run["id"].as_i64().unwrap())
            .contains("ran-from-mcp"),
        "the job's own output is in its log"
    );
}
