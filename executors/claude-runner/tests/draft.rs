//! claude-runner's `draft` and `refine` tasks against the fake `claude`:
//! the argv (no tools, JSON schema, system prompt), the `draft` message
//! built from `structured_output` or from JSON text, and clear failures.

use std::time::Duration;

use ai_common::testkit::{Recorded, RunnerProcess, TempDir, Transcript, authoring_start, fake_cli};
use serde_json::{Value, json};

const RUNNER: &str = env!("CARGO_BIN_EXE_claude-runner");
const WAIT: Duration = Duration::from_secs(10);

fn author(scenario: &str, task: &str, job: Value, settings: Value) -> (Transcript, Recorded) {
    let dir = TempDir::new("claude-draft");
    let record = dir.join("record");
    let mut settings = settings;
    settings["binary"] = fake_cli("claude").into();
    let start = authoring_start(task, job, settings);
    let envs = [
        ("FAKE_CLI_SCENARIO", scenario),
        ("FAKE_CLI_RECORD", record.to_str().unwrap()),
    ];
    let transcript = RunnerProcess::start(RUNNER, &start, &envs, dir.path()).finish(WAIT);
    (transcript, Recorded::read(&record))
}

fn draft(scenario: &str) -> (Transcript, Recorded) {
    let job =
        json!({"description": "every weekday at 9, summarize yesterday's open pull requests"});
    author(
        scenario,
        "draft",
        job,
        json!({"model": "sonnet", "effort": "low", "now": "2026-11-24 09:42",
        "timezone": "Europe/Paris"}),
    )
}

#[test]
fn asks_for_structured_json_with_tools_disabled() {
    let (transcript, recorded) = draft("draft");
    let argv = &recorded.argv;
    assert_eq!(
        argv[..6],
        [
            "-p",
            "--output-format",
            "json",
            "--no-session-persistence",
            "--tools",
            ""
        ]
    );
    assert_eq!(recorded.flag("--model"), Some("sonnet"));
    assert_eq!(recorded.flag("--effort"), Some("low"));
    assert!(!argv.contains(&"--permission-mode".to_owned()));
    assert_eq!(recorded.stdin, "/dev/null");
    let schema: Value = serde_json::from_str(recorded.flag("--json-schema").unwrap()).unwrap();
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(
        schema["properties"]["schedule"]["properties"]["kind"]["enum"],
        json!(["cron", "once", "manual"])
    );
    let system = recorded.flag("--append-system-prompt").unwrap();
    for needle in [
        "2026-11-24 09:42",
        "Europe/Paris",
        "5-field crontab",
        "POSIX sh script",
        "\"ai\"",
    ] {
        assert!(
            system.contains(needle),
            "system prompt lacks {needle:?}: {system}"
        );
    }
    let prompt = recorded.after_dashdash();
    assert_eq!(prompt.len(), 1);
    assert!(prompt[0].contains("every weekday at 9, summarize yesterday's open pull requests"));
    assert_eq!(transcript.result()["status"], "success");
}

#[test]
fn answers_with_a_normalised_draft_message() {
    let (transcript, _) = draft("draft");
    let drafts = transcript.of_type("draft");
    assert_eq!(drafts.len(), 1);
    assert_eq!(
        *drafts[0],
        json!({"type": "draft",
            "draft": {"title": "Weekday PR summary", "type": "ai",
                "body": "Summarize yesterday's open pull requests and post the list.",
                "schedule": {"kind": "cron", "expr": "0 9 * * 1-5"}, "timeoutMs": 600000},
            "notes": "Runs at 09:00 on weekdays in the machine's time zone."})
    );
    assert_eq!(
        *transcript.result(),
        json!({"type": "result", "status": "success", "exitCode": 0, "error": null})
    );
    assert!(transcript.of_type("usage").is_empty());
}

#[test]
fn falls_back_to_json_text_and_a_bare_cron_string() {
    let (transcript, _) = draft("draft-text");
    assert_eq!(
        transcript.of_type("draft")[0]["draft"],
        json!({"title": "Nightly backup", "type": "script", "body": "tar czf /backups/notes.tgz ~/notes",
               "schedule": {"kind": "cron", "expr": "0 3 * * *"}})
    );
}

#[test]
fn unusable_answers_fail_with_the_reason() {
    let (transcript, _) = draft("draft-prose");
    assert!(transcript.of_type("draft").is_empty());
    assert_eq!(transcript.result()["status"], "failure");
    assert_eq!(
        transcript.error(),
        "claude did not answer with a job as JSON: I'm sorry, I can't help with that."
    );

    let (transcript, _) = draft("draft-nobody");
    assert_eq!(
        transcript.error(),
        "claude returned an unusable draft: body is missing"
    );

    let (transcript, _) = draft("draft-not-logged-in");
    assert_eq!(
        transcript.error(),
        "claude failed: Not logged in · Please run /login"
    );
    assert_eq!(transcript.result()["exitCode"], 1);
}

#[test]
fn refine_shows_the_current_job_and_the_change_but_not_the_env() {
    let job = json!({"title": "Nightly backup", "type": "script", "body": "tar czf /b.tgz ~/notes",
        "schedule": {"kind": "cron", "expr": "0 3 * * *"}, "cwd": "/home/me", "timeoutMs": null,
        "env": {"API_TOKEN": "hunter2"}, "enabled": true, "instruction": "run it at 4 instead"});
    let (transcript, recorded) = author("draft", "refine", job, json!({}));
    let prompt = &recorded.after_dashdash()[0];
    assert!(prompt.contains("\"title\": \"Nightly backup\""), "{prompt}");
    assert!(
        prompt.contains("Requested change: run it at 4 instead"),
        "{prompt}"
    );
    assert!(!prompt.contains("hunter2"), "{prompt}");
    assert!(
        recorded
            .flag("--append-system-prompt")
            .unwrap()
            .contains("copy every field")
    );
    assert!(recorded.flag("--model").is_none());
    assert_eq!(transcript.result()["status"], "success");
}

#[test]
fn a_missing_binary_fails_the_draft_clearly() {
    let dir = TempDir::new("claude-draft-missing");
    let start = authoring_start(
        "draft",
        json!({"description": "x"}),
        json!({"binary": "/nowhere/claude"}),
    );
    let transcript = RunnerProcess::start(RUNNER, &start, &[], dir.path()).finish(WAIT);
    assert!(
        transcript.error().starts_with(
            "claude not found: install Claude Code or set claudeBinary in Preferences"
        )
    );
}
