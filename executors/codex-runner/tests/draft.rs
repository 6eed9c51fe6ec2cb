//! codex-runner's `draft` and `refine` tasks against the fake `codex`: the
//! argv (read-only sandbox, strict `--output-schema` file), the `draft`
//! message built from the final agent message, and clear failures.

use std::time::Duration;

use ai_common::testkit::{Recorded, RunnerProcess, TempDir, Transcript, authoring_start, fake_cli};
use serde_json::{Value, json};

const RUNNER: &str = env!("CARGO_BIN_EXE_codex-runner");
const WAIT: Duration = Duration::from_secs(10);

struct Authored {
    transcript: Transcript,
    recorded: Recorded,
    schema: Option<Value>,
}

fn author(scenario: &str, task: &str, job: Value, settings: Value) -> Authored {
    let dir = TempDir::new("codex-draft");
    let record = dir.join("record");
    let mut settings = settings;
    settings["binary"] = fake_cli("codex").into();
    let start = authoring_start(task, job, settings);
    let envs = [
        ("FAKE_CLI_SCENARIO", scenario),
        ("FAKE_CLI_RECORD", record.to_str().unwrap()),
    ];
    let transcript = RunnerProcess::start(RUNNER, &start, &envs, dir.path()).finish(WAIT);
    let schema = std::fs::read_to_string(format!("{}.schema", record.display()))
        .ok()
        .map(|text| serde_json::from_str(&text).expect("the schema file is JSON"));
    Authored {
        transcript,
        recorded: Recorded::read(&record),
        schema,
    }
}

fn draft(scenario: &str) -> Authored {
    author(
        scenario,
        "draft",
        json!({"description": "every Monday at 7:30 Paris time, report disk usage"}),
        json!({}),
    )
}

#[test]
fn asks_for_strict_structured_json_in_the_read_only_sandbox() {
    let authored = draft("draft");
    let argv = &authored.recorded.argv;
    assert_eq!(
        argv[..7],
        [
            "exec",
            "--json",
            "--skip-git-repo-check",
            "--color",
            "never",
            "-s",
            "read-only"
        ]
    );
    let schema_file = authored.recorded.flag("--output-schema").unwrap();
    assert!(
        !std::path::Path::new(schema_file).exists(),
        "the schema file is removed afterwards"
    );
    let schema = authored.schema.expect("codex got a schema file");
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(
        schema["required"].as_array().unwrap().len(),
        schema["properties"].as_object().unwrap().len()
    );
    assert_eq!(authored.recorded.stdin, "/dev/null");
    assert!(!argv.contains(&"-C".to_owned()) && !argv.contains(&"-m".to_owned()));
    let prompt = authored.recorded.after_dashdash();
    assert_eq!(prompt.len(), 1);
    for needle in [
        "5-field crontab",
        "POSIX sh script",
        "The current local date and time is",
        "report disk usage",
    ] {
        assert!(
            prompt[0].contains(needle),
            "prompt lacks {needle:?}: {}",
            prompt[0]
        );
    }
}

#[test]
fn answers_with_a_normalised_draft_message() {
    let authored = draft("draft");
    assert_eq!(
        *authored.transcript.of_type("draft")[0],
        json!({"type": "draft",
            "draft": {"title": "Disk usage report", "type": "script", "body": "df -h / > \"$HOME/disk-report.txt\"",
                "schedule": {"kind": "cron", "expr": "30 7 * * 1", "timezone": "Europe/Paris"}, "cwd": "/srv/reports"},
            "notes": "Writes the report to your home directory."})
    );
    assert_eq!(authored.transcript.result()["status"], "success");
}

#[test]
fn model_and_effort_are_passed_when_set() {
    let authored = author(
        "draft",
        "draft",
        json!({"description": "x"}),
        json!({"model": "gpt-5.5", "effort": "low"}),
    );
    assert_eq!(authored.recorded.flag("-m"), Some("gpt-5.5"));
    assert_eq!(
        authored.recorded.flag("-c"),
        Some("model_reasoning_effort=low")
    );
}

#[test]
fn failures_are_clear() {
    let authored = draft("draft-prose");
    assert!(authored.transcript.of_type("draft").is_empty());
    assert_eq!(
        authored.transcript.error(),
        "codex did not answer with a job as JSON: I need more details."
    );

    let authored = draft("retry-fail");
    assert_eq!(
        authored.transcript.error(),
        "codex failed: stream disconnected before completion: mock upstream failure"
    );

    let authored = draft("success");
    assert_eq!(
        authored.transcript.error(),
        "codex did not answer with a job as JSON: Hi! The command printed hello-from-tool."
    );
}

#[test]
fn refine_sends_the_current_job_and_the_change() {
    let job = json!({"title": "Disk report", "type": "script", "body": "df -h", "schedule": {"kind": "manual"},
        "env": {"SECRET": "hunter2"}, "instruction": "every Monday at 7:30"});
    let authored = author("draft", "refine", job, json!({}));
    let prompt = &authored.recorded.after_dashdash()[0];
    assert!(
        prompt.contains("\"body\": \"df -h\"")
            && prompt.contains("Requested change: every Monday at 7:30")
    );
    assert!(!prompt.contains("hunter2"));
    assert_eq!(authored.transcript.result()["status"], "success");
}
