//! `backbeat import --crontab`: a crontab's lines as Backbeat jobs.
//! Five-field lines and `@aliases` become cron schedules; `VAR=value`
//! lines become the environment of the lines below them (`CRON_TZ`/`TZ`
//! the time zone, `SHELL` the shell); `%` works as in cron (the first
//! unescaped one starts the command's stdin, later ones are newlines,
//! `\%` is a `%`). What cannot be mapped is listed as skipped.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::args::ImportArgs;
use super::http::Client;
use super::read_input;
use super::transfer::{Change, all_jobs, apply};
use crate::scheduler::cron::expr::ALIASES;

/// What a crontab turned into.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Job bodies for `POST /api/jobs` (enabled unset).
    pub jobs: Vec<Value>,
    /// (`line N: text`, why it was not imported).
    pub skipped: Vec<(String, String)>,
}

const TITLE_CHARS: usize = 120;

/// Parses a crontab; `system` is the /etc/crontab format with a user
/// field, whose lines for users other than `me` are skipped.
pub fn parse(text: &str, system: bool, me: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    let mut zone: Option<String> = None;
    let mut shell = "/bin/sh".to_string();
    let mut titles: BTreeMap<String, usize> = BTreeMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let at = format!("line {}: {line}", index + 1);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let starts_entry = line.starts_with(|c: char| c.is_ascii_digit() || c == '*' || c == '@');
        if !starts_entry {
            match environment_line(line) {
                Some((name, value)) => match name.as_str() {
                    "MAILTO" | "MAILFROM" => parsed.skipped.push((
                        at,
                        "Backbeat sends no mail; each run's output is kept in its log".into(),
                    )),
                    "CRON_TZ" => zone = Some(value).filter(|v| !v.is_empty()),
                    "TZ" => {
                        zone = Some(value.clone()).filter(|v| !v.is_empty());
                        env.insert(name, value);
                    }
                    "SHELL" => shell = value,
                    "RANDOM_DELAY" | "CRON_CORRECT" | "START_HOURS_RANGE" => parsed.skipped.push((
                        at,
                        format!("{name} is a cron daemon setting Backbeat has no equivalent for"),
                    )),
                    _ => {
                        env.insert(name, value);
                    }
                },
                None => parsed
                    .skipped
                    .push((at, "neither a schedule line nor VAR=value".into())),
            }
            continue;
        }
        let (expr, rest) = if line.starts_with('@') {
            let (alias, rest) = split_field(line);
            match ALIASES.iter().find(|(name, _)| *name == alias) {
                Some((_, expr)) => (expr.to_string(), rest),
                None if alias == "@reboot" => {
                    parsed.skipped.push((
                        at,
                        "@reboot has no Backbeat schedule; use a manual job and `backbeat run` from a boot script, or a systemd unit".into(),
                    ));
                    continue;
                }
                None => {
                    parsed
                        .skipped
                        .push((at, format!("{alias} is not a cron alias")));
                    continue;
                }
            }
        } else {
            let mut fields = Vec::new();
            let mut rest = line;
            for _ in 0..5 {
                let (field, after) = split_field(rest);
                fields.push(field);
                rest = after;
            }
            if fields.iter().any(|f| f.is_empty()) {
                parsed
                    .skipped
                    .push((at, "fewer than five time fields".into()));
                continue;
            }
            (fields.join(" "), rest)
        };
        let command = if system {
            let (user, command) = split_field(rest);
            if user != me {
                parsed.skipped.push((
                    at,
                    format!("runs as {user}; Backbeat runs jobs as you ({me})"),
                ));
                continue;
            }
            command
        } else {
            rest
        };
        if command.trim().is_empty() {
            parsed.skipped.push((at, "no command".into()));
            continue;
        }
        let (command, stdin) = split_percent(command);
        let mut schedule = json!({"kind": "cron", "expr": expr});
        if let Some(zone) = &zone {
            schedule["timezone"] = json!(zone);
        }
        let title = unique_title(&mut titles, &command, index + 1);
        parsed.jobs.push(json!({
            "title": title,
            "type": "script",
            "body": body(&command, stdin.as_deref(), &shell),
            "schedule": schedule,
            "env": env,
        }));
    }
    parsed
}

/// `NAME=value` (spaces around `=` allowed; quotes keep blanks).
fn environment_line(line: &str) -> Option<(String, String)> {
    let (name, value) = line.split_once('=')?;
    let name = name.trim();
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return None;
    }
    let value = value.trim();
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|q| value.strip_prefix(*q).and_then(|v| v.strip_suffix(*q)));
    Some((name.to_string(), unquoted.unwrap_or(value).to_string()))
}

/// The first whitespace-separated field and the rest after its blanks.
fn split_field(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(end) => (&text[..end], text[end..].trim_start()),
        None => (text, ""),
    }
}

/// cron's `%`: the command up to the first unescaped `%`, then stdin
/// with later `%` as newlines; `\%` is a literal `%` in both.
pub fn split_percent(command: &str) -> (String, Option<String>) {
    let mut parts = vec![String::new()];
    let mut chars = command.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'%') => {
                parts.last_mut().expect("one part").push('%');
                chars.next();
            }
            '%' => parts.push(String::new()),
            c => parts.last_mut().expect("one part").push(c),
        }
    }
    let command = parts.remove(0).trim_end().to_string();
    let stdin = (!parts.is_empty()).then(|| parts.join("\n"));
    (command, stdin)
}

/// The script of a job: the command (in `shell` unless /bin/sh), with
/// `stdin` fed as a here-document.
fn body(command: &str, stdin: Option<&str>, shell: &str) -> String {
    let run = if shell == "/bin/sh" || shell == "sh" {
        command.to_string()
    } else {
        format!("exec {shell} -c '{}'", command.replace('\'', r"'\''"))
    };
    match stdin {
        None => run,
        Some(input) => {
            let mut marker = "CRON_STDIN".to_string();
            while input.lines().any(|l| l == marker) {
                marker.push('_');
            }
            // cron sends exactly the text; a here-document ends in a newline.
            let newline = if input.ends_with('\n') { "" } else { "\n" };
            format!("(\n{run}\n) <<'{marker}'\n{input}{newline}{marker}")
        }
    }
}

fn unique_title(titles: &mut BTreeMap<String, usize>, command: &str, line: usize) -> String {
    let collapsed = command.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut title: String = collapsed.chars().take(TITLE_CHARS).collect();
    if collapsed.chars().count() > TITLE_CHARS {
        title.push('…');
    }
    let seen = titles.entry(title.clone()).or_insert(0);
    *seen += 1;
    if *seen > 1 {
        title = format!("{title} (line {line})");
    }
    title
}

pub fn import(client: &Client, source: &str, args: &ImportArgs) -> anyhow::Result<bool> {
    let text = read_input(source)?;
    let system = args.system || source == "/etc/crontab" || source.starts_with("/etc/cron.d/");
    let me = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "root".into());
    let parsed = parse(&text, system, &me);
    let existing = all_jobs(client)?;
    let changes = parsed
        .jobs
        .into_iter()
        .map(|mut job| {
            let title = job["title"].as_str().unwrap_or("").to_string();
            match existing.iter().find(|j| j["title"] == job["title"]) {
                // A job imported before keeps whatever enabled state it has now.
                Some(found) => Change::update(title, found, job),
                None => {
                    job["enabled"] = json!(args.enable);
                    Change::create(title, job)
                }
            }
        })
        .collect();
    let report = apply(client, changes, args.dry_run);
    let ok = report.print(args.json, args.dry_run, &parsed.skipped);
    if !args.enable && !args.dry_run && !report.created.is_empty() && !args.json {
        println!(
            "imported jobs start disabled: `backbeat jobs enable <job>`, or import with --enable"
        );
    }
    Ok(ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_splits_stdin_like_cron() {
        assert_eq!(
            split_percent(r#"mail -s "It's 10pm" joe%Joe,%%Where are your kids?%"#),
            (
                r#"mail -s "It's 10pm" joe"#.to_string(),
                Some("Joe,\n\nWhere are your kids?\n".to_string())
            )
        );
        assert_eq!(split_percent(r"date +\%u"), ("date +%u".to_string(), None));
    }

    #[test]
    fn environment_applies_to_the_lines_below() {
        let parsed = parse(
            "1 * * * * a\nFOO = 'b c '\nCRON_TZ=Asia/Tokyo\n2 * * * * b\n",
            false,
            "me",
        );
        assert_eq!(parsed.jobs[0]["env"], json!({}));
        assert!(parsed.jobs[0]["schedule"].get("timezone").is_none());
        assert_eq!(parsed.jobs[1]["env"], json!({"FOO": "b c "}));
        assert_eq!(parsed.jobs[1]["schedule"]["timezone"], "Asia/Tokyo");
    }

    #[test]
    fn another_shell_wraps_the_command() {
        let parsed = parse("SHELL=/bin/bash\n@daily echo 'hi'\n", false, "me");
        assert_eq!(
            parsed.jobs[0]["body"],
            r"exec /bin/bash -c 'echo '\''hi'\'''"
        );
        assert_eq!(parsed.jobs[0]["schedule"]["expr"], "0 0 * * *");
    }
}
