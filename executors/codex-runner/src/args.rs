//! The exact `codex exec` command lines: a job run (`--json` events in the
//! job's directory with the resolved sandbox) and a draft (read-only
//! sandbox, answer shaped by `--output-schema`). Empty settings leave their
//! flag out; the prompt always follows `--`.

use ai_common::cli::flag;
use backbeat_protocol::AiSettings;

/// `codex exec --json --skip-git-repo-check --color never -C <cwd>
/// [-s <sandbox>] [-m <model>] [-c model_reasoning_effort=<effort>]
/// [resume <session id>] -- <prompt>`. `resume` (a `continue` session with
/// a previous one) comes after exec's own options: it takes no `-C`/`-s`.
pub fn run(settings: &AiSettings, cwd: &str, prompt: &str) -> Vec<String> {
    let mut args = common();
    flag(&mut args, "-C", cwd);
    flag(&mut args, "-s", &settings.sandbox);
    model_and_effort(settings, &mut args);
    if settings.session == "continue" {
        flag(
            &mut args,
            "resume",
            settings.resume_session_id.as_deref().unwrap_or(""),
        );
    }
    args.extend(["--".to_owned(), prompt.to_owned()]);
    args
}

/// `codex exec --json --skip-git-repo-check --color never -s read-only
/// --output-schema <file> [-m <model>] [-c model_reasoning_effort=<effort>] -- <prompt>`
pub fn draft(settings: &AiSettings, schema_file: &str, prompt: &str) -> Vec<String> {
    let mut args = common();
    args.extend(["-s", "read-only", "--output-schema", schema_file].map(str::to_owned));
    model_and_effort(settings, &mut args);
    args.extend(["--".to_owned(), prompt.to_owned()]);
    args
}

fn common() -> Vec<String> {
    [
        "exec",
        "--json",
        "--skip-git-repo-check",
        "--color",
        "never",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn model_and_effort(settings: &AiSettings, args: &mut Vec<String>) {
    flag(args, "-m", &settings.model);
    let effort = settings.effort.trim();
    if !effort.is_empty() {
        args.extend(["-c".to_owned(), format!("model_reasoning_effort={effort}")]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_puts_settings_before_the_prompt() {
        let settings = AiSettings {
            model: "gpt-5.5".into(),
            effort: "high".into(),
            sandbox: "workspace-write".into(),
            ..AiSettings::default()
        };
        assert_eq!(
            run(&settings, "/w", "-x"),
            [
                "exec",
                "--json",
                "--skip-git-repo-check",
                "--color",
                "never",
                "-C",
                "/w",
                "-s",
                "workspace-write",
                "-m",
                "gpt-5.5",
                "-c",
                "model_reasoning_effort=high",
                "--",
                "-x"
            ]
        );
        let bare = run(&AiSettings::default(), "/w", "hi");
        assert_eq!(bare[5..], ["-C", "/w", "--", "hi"]);
    }

    #[test]
    fn a_continued_session_resumes_after_the_exec_options() {
        let settings = AiSettings {
            sandbox: "read-only".into(),
            session: "continue".into(),
            resume_session_id: Some("01a22aca-70a2".into()),
            ..AiSettings::default()
        };
        assert_eq!(
            run(&settings, "/w", "again")[5..],
            [
                "-C",
                "/w",
                "-s",
                "read-only",
                "resume",
                "01a22aca-70a2",
                "--",
                "again"
            ]
        );
    }
}
