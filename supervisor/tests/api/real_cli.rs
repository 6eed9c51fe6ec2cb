//! The REAL `claude` CLI end to end through the supervisor: an `ai` job
//! and a draft, against the project's loopback mock of the Anthropic API
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
