//! Normalising the model's answer into the draft the supervisor expects:
//! `{"title","type","body","schedule":{…},"cwd"?,"timeoutMs"?}` with nulls
//! dropped, a bare cron string turned into a cron schedule object, values
//! the API would refuse repaired where possible (`~` paths, timeouts out of
//! range, a space before the time), and a missing title or body rejected.
//! Cron syntax itself is the supervisor's to check.

use serde_json::{Map, Value, json};

/// A normalised draft and the model's notes.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub draft: Value,
    pub notes: String,
}

/// Reads a JSON object from model text: plain JSON, JSON in a Markdown
/// code fence, or the outermost `{…}` in prose.
pub fn parse_answer_text(text: &str) -> Option<Value> {
    let text = text.trim();
    let unfenced = text
        .strip_prefix("```json")
        .or_else(|| text.strip_prefix("```"))
        .and_then(|rest| rest.trim_end().strip_suffix("```"))
        .unwrap_or(text);
    if let Ok(value @ Value::Object(_)) = serde_json::from_str(unfenced.trim()) {
        return Some(value);
    }
    let (start, end) = (text.find('{')?, text.rfind('}')?);
    match serde_json::from_str(text.get(start..=end)?) {
        Ok(value @ Value::Object(_)) => Some(value),
        _ => None,
    }
}

/// Turns the model's answer into a draft; `default_type` is used when the
/// answer has no usable `type`.
pub fn normalize(answer: &Value, default_type: &str) -> Result<Draft, String> {
    let object = answer
        .as_object()
        .ok_or("the answer is not a JSON object")?;
    let title = required_text(object, "title")?;
    let body = required_text(object, "body")?;
    let job_type = match text(object.get("type")) {
        Some(t) if is_type_name(&t) => t,
        _ => default_type.to_owned(),
    };
    let mut draft = Map::new();
    draft.insert("title".into(), title.into());
    draft.insert("type".into(), job_type.into());
    draft.insert("body".into(), body.into());
    draft.insert("schedule".into(), schedule(object.get("schedule"))?);
    let mut notes = text(object.get("notes")).unwrap_or_default();
    if let Some(cwd) = text(object.get("cwd")) {
        match absolute_dir(&cwd, std::env::var("HOME").ok().as_deref()) {
            Some(cwd) => {
                draft.insert("cwd".into(), cwd.into());
            }
            None => add_note(
                &mut notes,
                &format!(
                    "The suggested working directory {cwd:?} is not an absolute path, so the home directory is used."
                ),
            ),
        }
    }
    let timeout = object
        .get("timeoutMs")
        .and_then(whole_number)
        .filter(|t| *t > 0);
    if let Some(timeout) = timeout {
        draft.insert(
            "timeoutMs".into(),
            timeout.clamp(MIN_TIMEOUT_MS, MAX_TIMEOUT_MS).into(),
        );
    }
    Ok(Draft {
        draft: Value::Object(draft),
        notes,
    })
}

/// The job timeout range the API accepts.
const MIN_TIMEOUT_MS: u64 = 1000;
const MAX_TIMEOUT_MS: u64 = 604_800_000;

/// An absolute path, with a leading `~` expanded to `home`; `None` for a
/// relative path the API would refuse.
fn absolute_dir(cwd: &str, home: Option<&str>) -> Option<String> {
    if cwd.starts_with('/') {
        return Some(cwd.to_owned());
    }
    let home = home.filter(|h| h.starts_with('/'))?.trim_end_matches('/');
    match cwd.strip_prefix('~') {
        Some("") => Some(home.to_owned()),
        Some(rest) if rest.starts_with('/') => Some(format!("{home}{rest}")),
        _ => None,
    }
}

fn add_note(notes: &mut String, note: &str) {
    if !notes.is_empty() {
        notes.push(' ');
    }
    notes.push_str(note);
}

fn schedule(value: Option<&Value>) -> Result<Value, String> {
    let object = match value {
        None | Some(Value::Null) => return Ok(json!({"kind": "manual"})),
        Some(Value::String(s)) => return Ok(schedule_from_text(s)),
        Some(Value::Object(object)) => object,
        Some(other) => {
            return Err(format!(
                "schedule is neither an object nor a string: {other}"
            ));
        }
    };
    let expr = text(object.get("expr").or_else(|| object.get("cron")));
    let at = text(object.get("at"));
    let kind = text(object.get("kind")).map(|k| k.to_ascii_lowercase());
    let kind = kind.unwrap_or_else(|| {
        if expr.is_some() {
            "cron".into()
        } else if at.is_some() {
            "once".into()
        } else {
            "manual".into()
        }
    });
    match kind.as_str() {
        "cron" => {
            let expr = expr.ok_or("schedule.expr is missing for a cron schedule")?;
            let mut cron = json!({"kind": "cron", "expr": expr});
            if let Some(zone) = text(object.get("timezone")) {
                cron["timezone"] = zone.into();
            }
            Ok(cron)
        }
        "once" => {
            let at = at.ok_or("schedule.at is missing for a once schedule")?;
            Ok(json!({"kind": "once", "at": repair_timestamp(&at)}))
        }
        "manual" => Ok(json!({"kind": "manual"})),
        other => Err(format!("unknown schedule kind {other:?}")),
    }
}

/// A bare string: `manual`, an RFC 3339 time (once), else a cron expression.
fn schedule_from_text(text: &str) -> Value {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("manual") {
        json!({"kind": "manual"})
    } else if looks_like_timestamp(text) {
        json!({"kind": "once", "at": text})
    } else {
        json!({"kind": "cron", "expr": text.split_whitespace().collect::<Vec<_>>().join(" ")})
    }
}

/// `2026-12-01 09:00:00+01:00` → `2026-12-01T09:00:00+01:00` (RFC 3339
/// allows the space, the API's parser may not).
fn repair_timestamp(at: &str) -> String {
    let bytes = at.as_bytes();
    if bytes.len() > 10 && bytes[10] == b' ' && bytes[..4].iter().all(u8::is_ascii_digit) {
        format!("{}T{}", &at[..10], &at[11..])
    } else {
        at.to_owned()
    }
}

fn looks_like_timestamp(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 16
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[10] == b'T'
}

fn required_text(object: &Map<String, Value>, key: &str) -> Result<String, String> {
    text(object.get(key)).ok_or_else(|| format!("{key} is missing"))
}

/// A non-empty trimmed string, else `None` (null, missing, blank).
fn text(value: Option<&Value>) -> Option<String> {
    let s = value?.as_str()?.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

fn whole_number(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `script`, `ai`, or a custom executor's type name.
fn is_type_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && name.len() <= 32
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_nulls_and_keeps_values() {
        let answer = json!({"title": "Backup", "type": "script", "body": "tar czf /b.tgz ~/n",
            "schedule": {"kind": "cron", "expr": "0 3 * * *", "timezone": null, "at": null},
            "cwd": null, "timeoutMs": 60000, "notes": "Check /b exists."});
        let draft = normalize(&answer, "script").unwrap();
        assert_eq!(
            draft.draft,
            json!({"title": "Backup", "type": "script", "body": "tar czf /b.tgz ~/n",
                   "schedule": {"kind": "cron", "expr": "0 3 * * *"}, "timeoutMs": 60000})
        );
        assert_eq!(draft.notes, "Check /b exists.");
    }

    #[test]
    fn accepts_bare_schedule_strings() {
        let draft = |schedule: Value| {
            normalize(
                &json!({"title": "t", "body": "b", "schedule": schedule}),
                "ai",
            )
            .unwrap()
            .draft["schedule"]
                .clone()
        };
        assert_eq!(
            draft(json!("0  9 * * 1-5")),
            json!({"kind": "cron", "expr": "0 9 * * 1-5"})
        );
        assert_eq!(
            draft(json!("@daily")),
            json!({"kind": "cron", "expr": "@daily"})
        );
        assert_eq!(
            draft(json!("2026-12-01T09:00:00+01:00")),
            json!({"kind": "once", "at": "2026-12-01T09:00:00+01:00"})
        );
        assert_eq!(draft(json!("manual")), json!({"kind": "manual"}));
        assert_eq!(draft(Value::Null), json!({"kind": "manual"}));
        assert_eq!(
            draft(
                json!({"kind": "once", "expr": null, "timezone": null, "at": "2026-12-01T09:00:00Z"})
            ),
            json!({"kind": "once", "at": "2026-12-01T09:00:00Z"})
        );
        assert_eq!(
            draft(json!({"kind": "cron", "expr": "0 9 * * *", "timezone": "Europe/Paris"})),
            json!({"kind": "cron", "expr": "0 9 * * *", "timezone": "Europe/Paris"})
        );
    }

    #[test]
    fn rejects_unusable_answers() {
        assert_eq!(
            normalize(&json!({"title": "t", "body": " "}), "script").unwrap_err(),
            "body is missing"
        );
        assert_eq!(
            normalize(&json!({"body": "b"}), "script").unwrap_err(),
            "title is missing"
        );
        assert!(normalize(&json!([1]), "script").is_err());
        let no_expr =
            json!({"title": "t", "body": "b", "schedule": {"kind": "cron", "expr": null}});
        assert!(
            normalize(&no_expr, "script")
                .unwrap_err()
                .contains("schedule.expr")
        );
        let weird = json!({"title": "t", "body": "b", "schedule": {"kind": "hourly"}});
        assert!(normalize(&weird, "script").unwrap_err().contains("hourly"));
    }

    #[test]
    fn repairs_what_the_api_would_refuse() {
        assert_eq!(absolute_dir("/srv", None).as_deref(), Some("/srv"));
        assert_eq!(
            absolute_dir("~/notes", Some("/home/me/")).as_deref(),
            Some("/home/me/notes")
        );
        assert_eq!(
            absolute_dir("~", Some("/home/me")).as_deref(),
            Some("/home/me")
        );
        assert_eq!(absolute_dir("notes", Some("/home/me")), None);
        let answer = json!({"title": "t", "body": "b", "cwd": "notes", "timeoutMs": 10, "notes": "Hi.",
            "schedule": {"kind": "once", "at": "2026-12-01 09:00:00+01:00"}});
        let draft = normalize(&answer, "script").unwrap();
        assert_eq!(draft.draft.get("cwd"), None);
        assert!(
            draft
                .notes
                .starts_with("Hi. The suggested working directory \"notes\""),
            "{}",
            draft.notes
        );
        assert_eq!(draft.draft["timeoutMs"], 1000);
        assert_eq!(draft.draft["schedule"]["at"], "2026-12-01T09:00:00+01:00");
        let huge = json!({"title": "t", "body": "b", "timeoutMs": 1e12});
        assert_eq!(
            normalize(&huge, "script").unwrap().draft["timeoutMs"],
            604_800_000
        );
        let zero = json!({"title": "t", "body": "b", "timeoutMs": 0});
        assert_eq!(
            normalize(&zero, "script").unwrap().draft.get("timeoutMs"),
            None
        );
    }

    #[test]
    fn keeps_the_default_type_for_unusable_types() {
        let answer = json!({"title": "t", "body": "b", "type": "Bad Type!"});
        assert_eq!(normalize(&answer, "ai").unwrap().draft["type"], "ai");
    }

    #[test]
    fn parses_json_out_of_model_text() {
        assert_eq!(parse_answer_text("{\"a\":1}"), Some(json!({"a": 1})));
        assert_eq!(
            parse_answer_text("```json\n{\"a\":1}\n```"),
            Some(json!({"a": 1}))
        );
        assert_eq!(
            parse_answer_text("Here it is: {\"a\": {\"b\": 2}} hope it helps"),
            Some(json!({"a": {"b": 2}}))
        );
        assert_eq!(parse_answer_text("no json"), None);
        assert_eq!(parse_answer_text("[1,2]"), None);
    }
}
