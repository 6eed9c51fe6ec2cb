//! The exact `claude` command lines: a job run (stream-json live log) and
//! a draft (one JSON result, no tools, answer shaped by `--json-schema`).
//! Empty settings leave their flag out; the prompt always follows `--`.

use ai_common::cli::flag;
use ai_common::draft::{self, Request};
use ai_common::guard::Limits;
use backbeat_protocol::AiSettings;

/// `claude -p --output-format stream-json --verbose [--model M] [--effort E]
/// [--permission-mode P] [--max-budget-usd X] (--no-session-persistence |
/// [--resume <session id>]) -- <prompt>`: a `continue` session keeps
/// persistence on (the next run resumes it) and resumes the previous one.
pub fn run(settings: &AiSettings, prompt: &str) -> Vec<String> {
    let mut args = strings(&["-p", "--output-format", "stream-json", "--verbose"]);
    model_and_effort(settings, &mut args);
    flag(&mut args, "--permission-mode", &settings.permission_mode);
    if let Some(budget) = Limits::from_settings(settings).max_budget_usd {
        args.extend(["--max-budget-usd".to_owned(), budget.to_string()]);
    }
    if settings.session == "continue" {
        flag(
            &mut args,
            "--resume",
            settings.resume_session_id.as_deref().unwrap_or(""),
        );
    } else {
        args.push("--no-session-persistence".into());
    }
    args.push("--".into());
    args.push(prompt.into());
    args
}

/// `claude -p --output-format json --no-session-persistence --tools ""
/// [--model M] [--effort E] --json-schema <schema> --append-system-prompt
/// <instructions> -- <request>`
pub fn draft(settings: &AiSettings, request: &Request) -> Vec<String> {
    let mut args = strings(&[
        "-p",
        "--output-format",
        "json",
        "--no-session-persistence",
        "--tools",
        "",
    ]);
    model_and_effort(settings, &mut args);
    args.push("--json-schema".into());
    args.push(draft::schema().to_string());
    args.push("--append-system-prompt".into());
    args.push(request.system_prompt());
    args.push("--".into());
    args.push(request.user_prompt());
    args
}

fn model_and_effort(settings: &AiSettings, args: &mut Vec<String>) {
    flag(args, "--model", &settings.model);
    flag(args, "--effort", &settings.effort);
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_leaves_out_empty_settings() {
        let settings = AiSettings {
            permission_mode: "acceptEdits".into(),
            ..AiSettings::default()
        };
        assert_eq!(
            run(&settings, "-v is a prompt"),
            [
                "-p",
                "--output-format",
                "stream-json",
                "--verbose",
                "--permission-mode",
                "acceptEdits",
                "--no-session-persistence",
                "--",
                "-v is a prompt"
            ]
        );
        let settings = AiSettings {
            model: "opus".into(),
            effort: "high".into(),
            ..AiSettings::default()
        };
        let args = run(&settings, "hi");
        assert_eq!(args[4..8], ["--model", "opus", "--effort", "high"]);
        assert!(!args.contains(&"--permission-mode".to_owned()));
    }

    #[test]
    fn budget_and_continued_sessions_add_their_flags() {
        let settings = AiSettings {
            max_budget_usd: Some(0.5),
            session: "continue".into(),
            resume_session_id: Some("76f5d983-0000".into()),
            ..AiSettings::default()
        };
        assert_eq!(
            run(&settings, "hi")[4..],
            [
                "--max-budget-usd",
                "0.5",
                "--resume",
                "76f5d983-0000",
                "--",
                "hi"
            ]
        );
        let first = AiSettings {
            session: "continue".into(),
            ..AiSettings::default()
        };
        assert_eq!(run(&first, "hi")[4..], ["--", "hi"]);
    }
}
