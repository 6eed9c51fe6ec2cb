//! The notification fields of a job: `notify` (channels, events, repeat)
//! and `pingUrl`, their events, and their validation.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::validation::{Fields, Invalid};

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotifyEvent {
    /// A run ended `failure` or `timeout` with no retry left.
    Failure,
    /// The first success after a failure streak.
    Recovery,
    Success,
    Start,
    /// Still running after the job's `longRunMs` (emitted once per run).
    Long,
    /// Occurrences were missed while Backbeat was down.
    Missed,
    /// Reserved for cost budgets (a later issue).
    Budget,
    /// `POST /api/channels/{id}/test`.
    Test,
}

impl NotifyEvent {
    /// The events a job can subscribe to.
    pub const SUBSCRIBABLE: [NotifyEvent; 7] = [
        NotifyEvent::Failure,
        NotifyEvent::Recovery,
        NotifyEvent::Success,
        NotifyEvent::Start,
        NotifyEvent::Long,
        NotifyEvent::Missed,
        NotifyEvent::Budget,
    ];
    pub const DEFAULT_ON: [NotifyEvent; 2] = [NotifyEvent::Failure, NotifyEvent::Recovery];

    pub fn as_str(self) -> &'static str {
        match self {
            NotifyEvent::Failure => "failure",
            NotifyEvent::Recovery => "recovery",
            NotifyEvent::Success => "success",
            NotifyEvent::Start => "start",
            NotifyEvent::Long => "long",
            NotifyEvent::Missed => "missed",
            NotifyEvent::Budget => "budget",
            NotifyEvent::Test => "test",
        }
    }

    pub fn parse(text: &str) -> Option<NotifyEvent> {
        Self::SUBSCRIBABLE.into_iter().find(|e| e.as_str() == text)
    }
}

/// `notify` of a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NotifySettings {
    pub channels: Vec<i64>,
    pub on: Vec<NotifyEvent>,
    pub repeat: bool,
}

/// Parses `notify` (null or absent → `None`). `channel_ids` are the
/// channels that exist.
pub fn parse_notify(
    fields: &Fields,
    channel_ids: &[i64],
) -> Result<Option<NotifySettings>, Invalid> {
    let Some(notify) = fields.opt_object("notify")? else {
        return Ok(None);
    };
    notify.reject_unknown(&["channels", "on", "repeat"], &[])?;
    let channels = parse_channel_ids(&notify, "channels", channel_ids)?;
    let on = match notify.opt_array("on")? {
        None => NotifyEvent::DEFAULT_ON.to_vec(),
        Some(items) => {
            let mut on = Vec::new();
            for (index, item) in items.iter().enumerate() {
                let field = format!("notify.on[{index}]");
                let name = item
                    .as_str()
                    .ok_or_else(|| Invalid::wrong_type(field.clone(), "an event name string"))?;
                let event = NotifyEvent::parse(name).ok_or_else(|| {
                    Invalid::value(
                        field.clone(),
                        format!(
                            "unknown event {name:?}; use failure, recovery, success, start, long, missed or budget"
                        ),
                    )
                })?;
                if !on.contains(&event) {
                    on.push(event);
                }
            }
            on
        }
    };
    Ok(Some(NotifySettings {
        channels,
        on,
        repeat: notify.opt_bool("repeat")?.unwrap_or(false),
    }))
}

/// A list of existing channel ids at `key` (duplicates dropped).
pub fn parse_channel_ids(
    fields: &Fields,
    key: &str,
    channel_ids: &[i64],
) -> Result<Vec<i64>, Invalid> {
    let mut out = Vec::new();
    for (index, item) in fields.opt_array(key)?.into_iter().flatten().enumerate() {
        let field = format!("{}[{index}]", fields.path(key));
        let id = match item {
            Value::Number(n) => crate::validation::integer(n).map_err(|e| e.at(field.clone()))?,
            _ => return Err(Invalid::wrong_type(field, "a channel id (integer)")),
        };
        if !channel_ids.contains(&id) {
            return Err(Invalid::value(
                field,
                format!(
                    "channel {id} does not exist; create it under Preferences → Channels (GET /api/channels lists them)"
                ),
            ));
        }
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// Parses `pingUrl`: an http(s) URL, or null/empty for none.
pub fn parse_ping_url(fields: &Fields) -> Result<Option<String>, Invalid> {
    match fields.opt_str("pingUrl")?.map(str::trim) {
        None | Some("") => Ok(None),
        Some(url) => {
            check_http_url("pingUrl", url)?;
            Ok(Some(url.trim_end_matches('/').to_string()))
        }
    }
}

/// An absolute http:// or https:// URL without spaces.
pub fn check_http_url(field: &str, url: &str) -> Result<(), Invalid> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    let valid = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        && url.len() <= 2048
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid && url.parse::<ureq::http::Uri>().is_ok() {
        Ok(())
    } else {
        Err(Invalid::value(
            field,
            format!("{url:?} is not an http:// or https:// URL"),
        ))
    }
}
