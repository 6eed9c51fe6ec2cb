//! Notification channels in exports: channels travel by name (ids differ
//! between servers), so an export lists them without ids and its jobs'
//! `notify.channels` name them; an import finds or creates each channel by
//! name and turns the names back into this server's ids. Secrets are
//! exported masked ("••••"): a channel that must be created anew needs its
//! secret given by hand, and the import says so.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::http::Client;
use super::transfer::{Failure, Report};

/// Channel id → name.
pub fn names_by_id(channels: &[Value]) -> HashMap<i64, String> {
    channels
        .iter()
        .filter_map(|c| Some((c["id"].as_i64()?, c["name"].as_str()?.to_string())))
        .collect()
}

/// A channel as an export holds it: name, kind, config, enabled.
pub fn portable(channel: &Value) -> Value {
    json!({
        "name": channel["name"],
        "kind": channel["kind"],
        "config": channel["config"],
        "enabled": channel["enabled"],
    })
}

/// `job` with `notify.channels` ids replaced by channel names.
pub fn refer_by_name(job: Value, names: &HashMap<i64, String>) -> Value {
    map_channels(job, |c| {
        c.as_i64()
            .and_then(|id| names.get(&id))
            .map(|name| json!(name))
    })
}

/// `job` with `notify.channels` names replaced by this server's ids
/// (ids and unknown names are left as they are: the server then says
/// which one is wrong).
pub fn refer_by_id(job: Value, ids: &HashMap<String, i64>) -> Value {
    map_channels(job, |c| {
        c.as_str()
            .and_then(|name| ids.get(name))
            .map(|id| json!(id))
    })
}

fn map_channels(mut job: Value, to: impl Fn(&Value) -> Option<Value>) -> Value {
    if let Some(list) = job
        .get_mut("notify")
        .and_then(|n| n.get_mut("channels"))
        .and_then(Value::as_array_mut)
    {
        for channel in list.iter_mut() {
            if let Some(other) = to(channel) {
                *channel = other;
            }
        }
    }
    job
}

/// What became of the wanted channels (carried out now, unless `dry_run`,
/// because the jobs need their ids), and every channel's id by name.
pub struct Applied {
    pub ids: HashMap<String, i64>,
    outcomes: Vec<(String, Outcome)>,
}

enum Outcome {
    Created,
    Updated,
    Unchanged,
    Failed(String),
}

pub fn apply(client: &Client, existing: &[Value], wanted: &[Value], dry_run: bool) -> Applied {
    let mut ids: HashMap<String, i64> = existing
        .iter()
        .filter_map(|c| Some((c["name"].as_str()?.to_string(), c["id"].as_i64()?)))
        .collect();
    let mut outcomes = Vec::new();
    for channel in wanted {
        let name = channel["name"].as_str().unwrap_or("").to_string();
        let found = existing.iter().find(|c| c["name"] == channel["name"]);
        let outcome = match found {
            Some(known) if known["kind"] != channel["kind"] => Outcome::Failed(format!(
                "a channel of this name exists with kind {}, not {}",
                known["kind"], channel["kind"]
            )),
            Some(known) => {
                let mut changes = Map::new();
                for key in ["config", "enabled"] {
                    if known[key] != channel[key] && !channel[key].is_null() {
                        changes.insert(key.into(), channel[key].clone());
                    }
                }
                let path = format!("/api/channels/{}", known["id"]);
                match () {
                    _ if changes.is_empty() => Outcome::Unchanged,
                    _ if dry_run => Outcome::Updated,
                    _ => match client.call("PATCH", &path, Some(&Value::Object(changes))) {
                        Ok(_) => Outcome::Updated,
                        Err(e) => Outcome::Failed(format!("{e:#}")),
                    },
                }
            }
            None if dry_run => Outcome::Created,
            None => match client.call("POST", "/api/channels", Some(&portable(channel))) {
                Ok(created) => {
                    if let Some(id) = created["id"].as_i64() {
                        ids.insert(name.clone(), id);
                    }
                    Outcome::Created
                }
                Err(e) => Outcome::Failed(format!(
                    "{e:#}; secrets are exported as \"••••\": create this channel by hand first"
                )),
            },
        };
        outcomes.push((name, outcome));
    }
    Applied { ids, outcomes }
}

impl Applied {
    /// Adds the channels' outcomes to `report` as "channel <name>".
    pub fn report_into(self, report: &mut Report) {
        for (name, outcome) in self.outcomes {
            let title = format!("channel {name}");
            match outcome {
                Outcome::Created => report.created.push(title),
                Outcome::Updated => report.updated.push(title),
                Outcome::Unchanged => report.unchanged.push(title),
                Outcome::Failed(error) => report.failed.push(Failure {
                    title,
                    error: error.replace("\n  ", "; "),
                }),
            }
        }
    }
}
