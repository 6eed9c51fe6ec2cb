//! `backbeat jobs …`: list, show, add, edit, enable, disable, rm; and
//! finding a job by id or exact title.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::args::{JobFlags, JobsAction};
use super::http::Client;
use super::output::{Table, duration_of, local_time, print_json, schedule, text};
use super::{Exit, exit, read_input};

pub fn main(
    client: &Client,
    action: Option<JobsAction>,
    tags: &[String],
    json: bool,
) -> anyhow::Result<bool> {
    match action.unwrap_or(JobsAction::List { tag: Vec::new() }) {
        JobsAction::List { tag } => list(client, &[tags, &tag[..]].concat(), json)?,
        JobsAction::Show { job } => {
            let job = resolve(client, &job)?;
            if json {
                print_json(&job);
            } else {
                show(&job);
            }
        }
        JobsAction::Add {
            stdin,
            file,
            fields,
        } => {
            let mut body = match input(stdin.as_deref(), file.as_deref())? {
                Some(body) => body,
                None => Map::new(),
            };
            apply_flags(&mut body, &fields, None)?;
            if !body.contains_key("schedule") {
                body.insert("schedule".into(), json!({"kind": "manual"}));
            }
            if !body.contains_key("type") {
                body.insert("type".into(), json!("script"));
            }
            let job = client.call("POST", "/api/jobs", Some(&Value::Object(body)))?;
            report(&job, "created", json);
        }
        JobsAction::Edit {
            job,
            stdin,
            file,
            fields,
        } => {
            let existing = resolve(client, &job)?;
            let mut body = input(stdin.as_deref(), file.as_deref())?.unwrap_or_default();
            apply_flags(&mut body, &fields, Some(&existing))?;
            if body.is_empty() {
                return Err(exit(
                    Exit::USAGE,
                    "nothing to change: give flags such as --title or --cron, or --file",
                ));
            }
            let job = client.call(
                "PATCH",
                &format!("/api/jobs/{}", existing["id"]),
                Some(&Value::Object(body)),
            )?;
            report(&job, "updated", json);
        }
        JobsAction::Enable { job } => set_enabled(client, &job, true, json)?,
        JobsAction::Disable { job } => set_enabled(client, &job, false, json)?,
        JobsAction::Rm { job } => {
            let existing = resolve(client, &job)?;
            client.call("DELETE", &format!("/api/jobs/{}", existing["id"]), None)?;
            report(&existing, "deleted", json);
        }
    }
    Ok(true)
}

fn list(client: &Client, tags: &[String], json: bool) -> anyhow::Result<()> {
    let mut path = String::from("/api/jobs");
    if !tags.is_empty() {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for tag in split_tags(tags) {
            query.append_pair("tag", &tag);
        }
        path = format!("{path}?{}", query.finish());
    }
    let jobs = client.get(&path)?;
    if json {
        print_json(&jobs["jobs"]);
        return Ok(());
    }
    let mut table = Table::new(&[
        ">ID", "ON", "TYPE", "SCHEDULE", "NEXT RUN", "LAST", "TAGS", "TITLE",
    ]);
    for job in jobs["jobs"].as_array().into_iter().flatten() {
        table.row(vec![
            job["id"].to_string(),
            yes_no(&job["enabled"]).into(),
            text(&job["type"]),
            schedule(&job["schedule"]),
            local_time(&job["nextRunAt"]),
            text(&job["lastRun"]["status"]),
            tag_list(&job["tags"]),
            text(&job["title"]),
        ]);
    }
    table.print();
    Ok(())
}

fn report(job: &Value, verb: &str, json: bool) {
    if json {
        print_json(job);
    } else {
        println!("{verb} job {} “{}”", job["id"], text(&job["title"]));
    }
}

fn set_enabled(client: &Client, spec: &str, enabled: bool, json: bool) -> anyhow::Result<()> {
    let existing = resolve(client, spec)?;
    let job = client.call(
        "PATCH",
        &format!("/api/jobs/{}", existing["id"]),
        Some(&json!({ "enabled": enabled })),
    )?;
    report(&job, if enabled { "enabled" } else { "disabled" }, json);
    Ok(())
}

/// The job `spec` names: an id, else the one job with exactly that title.
pub fn resolve(client: &Client, spec: &str) -> anyhow::Result<Value> {
    if let Ok(id) = spec.trim().parse::<i64>()
        && id > 0
    {
        match client.get(&format!("/api/jobs/{id}")) {
            Ok(job) => return Ok(job),
            Err(e) if Exit::code_of(&e) == Exit::NOT_FOUND => {}
            Err(e) => return Err(e),
        }
    }
    let jobs = client.get("/api/jobs")?;
    let matching: Vec<&Value> = jobs["jobs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|j| j["title"].as_str() == Some(spec))
        .collect();
    match matching.as_slice() {
        [job] => Ok((*job).clone()),
        [] => Err(exit(
            Exit::NOT_FOUND,
            format!("no job has the id or title {spec:?}; `backbeat jobs` lists them"),
        )),
        several => Err(exit(
            Exit::USAGE,
            format!(
                "{} jobs are titled {spec:?}; use an id: {}",
                several.len(),
                several
                    .iter()
                    .map(|j| j["id"].to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

fn input(stdin: Option<&str>, file: Option<&Path>) -> anyhow::Result<Option<Map<String, Value>>> {
    let source = match (stdin, file) {
        (Some("-"), _) => Some("-".into()),
        (Some(other), _) => {
            return Err(exit(
                Exit::USAGE,
                format!("unexpected argument {other:?}: use `-` to read JSON from stdin"),
            ));
        }
        (None, Some(file)) => Some(file.display().to_string()),
        (None, None) => None,
    };
    let Some(source) = source else {
        return Ok(None);
    };
    let text = read_input(&source)?;
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => Ok(Some(map)),
        Ok(_) => Err(exit(
            Exit::USAGE,
            format!("{source}: expected a JSON object (a job)"),
        )),
        Err(e) => Err(exit(Exit::USAGE, format!("{source}: not JSON: {e}"))),
    }
}

/// Puts the fields given as flags into `body`; `existing` (edit) is the
/// job whose env the `-e`/`--unset-env` flags change.
fn apply_flags(
    body: &mut Map<String, Value>,
    flags: &JobFlags,
    existing: Option<&Value>,
) -> anyhow::Result<()> {
    let mut set = |key: &str, value: Value| {
        body.insert(key.to_string(), value);
    };
    if let Some(title) = &flags.title {
        set("title", json!(title));
    }
    if let Some(job_type) = &flags.job_type {
        set("type", json!(job_type));
    }
    if let Some(text) = &flags.body {
        let text = match text.strip_prefix('@') {
            Some(path) => read_input(path)?,
            None => text.clone(),
        };
        set("body", json!(text));
    }
    if let Some(expr) = &flags.cron {
        let mut schedule = json!({"kind": "cron", "expr": expr});
        if let Some(tz) = &flags.tz {
            schedule["timezone"] = json!(tz);
        }
        set("schedule", schedule);
    }
    if let Some(at) = &flags.at {
        set("schedule", json!({"kind": "once", "at": at}));
    }
    if flags.manual {
        set("schedule", json!({"kind": "manual"}));
    }
    if let Some(cwd) = &flags.cwd {
        set(
            "cwd",
            if cwd.is_empty() {
                Value::Null
            } else {
                json!(cwd)
            },
        );
    }
    if !flags.env.is_empty() || !flags.unset_env.is_empty() {
        let mut env = existing
            .and_then(|j| j["env"].as_object().cloned())
            .unwrap_or_default();
        for (key, value) in parse_env(&flags.env)? {
            env.insert(key, json!(value));
        }
        for key in &flags.unset_env {
            env.remove(key);
        }
        set("env", Value::Object(env));
    }
    if let Some(timeout) = &flags.timeout {
        set("timeoutMs", parse_timeout(timeout)?);
    }
    if let Some(overlap) = &flags.overlap {
        set("overlap", json!(overlap));
    }
    if let Some(catch_up) = &flags.catch_up {
        set(
            "catchUp",
            match catch_up.as_str() {
                "true" => json!(true),
                "false" => json!(false),
                policy => json!(policy),
            },
        );
    }
    if flags.disabled {
        set("enabled", json!(false));
    }
    if !flags.tag.is_empty() {
        set("tags", json!(split_tags(&flags.tag)));
    }
    Ok(())
}

/// `--tag a --tag b,c` as the list `[a, b, c]` (empty items dropped).
fn split_tags(flags: &[String]) -> Vec<String> {
    flags
        .iter()
        .flat_map(|flag| flag.split(','))
        .map(str::trim)
        .filter(|tag| !tag.is_empty())
        .map(str::to_string)
        .collect()
}

/// A job's tags for a table cell: `backup,nightly`, or `-` for none.
fn tag_list(tags: &Value) -> String {
    let tags: Vec<&str> = tags
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if tags.is_empty() {
        "-".into()
    } else {
        tags.join(",")
    }
}

/// `KEY=VALUE` pairs.
pub fn parse_env(pairs: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    pairs
        .iter()
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
            _ => Err(exit(
                Exit::USAGE,
                format!("-e {pair:?}: expected KEY=VALUE"),
            )),
        })
        .collect()
}

/// `90s`, `10m`, `2h`, `1d`, plain seconds, or `none` → milliseconds.
fn parse_timeout(text: &str) -> anyhow::Result<Value> {
    let text = text.trim();
    if text == "none" || text.is_empty() {
        return Ok(Value::Null);
    }
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let factor = match unit {
        "" | "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => 0,
    };
    match number.parse::<i64>() {
        Ok(n) if factor > 0 => Ok(json!(n * factor)),
        _ => Err(exit(
            Exit::USAGE,
            format!("--timeout {text:?}: use a number with s, m, h or d (90s, 10m, 2h), or none"),
        )),
    }
}

fn yes_no(value: &Value) -> &'static str {
    if value == &Value::Bool(true) {
        "yes"
    } else {
        "no"
    }
}

/// "$1.23 of $5.00" (its daily budget), or "$1.23" without one.
fn spent_today(job: &Value) -> String {
    let spent = format!("${:.2}", job["spentTodayUsd"].as_f64().unwrap_or(0.0));
    match job["ai"]["dailyBudgetUsd"].as_f64() {
        Some(budget) => format!("{spent} of ${budget:.2} (last 24 h)"),
        None => format!("{spent} (last 24 h)"),
    }
}

fn show(job: &Value) {
    let env: Vec<String> = job["env"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
        .collect();
    let last = &job["lastRun"];
    let last = if last.is_null() {
        "-".to_string()
    } else {
        format!(
            "run {} {} at {} ({})",
            last["id"],
            text(&last["status"]),
            local_time(&last["finishedAt"]),
            duration_of(&last["durationMs"])
        )
    };
    let mut table = Table::new(&["FIELD", "VALUE"]);
    let spent = (job["type"] == "ai").then(|| spent_today(job));
    for (name, value) in [
        ("id", job["id"].to_string()),
        ("title", text(&job["title"])),
        ("type", text(&job["type"])),
        ("enabled", yes_no(&job["enabled"]).into()),
        ("schedule", schedule(&job["schedule"])),
        ("next run", local_time(&job["nextRunAt"])),
        ("last run", last),
        ("spent today", spent.unwrap_or_default()),
        ("cwd", text(&job["cwd"])),
        (
            "env",
            if env.is_empty() {
                "-".into()
            } else {
                env.join(" ")
            },
        ),
        ("timeout", duration_of(&job["timeoutMs"])),
        ("overlap", text(&job["overlap"])),
        ("catch up", text(&job["catchUp"])),
        ("tags", tag_list(&job["tags"])),
        ("created", local_time(&job["createdAt"])),
        ("updated", local_time(&job["updatedAt"])),
    ] {
        // Spend is shown for AI jobs only.
        if !(name == "spent today" && value.is_empty()) {
            table.row(vec![name.to_string(), value]);
        }
    }
    let rendered = table.render();
    // Drop the header line: a detail view needs none.
    print!(
        "{}",
        rendered
            .split_once('\n')
            .map(|(_, rest)| rest)
            .unwrap_or("")
    );
    println!("body:");
    for line in text(&job["body"]).lines() {
        println!("    {line}");
    }
}
