//! The exact `claude` command lines: a job run (stream-json live log) and
//! a draft (one JSON result, no tools, answer shaped by `--json-schema`).
//! Empty settings leave their flag out; the prompt always follows `--`.

use ai_common::cli::flag;
use ai_common::draft::{self, Request};
use backbeat_protocol::AiSettings;

/// `claude -p --output-format stream-json --verbose [--model M] [--effort E]
/// [--permission-mode P] --no-session-persistence -- <prompt>`
pub fn run(settings: &AiSettings, prompt: &str) -> Vec<String> {
    let mut args = strings(&["-p", "--output-format", "stream-json", "--verbose"]);
    model_and_effort(settings, &mut args);
    flag(&mut args, "--permission-mode", &settings.permission_mode);
    args.push("--no-session-persistence".into());
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
}
