//! `backbeat import --sync FILE`: applies a declarative jobs file
//! (api-spec/schemas/jobs-file.json). Each job in it is keyed by a name,
//! stored on the job as `managedAs`; a sync creates and updates those jobs
//! and, with `--prune`, deletes managed jobs the file no longer lists.
//! Jobs without `managedAs` (made in the dashboard, by `jobs add`, by a
//! plain import) are never touched.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::http::Client;
use super::transfer::{Action, Change, all_jobs, apply};
use super::{Exit, exit, read_input};

/// What an absent field of a declared job means: the API's defaults, so
/// that deleting a line from the file resets the field on the next sync.
fn defaults() -> Map<String, Value> {
    json!({
        "type": "script",
        "enabled": true,
        "cwd": null,
        "env": {},
        "timeoutMs": null,
        "ai": null,
        "overlap": "queue",
        "catchUp": "none",
        "retry": null,
        "stallTimeoutMs": null,
        "longRunMs": null,
    })
    .as_object()
    .cloned()
    .expect("an object")
}

/// The declared jobs of a jobs file, by name, as job bodies.
pub fn parse(text: &str, source: &str) -> anyhow::Result<Vec<(String, Value)>> {
    let bad = |why: String| exit(Exit::USAGE, format!("{source}: {why}"));
    let document: Value = serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
    let Some(top) = document.as_object() else {
        return Err(bad("expected an object with \"jobs\"".into()));
    };
    if let Some(key) = top
        .keys()
        .find(|k| !["$schema", "jobs"].contains(&k.as_str()))
    {
        return Err(bad(format!("unknown field {key:?}; expected \"jobs\"")));
    }
    let Some(jobs) = top.get("jobs").and_then(Value::as_object) else {
        return Err(bad("\"jobs\" must be an object of jobs by name".into()));
    };
    let mut declared = Vec::new();
    for (name, spec) in jobs {
        let Some(spec) = spec.as_object() else {
            return Err(bad(format!("jobs.{name} must be an object (a job)")));
        };
        if name.trim().is_empty() || name.trim() != name {
            return Err(bad(format!(
                "job name {name:?} must be non-empty, without surrounding blanks"
            )));
        }
        let mut job = defaults();
        job.insert("title".into(), json!(name));
        for (key, value) in spec {
            if key == "managedAs" {
                return Err(bad(format!(
                    "jobs.{name}.managedAs is set by the sync itself; remove it"
                )));
            }
            job.insert(key.clone(), value.clone());
        }
        // The older boolean catch-up reads back as its policy.
        if let Some(Value::Bool(on)) = job.get("catchUp") {
            let policy = if *on { "last" } else { "none" };
            job.insert("catchUp".into(), json!(policy));
        }
        job.insert("managedAs".into(), json!(name));
        declared.push((name.clone(), Value::Object(job)));
    }
    Ok(declared)
}

pub fn sync(
    client: &Client,
    path: &Path,
    prune: bool,
    dry_run: bool,
    json: bool,
) -> anyhow::Result<bool> {
    let source = path.display().to_string();
    let declared = parse(&read_input(&source)?, &source)?;
    let existing = all_jobs(client)?;
    let managed = |name: &str| {
        existing
            .iter()
            .find(|j| j["managedAs"].as_str() == Some(name))
    };
    let mut changes: Vec<Change> = declared
        .iter()
        .map(|(name, job)| {
            let title = job["title"].as_str().unwrap_or(name).to_string();
            match managed(name) {
                Some(found) => Change::update(title, found, job.clone()),
                None => Change::create(title, job.clone()),
            }
        })
        .collect();
    let mut left = Vec::new();
    for job in &existing {
        let Some(name) = job["managedAs"].as_str() else {
            continue;
        };
        if declared.iter().any(|(n, _)| n == name) {
            continue;
        }
        let title = job["title"].as_str().unwrap_or(name).to_string();
        if prune {
            changes.push(Change {
                title,
                action: Action::Delete(job["id"].as_i64().unwrap_or(0)),
            });
        } else {
            left.push((
                title,
                format!("no longer in {source} (managed as {name:?}); --prune deletes it"),
            ));
        }
    }
    let report = apply(client, changes, dry_run);
    Ok(report.print(json, dry_run, &left))
}
