//! `backbeat export` and `backbeat import`: every job (and notification
//! channel) as JSON, and applying a list of wanted jobs (from an export, a
//! crontab or a jobs file) as creates, updates and deletes, reported by
//! title.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::args::ImportArgs;
use super::http::Client;
use super::output::print_json;
use super::{Exit, channels, crontab, exit, read_input, sync};
use crate::model::job_input::{READ_ONLY, normalize_tag};

/// A job as an export holds it: its writable fields only.
pub fn portable(job: &Value) -> Value {
    let mut job = job.as_object().cloned().unwrap_or_default();
    job.retain(|key, _| !READ_ONLY.contains(&key.as_str()));
    Value::Object(job)
}

pub fn export(client: &Client, file: Option<&Path>) -> anyhow::Result<bool> {
    let channels = all_channels(client)?;
    let names = channels::names_by_id(&channels);
    let jobs = client.get("/api/jobs")?;
    let jobs: Vec<Value> = jobs["jobs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|job| channels::refer_by_name(portable(job), &names))
        .collect();
    let channels: Vec<Value> = channels.iter().map(channels::portable).collect();
    let mut document = json!({ "backbeat": "export", "version": 1, "jobs": jobs });
    if !channels.is_empty() {
        document["channels"] = Value::Array(channels);
    }
    match file {
        Some(file) => {
            let text = serde_json::to_string_pretty(&document)? + "\n";
            std::fs::write(file, text).map_err(|e| {
                exit(
                    Exit::FAILURE,
                    format!("cannot write {}: {e}", file.display()),
                )
            })?;
            eprintln!("exported {} jobs to {}", jobs.len(), file.display());
        }
        None => print_json(&document),
    }
    Ok(true)
}

pub fn import(client: &Client, args: ImportArgs) -> anyhow::Result<bool> {
    if let Some(path) = &args.sync {
        return sync::sync(client, path, args.prune, args.dry_run, args.json);
    }
    if let Some(source) = &args.crontab {
        let source = match (&args.file, source.as_str()) {
            (Some(file), "-") => file.display().to_string(),
            _ => source.clone(),
        };
        return crontab::import(client, &source, &args);
    }
    let source = args
        .file
        .as_ref()
        .map(|f| f.display().to_string())
        .unwrap_or_else(|| "-".into());
    let text = read_input(&source)?;
    let document: Value = serde_json::from_str(&text)
        .map_err(|e| exit(Exit::USAGE, format!("{source}: not JSON: {e}")))?;
    let jobs = match &document {
        Value::Array(jobs) => jobs.clone(),
        Value::Object(map) if map.get("jobs").is_some_and(Value::is_array) => {
            map["jobs"].as_array().cloned().unwrap_or_default()
        }
        _ => {
            return Err(exit(
                Exit::USAGE,
                format!("{source}: expected an export ({{\"jobs\": [...]}}) or an array of jobs"),
            ));
        }
    };
    let wanted_channels = document
        .get("channels")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let existing_channels = all_channels(client)?;
    let applied = channels::apply(client, &existing_channels, &wanted_channels, args.dry_run);
    let existing = all_jobs(client)?;
    let mut changes = Vec::new();
    for job in jobs {
        let job = channels::refer_by_id(portable(&job), &applied.ids);
        let title = job["title"].as_str().unwrap_or("").trim().to_string();
        let matching: Vec<&Value> = existing
            .iter()
            .filter(|j| j["title"].as_str() == Some(title.as_str()))
            .collect();
        changes.push(match matching.as_slice() {
            [] => Change::create(title, job),
            [one] => Change::update(title, one, job),
            several => Change::failed(
                title,
                format!("{} jobs have this title; rename them first", several.len()),
            ),
        });
    }
    let mut report = apply(client, changes, args.dry_run);
    applied.report_into(&mut report);
    Ok(report.print(args.json, args.dry_run, &[]))
}

/// Every notification channel on the server.
fn all_channels(client: &Client) -> anyhow::Result<Vec<Value>> {
    Ok(client.get("/api/channels")?["channels"]
        .as_array()
        .cloned()
        .unwrap_or_default())
}

/// Every job on the server.
pub fn all_jobs(client: &Client) -> anyhow::Result<Vec<Value>> {
    Ok(client.get("/api/jobs")?["jobs"]
        .as_array()
        .cloned()
        .unwrap_or_default())
}

/// One planned change to the server's jobs.
pub struct Change {
    pub title: String,
    pub action: Action,
}

pub enum Action {
    Create(Value),
    /// The job's id and the fields that differ.
    Update(i64, Map<String, Value>),
    Unchanged,
    Delete(i64),
    Failed(String),
}

impl Change {
    pub fn create(title: String, job: Value) -> Change {
        Change {
            title,
            action: Action::Create(job),
        }
    }

    /// An update of `existing` to `wanted`, or `Unchanged` when every
    /// field of `wanted` already has its value (null = absent).
    pub fn update(title: String, existing: &Value, wanted: Value) -> Change {
        let differing: Map<String, Value> = wanted
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(key, value)| match key.as_str() {
                // The server completes a retry policy with its defaults:
                // only the parts given need to match.
                "retry" => !covers(&existing["retry"], value),
                // The server stores tags trimmed, lowercased, without repeats.
                "tags" => !same(&existing["tags"], &stored_tags(value)),
                _ => !same(&existing[key.as_str()], value),
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let id = existing["id"].as_i64().unwrap_or(0);
        Change {
            title,
            action: if differing.is_empty() {
                Action::Unchanged
            } else {
                Action::Update(id, differing)
            },
        }
    }

    pub fn failed(title: String, why: String) -> Change {
        Change {
            title,
            action: Action::Failed(why),
        }
    }
}

/// A `tags` value as the server would store it (unchanged if it cannot be).
fn stored_tags(wanted: &Value) -> Value {
    let Some(items) = wanted.as_array() else {
        return if wanted.is_null() {
            json!([])
        } else {
            wanted.clone()
        };
    };
    let mut tags: Vec<String> = Vec::new();
    for item in items {
        match item.as_str().map(normalize_tag) {
            Some(Ok(tag)) => {
                if !tags.contains(&tag) {
                    tags.push(tag);
                }
            }
            _ => return wanted.clone(),
        }
    }
    json!(tags)
}

/// Equal as JSON, with an object's null field the same as a missing one.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => a.keys().chain(b.keys()).all(|k| {
            same(
                a.get(k).unwrap_or(&Value::Null),
                b.get(k).unwrap_or(&Value::Null),
            )
        }),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
        }
        _ => a == b,
    }
}

/// `wanted`'s fields all have their values in `existing` (which may have more).
fn covers(existing: &Value, wanted: &Value) -> bool {
    match (existing, wanted) {
        (Value::Object(e), Value::Object(w)) => w
            .iter()
            .all(|(k, v)| same(e.get(k).unwrap_or(&Value::Null), v)),
        _ => same(existing, wanted),
    }
}

#[derive(Default, serde::Serialize)]
pub struct Report {
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
    pub deleted: Vec<String>,
    pub failed: Vec<Failure>,
}

#[derive(serde::Serialize)]
pub struct Failure {
    pub title: String,
    pub error: String,
}

/// Carries out `changes` (or only reports them with `dry_run`), going on
/// after a failure.
pub fn apply(client: &Client, changes: Vec<Change>, dry_run: bool) -> Report {
    let mut report = Report::default();
    for Change { title, action } in changes {
        let result = match &action {
            _ if dry_run => Ok(()),
            Action::Create(job) => client.call("POST", "/api/jobs", Some(job)).map(drop),
            Action::Update(id, fields) => client
                .call(
                    "PATCH",
                    &format!("/api/jobs/{id}"),
                    Some(&Value::Object(fields.clone())),
                )
                .map(drop),
            Action::Delete(id) => client
                .call("DELETE", &format!("/api/jobs/{id}"), None)
                .map(drop),
            Action::Unchanged | Action::Failed(_) => Ok(()),
        };
        match (action, result) {
            (_, Err(e)) => report.failed.push(Failure {
                title,
                error: format!("{e:#}").replace("\n  ", "; "),
            }),
            (Action::Create(_), Ok(())) => report.created.push(title),
            (Action::Update(..), Ok(())) => report.updated.push(title),
            (Action::Unchanged, Ok(())) => report.unchanged.push(title),
            (Action::Delete(_), Ok(())) => report.deleted.push(title),
            (Action::Failed(error), Ok(())) => report.failed.push(Failure { title, error }),
        }
    }
    report
}

impl Report {
    /// Prints one line per job and a summary (or JSON); true when nothing
    /// failed. `skipped` are (what, why) pairs of input not imported.
    pub fn print(&self, json: bool, dry_run: bool, skipped: &[(String, String)]) -> bool {
        if json {
            let mut value = serde_json::to_value(self).expect("reports serialize");
            value["dryRun"] = json!(dry_run);
            if !skipped.is_empty() {
                value["skipped"] = skipped
                    .iter()
                    .map(|(what, why)| json!({"line": what, "reason": why}))
                    .collect();
            }
            print_json(&value);
            return self.failed.is_empty();
        }
        let verb = |done: &'static str, would: &'static str| if dry_run { would } else { done };
        for (list, word) in [
            (&self.created, verb("created", "would create")),
            (&self.updated, verb("updated", "would update")),
            (&self.unchanged, "unchanged"),
            (&self.deleted, verb("deleted", "would delete")),
        ] {
            for title in list {
                println!("{word:<12}  {title}");
            }
        }
        for failure in &self.failed {
            println!("{:<12}  {}: {}", "FAILED", failure.title, failure.error);
        }
        for (what, why) in skipped {
            println!("{:<12}  {what}: {why}", "skipped");
        }
        println!(
            "{}{} created, {} updated, {} unchanged, {} deleted, {} failed{}",
            if dry_run { "dry run: " } else { "" },
            self.created.len(),
            self.updated.len(),
            self.unchanged.len(),
            self.deleted.len(),
            self.failed.len(),
            if skipped.is_empty() {
                String::new()
            } else {
                format!(", {} skipped", skipped.len())
            }
        );
        self.failed.is_empty()
    }
}
