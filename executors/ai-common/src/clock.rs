//! The current date, time and time zone told to the model when it drafts a
//! schedule ("every Monday", "tomorrow at 9"). Taken from
//! `start.settings.now` / `start.settings.timezone` when the supervisor
//! sends them, else from `date` and the system's zone configuration.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

/// What the model is told, e.g. `Tuesday 2026-11-24 09:42 UTC+01:00, time
/// zone Europe/Paris`.
#[derive(Debug, Clone, PartialEq)]
pub struct Now {
    /// The local date and time, as readable text.
    pub local: String,
    /// IANA name of the machine's zone, if known.
    pub zone: Option<String>,
}

impl Now {
    /// Reads `settings.now` and `settings.timezone`, filling gaps from the system.
    pub fn from_settings(settings: &Value) -> Now {
        let given = |key: &str| {
            settings
                .get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let zone = given("timezone").or_else(system_zone);
        let local = given("now")
            .or_else(system_now)
            .unwrap_or_else(|| "unknown".into());
        Now { local, zone }
    }

    /// One sentence for the system prompt.
    pub fn sentence(&self) -> String {
        match &self.zone {
            Some(zone) => format!(
                "The current local date and time is {}; the machine's time zone is {zone}.",
                self.local
            ),
            None => format!("The current local date and time is {}.", self.local),
        }
    }
}

/// `date` in the C locale, e.g. `Tuesday 2026-11-24 09:42 UTC+01:00`.
fn system_now() -> Option<String> {
    let output = Command::new("date")
        .arg("+%A %Y-%m-%d %H:%M UTC%:z")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    (output.status.success() && !text.is_empty()).then_some(text)
}

/// The machine's zone: `TZ`, `/etc/timezone`, or the `/etc/localtime` link.
fn system_zone() -> Option<String> {
    if let Ok(tz) = std::env::var("TZ") {
        let tz = tz.trim_start_matches(':').trim();
        if let Some(name) = zone_from_path(tz).or_else(|| is_zone_name(tz).then(|| tz.to_owned())) {
            return Some(name);
        }
    }
    if let Ok(text) = std::fs::read_to_string("/etc/timezone") {
        let name = text.trim();
        if is_zone_name(name) {
            return Some(name.to_owned());
        }
    }
    let link = std::fs::read_link("/etc/localtime").ok()?;
    zone_from_path(&link.to_string_lossy())
}

/// `…/zoneinfo/Europe/Paris` → `Europe/Paris`.
fn zone_from_path(path: &str) -> Option<String> {
    let (_, name) = path.split_once("zoneinfo/")?;
    let name = name
        .trim_start_matches("posix/")
        .trim_start_matches("right/");
    (is_zone_name(name) && Path::new(path).is_absolute()).then(|| name.to_owned())
}

fn is_zone_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c))
        && (name.contains('/') || name == "UTC" || name == "GMT")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prefers_what_the_supervisor_sends() {
        let now = Now::from_settings(
            &json!({"now": "2026-11-24T09:42:00+01:00", "timezone": "Europe/Paris"}),
        );
        assert_eq!(now.local, "2026-11-24T09:42:00+01:00");
        assert_eq!(now.zone.as_deref(), Some("Europe/Paris"));
        assert!(now.sentence().contains("time zone is Europe/Paris"));
    }

    #[test]
    fn falls_back_to_the_system_clock() {
        let now = Now::from_settings(&json!({}));
        assert!(now.local.contains("UTC"), "{}", now.local);
    }

    #[test]
    fn reads_zone_names_from_zoneinfo_paths() {
        assert_eq!(
            zone_from_path("/usr/share/zoneinfo/Europe/Paris").as_deref(),
            Some("Europe/Paris")
        );
        assert_eq!(
            zone_from_path("/usr/share/zoneinfo/UTC").as_deref(),
            Some("UTC")
        );
        assert_eq!(zone_from_path("Europe/Paris"), None);
    }
}
