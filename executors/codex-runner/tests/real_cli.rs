//! Conformance with the REAL `codex` CLI (npm `@openai/codex`), run end to
//! end by codex-runner against the loopback mock of the OpenAI Responses
//! API in `tests/ai-mock/mock_responses.py`. The mock provider is defined in
//! a temporary `$CODEX_HOME/config.toml`, so the runner's argv stays exactly
//! the production one. Needs `BACKBEAT_REAL_CLI_DIR` (see
//! `scripts/setup-ai-clis`); without it each test prints `SKIPPED: …`.

use std::path::Path;
use std::time::Duration;

use ai_common::draft;
use ai_common::testkit::{
    Launched, MockServer, RunnerProcess, TempDir, Transcript, authoring_start, eventually,
    group_members, real_cli, run_start,
};
use serde_json::{Value, json};

const RUNNER: &str = env!("CARGO_BIN_EXE_codex-runner");
/// codex retries forever without a network: a hung CLI fails the test.
const LIMIT: Duration = Duration::from_secs(90);
/// Inherited variables that would change what codex does here.
const REMOVED: &[&str] = &["OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_API_KEY"];

/// Runs codex-runner with `start` against a fresh mock in `scenario`.
fn against_mock(scenario: &str, start: impl FnOnce(&Path) -> Value) -> (Transcript, MockServer) {
    launch(scenario, start).finish(LIMIT)
}

fn launch(scenario: &str, start: impl FnOnce(&Path) -> Value) -> Launched {
    let (mock, dir) = prepare(scenario);
    let runner = start_runner(&dir, start);
    Launched { runner, mock, dir }
}

/// A mock in `scenario` and a directory with a codex home configured for it.
fn prepare(scenario: &str) -> (MockServer, TempDir) {
    let mock = MockServer::start("mock_responses.py", scenario);
    let dir = TempDir::new("real-codex");
    for sub in ["home", "codex-home", "tmp", "work"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    // One retry only, so the failure scenario ends in well under a second.
    let config = format!(
        "model_provider = \"mock\"\n\n[model_providers.mock]\nname = \"mock\"\n\
         base_url = \"http://127.0.0.1:{}/v1\"\nwire_api = \"responses\"\n\
         stream_max_retries = 1\nrequest_max_retries = 0\n",
        mock.port
    );
    std::fs::write(dir.join("codex-home").join("config.toml"), config).unwrap();
    (mock, dir)
}

/// Starts codex-runner with the codex home of `dir` (sessions persist
/// there from one run to the next).
fn start_runner(dir: &TempDir, start: impl FnOnce(&Path) -> Value) -> RunnerProcess {
    let (home, codex_home, tmp) = (dir.join("home"), dir.join("codex-home"), dir.join("tmp"));
    let envs = [
        ("HOME", home.to_str().unwrap()),
        ("CODEX_HOME", codex_home.to_str().unwrap()),
        ("TMPDIR", tmp.to_str().unwrap()),
    ];
    let work = dir.join("work");
    let start = start(&work);
    RunnerProcess::start_without(RUNNER, &start, &envs, REMOVED, &work)
}

fn settings(binary: &Path) -> Value {
    json!({"mode": "codex", "binary": binary, "model": "gpt-5.5", "effort": "high",
           "permissionMode": "", "sandbox": "workspace-write"})
}

#[test]
fn runs_an_ai_job_with_a_command() {
    let Some(codex) = real_cli("codex") else {
        return;
    };
    let (transcript, mock) = against_mock("tool", |work| {
        run_start(
            "Say hi after a command.",
            work.to_str().unwrap(),
            settings(&codex),
        )
    });
    let log = transcript.log();
    assert_eq!(transcript.result()["status"], "success", "log:\n{log}");
    for needle in [
        "(thinking) **Checking the directory** ↵ I will print a greeting first.\n",
        "→ $ echo hello-from-tool\n",
        "  ← hello-from-tool\n",
        "Hi! The command printed hello-from-tool.\n",
        "✓ done (2468 input / 112 output tokens)\n",
    ] {
        assert!(log.contains(needle), "log lacks {needle:?}:\n{log}");
    }
    assert!(
        !log.contains("Reading additional input from stdin"),
        "{log}"
    );
    assert_eq!(
        *transcript.of_type("usage")[0],
        json!({"type": "usage", "inputTokens": 2468, "outputTokens": 112, "costUsd": null, "model": "gpt-5.5",
               "turns": null})
    );
    let requests = mock.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(request["model"], "gpt-5.5");
        assert_eq!(request["reasoning"]["effort"], "high");
    }
}

#[test]
fn drafts_a_job_with_a_strict_output_schema() {
    let Some(codex) = real_cli("codex") else {
        return;
    };
    let (transcript, mock) = against_mock("draft", |_| {
        let job = json!({"description": "every Monday at 7:30 Paris time, report disk usage"});
        authoring_start("draft", job, json!({"binary": codex}))
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
            "draft": {"title": "Disk usage report", "type": "script", "body": "df -h /",
                "schedule": {"kind": "cron", "expr": "30 7 * * 1", "timezone": "Europe/Paris"}, "timeoutMs": 60000},
            "notes": "Prints the disk usage of /."})
    );
    let requests = mock.requests();
    let format = &requests[0]["text"]["format"];
    assert_eq!(format["type"], "json_schema");
    assert_eq!(format["strict"], true);
    assert_eq!(
        format["schema"],
        draft::schema(),
        "codex forwards our schema unchanged"
    );
}

#[test]
fn turn_failed_fails_the_run_after_retries() {
    let Some(codex) = real_cli("codex") else {
        return;
    };
    let (transcript, _mock) = against_mock("fail", |work| {
        run_start("hi", work.to_str().unwrap(), settings(&codex))
    });
    assert_eq!(transcript.result()["status"], "failure");
    assert_eq!(transcript.result()["exitCode"], 1);
    assert_eq!(
        transcript.error(),
        "stream disconnected before completion: mock upstream failure"
    );
    assert!(
        transcript.log().contains("⚠ Reconnecting... 1/1"),
        "{}",
        transcript.log()
    );
}

#[test]
fn stopping_a_run_leaves_its_process_group_empty() {
    let Some(codex) = real_cli("codex") else {
        return;
    };
    let launched = launch("hang", |work| {
        run_start("hi", work.to_str().unwrap(), settings(&codex))
    });
    assert!(
        eventually(LIMIT, || !launched.mock.requests().is_empty()),
        "codex never called the model"
    );
    let group = launched.runner.pid();
    assert!(
        group_members(group).len() >= 2,
        "the runner and codex share a group"
    );
    // What the supervisor does on timeout: a cancel message and SIGTERM to the group.
    launched.stop_and_expect_empty_group("timeout");
}

#[test]
fn a_usage_limit_is_rate_limited_until_its_reset() {
    let Some(codex) = real_cli("codex") else {
        return;
    };
    let (transcript, _mock) = against_mock("ratelimit", |work| {
        run_start("Say hi.", work.to_str().unwrap(), settings(&codex))
    });
    let result = transcript.result();
    assert_eq!(result["status"], "failure", "{result}");
    assert_eq!(result["errorKind"], "rate_limited", "{result}");
    assert!(
        result["error"]
            .as_str()
            .unwrap()
            .contains("hit your usage limit"),
        "{result}"
    );
    // The mock's reset is 2100-01-01T00:00:00Z, said in the machine's zone.
    let retry_at = result["retryAt"].as_str().unwrap();
    assert!(
        retry_at.starts_with("2100-01-01T") || retry_at.starts_with("2099-12-31T"),
        "{retry_at}"
    );
}

#[test]
fn the_token_cap_stops_a_real_codex_run() {
    let Some(codex) = real_cli("codex") else {
        return;
    };
    let (transcript, _mock) = against_mock("tool", |work| {
        let mut settings = settings(&codex);
        settings["maxTokens"] = json!(1000);
        run_start("Say hi after a command.", work.to_str().unwrap(), settings)
    });
    let result = transcript.result();
    assert_eq!(result["error"], "token cap of 1000 reached", "{result}");
    assert_eq!(result["errorKind"], "token_cap");
    assert_eq!(transcript.of_type("usage")[0]["inputTokens"], 2468);
}

#[test]
fn a_continued_session_is_resumed_by_the_real_codex() {
    let Some(codex) = real_cli("codex") else {
        return;
    };
    let (mock, dir) = prepare("tool");
    let continuing = |resume: Option<&str>| {
        let mut settings = settings(&codex);
        settings["session"] = json!("continue");
        if let Some(id) = resume {
            settings["resumeSessionId"] = json!(id);
        }
        settings
    };
    let first = start_runner(&dir, |work| {
        run_start(
            "Say hi after a command.",
            work.to_str().unwrap(),
            continuing(None),
        )
    })
    .finish(LIMIT);
    assert_eq!(first.result()["status"], "success", "{}", first.log());
    let session = first.result()["sessionId"].as_str().unwrap().to_owned();
    let asked_before = mock.requests().len();

    let second = start_runner(&dir, |work| {
        run_start(
            "And again.",
            work.to_str().unwrap(),
            continuing(Some(&session)),
        )
    })
    .finish(LIMIT);
    assert_eq!(second.result()["status"], "success", "{}", second.log());
    assert_eq!(
        second.result()["sessionId"],
        session.as_str(),
        "the same thread"
    );
    // The resumed request carries the first run's conversation.
    let requests = mock.requests();
    let resumed = &requests[asked_before];
    let first_inputs = requests[0]["input_types"].as_array().unwrap().len();
    assert!(
        resumed["input_types"].as_array().unwrap().len() > first_inputs,
        "{resumed}"
    );
}
