//! Conformance with the REAL `claude` CLI (npm `@anthropic-ai/claude-code`),
//! run end to end by claude-runner against the loopback mock of the
//! Anthropic API in `tests/ai-mock/mock_anthropic.py` (Vertex provider,
//! auth skipped). Needs `BACKBEAT_REAL_CLI_DIR` (see
//! `scripts/setup-ai-clis`); without it each test prints `SKIPPED: …`.

use std::time::Duration;

use ai_common::draft;
use ai_common::testkit::{
    Launched, MockServer, RunnerProcess, TempDir, Transcript, authoring_start, eventually,
    real_cli, run_start, running_as_root, say_skipped,
};
use serde_json::{Value, json};

const RUNNER: &str = env!("CARGO_BIN_EXE_claude-runner");
/// A hung CLI fails the test instead of hanging it.
const LIMIT: Duration = Duration::from_secs(90);
/// Inherited variables that would change what claude does here.
const REMOVED: &[&str] = &[
    "IS_SANDBOX",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_MODEL",
    "CLAUDE_CODE_USE_BEDROCK",
    "CLAUDE_CODE_USE_FOUNDRY",
    "CLAUDE_CONFIG_DIR",
    "CLAUDE_CODE_EFFORT_LEVEL",
];

/// Runs claude-runner with `start` against a fresh mock in `scenario`.
fn against_mock(scenario: &str, start: impl FnOnce(&TempDir) -> Value) -> (Transcript, MockServer) {
    launch(scenario, start).finish(LIMIT)
}

fn launch(scenario: &str, start: impl FnOnce(&TempDir) -> Value) -> Launched {
    let mock = MockServer::start("mock_anthropic.py", scenario);
    let dir = TempDir::new("real-claude");
    std::fs::create_dir_all(dir.join("home")).unwrap();
    std::fs::create_dir_all(dir.join("work")).unwrap();
    let base_url = format!("http://127.0.0.1:{}/v1", mock.port);
    let home = dir.join("home");
    let envs = [
        ("CLAUDE_CODE_USE_VERTEX", "1"),
        ("CLAUDE_CODE_SKIP_VERTEX_AUTH", "1"),
        ("ANTHROPIC_VERTEX_BASE_URL", base_url.as_str()),
        ("ANTHROPIC_VERTEX_PROJECT_ID", "mock-project"),
        ("CLOUD_ML_REGION", "us-east5"),
        ("DISABLE_AUTOUPDATER", "1"),
        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
        ("HOME", home.to_str().unwrap()),
    ];
    let start = start(&dir);
    let runner = RunnerProcess::start_without(RUNNER, &start, &envs, REMOVED, &dir.join("work"));
    Launched { runner, mock, dir }
}

fn settings(binary: &std::path::Path, permission_mode: &str) -> Value {
    json!({"mode": "claude", "binary": binary, "model": "sonnet", "effort": "low",
           "permissionMode": permission_mode, "sandbox": ""})
}

#[test]
fn runs_an_ai_job_with_a_tool_call() {
    let Some(claude) = real_cli("claude") else {
        return;
    };
    // acceptEdits: bypassPermissions is refused as root (CI runs as root).
    let (transcript, mock) = against_mock("tool", |dir| {
        run_start(
            "Say hi, then run a command.",
            dir.join("work").to_str().unwrap(),
            settings(&claude, "acceptEdits"),
        )
    });
    let log = transcript.log();
    assert_eq!(transcript.result()["status"], "success", "log:\n{log}");
    for needle in [
        "permission mode acceptEdits\n",
        "I'll run a quick command.\n",
        "→ Bash: echo hello-from-tool\n",
        "  ← hello-from-tool\n",
        "Hi! Done.\n",
        "✓ done in 2 turns",
    ] {
        assert!(log.contains(needle), "log lacks {needle:?}:\n{log}");
    }
    let usage = transcript.of_type("usage")[0].clone();
    assert_eq!(
        usage["inputTokens"], 4000,
        "2 requests × (1200 input + 800 cache read): {usage}"
    );
    assert_eq!(usage["outputTokens"], 84);
    assert_eq!(usage["turns"], 2);
    assert!(usage["costUsd"].as_f64().unwrap() > 0.0);
    assert!(
        usage["model"].as_str().unwrap().contains("sonnet"),
        "{usage}"
    );
    let requests = mock.requests();
    assert!(
        requests
            .iter()
            .all(|r| r["model"].as_str().unwrap_or("").contains("sonnet")),
        "{requests:?}"
    );
}

#[test]
fn drafts_a_job_as_structured_output_with_tools_disabled() {
    let Some(claude) = real_cli("claude") else {
        return;
    };
    let (transcript, mock) = against_mock("draft", |_| {
        let job =
            json!({"description": "every weekday at 9, summarize yesterday's open pull requests"});
        authoring_start(
            "draft",
            job,
            json!({"binary": claude, "timezone": "Europe/Paris"}),
        )
    });
    assert_eq!(
        transcript.result()["status"],
        "success",
        "{:#?}",
        transcript.messages
    );
    assert_eq!(
        *transcript.of_type("draft")[0],
        json!({"type": "draft",
            "draft": {"title": "Weekday PR summary", "type": "ai",
                "body": "Summarize yesterday's open pull requests and post the list.",
                "schedule": {"kind": "cron", "expr": "0 9 * * 1-5"}},
            "notes": "Runs at 09:00 on weekdays."})
    );
    let requests = mock.requests();
    let asked = requests
        .iter()
        .find(|r| r["tools"] == json!(["StructuredOutput"]))
        .expect("a StructuredOutput-only request");
    let sent = &asked["schemas"]["StructuredOutput"];
    assert_eq!(
        sent["properties"],
        draft::schema()["properties"],
        "claude forwards our schema"
    );
    let system = asked["system"].to_string();
    assert!(
        system.contains("5-field crontab") && system.contains("Europe/Paris"),
        "{system}"
    );
    assert!(
        requests
            .iter()
            .all(|r| !r["tools"].as_array().unwrap().iter().any(|t| t == "Bash"))
    );
}

#[test]
fn api_errors_fail_the_run_with_claudes_message() {
    let Some(claude) = real_cli("claude") else {
        return;
    };
    let (transcript, _mock) = against_mock("error", |dir| {
        run_start(
            "hi",
            dir.join("work").to_str().unwrap(),
            settings(&claude, "default"),
        )
    });
    assert_eq!(transcript.result()["status"], "failure");
    assert_eq!(transcript.result()["exitCode"], 1);
    assert!(
        transcript.error().starts_with("API Error: 400"),
        "{}",
        transcript.error()
    );
}

#[test]
fn bypass_mode_as_root_fails_with_a_hint() {
    let Some(claude) = real_cli("claude") else {
        return;
    };
    if !running_as_root() {
        say_skipped("root refusal check (the tests do not run as root)");
        return;
    }
    let (transcript, mock) = against_mock("tool", |dir| {
        run_start(
            "hi",
            dir.join("work").to_str().unwrap(),
            settings(&claude, "bypassPermissions"),
        )
    });
    let error = transcript.error();
    assert!(
        error.contains("cannot be used with root/sudo privileges"),
        "{error}"
    );
    assert!(
        error.contains("run Backbeat as a normal user, or pick another permission mode"),
        "{error}"
    );
    assert!(
        mock.requests().is_empty(),
        "claude stopped before asking the model"
    );
}

#[test]
fn stopping_a_run_leaves_its_process_group_empty() {
    let Some(claude) = real_cli("claude") else {
        return;
    };
    let launched = launch("hang", |dir| {
        run_start(
            "hi",
            dir.join("work").to_str().unwrap(),
            settings(&claude, "acceptEdits"),
        )
    });
    assert!(
        eventually(LIMIT, || !launched.mock.requests().is_empty()),
        "claude never called the model"
    );
    // What the supervisor does on stop: a cancel message and SIGTERM to the group.
    launched.stop_and_expect_empty_group("user");
}
