//! Global preferences (`<config-dir>/preferences.json`, camelCase keys):
//! defaults, validation of every key, and atomic persistence (temp file +
//! fsync + rename, so the file is never left half-written).

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::validation::{Fields, Invalid, in_range, one_of};

pub const CLAUDE_EFFORTS: &[&str] = &["", "low", "medium", "high", "xhigh", "max"];
pub const CODEX_EFFORTS: &[&str] = &["", "minimal", "low", "medium", "high", "xhigh", "max"];
pub const AI_MODES: &[&str] = &["claude", "codex"];
pub const PERMISSION_MODES: &[&str] = &[
    "default",
    "acceptEdits",
    "plan",
    "dontAsk",
    "auto",
    "bypassPermissions",
];
pub const SANDBOXES: &[&str] = &["read-only", "workspace-write", "danger-full-access"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Preferences {
    pub default_timeout_ms: i64,
    pub ai_mode: String,
    pub claude_binary: String,
    pub codex_binary: String,
    pub claude_model: String,
    pub codex_model: String,
    pub claude_effort: String,
    pub codex_effort: String,
    pub claude_permission_mode: String,
    pub codex_sandbox: String,
    pub log_retention_per_job: i64,
    pub max_concurrent_runs: i64,
    pub stop_grace_ms: i64,
    pub max_log_bytes: i64,
    /// The stall timeout of AI jobs without their own (0 = none).
    pub ai_stall_timeout_ms: i64,
    /// Channels notified for jobs without their own `notify`.
    #[serde(default)]
    pub default_notify_channels: Vec<i64>,
    /// At most this many AI runs at once (within `maxConcurrentRuns`).
    #[serde(default = "default_max_concurrent_ai_runs")]
    pub max_concurrent_ai_runs: i64,
    /// At most this much spent by all AI runs in the last 24 h (`None`: no limit).
    #[serde(default)]
    pub ai_daily_budget_usd: Option<f64>,
    /// The budget of one AI run without its own `ai.maxBudgetUsd` (None = none).
    #[serde(default)]
    pub ai_max_budget_usd_per_run: Option<f64>,
}

fn default_max_concurrent_ai_runs() -> i64 {
    2
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            default_timeout_ms: 1_800_000,
            ai_mode: "claude".into(),
            claude_binary: "claude".into(),
            codex_binary: "codex".into(),
            claude_model: String::new(),
            codex_model: String::new(),
            claude_effort: String::new(),
            codex_effort: String::new(),
            claude_permission_mode: "bypassPermissions".into(),
            codex_sandbox: "danger-full-access".into(),
            log_retention_per_job: 50,
            max_concurrent_runs: 4,
            stop_grace_ms: 5000,
            max_log_bytes: 52_428_800,
            ai_stall_timeout_ms: 900_000,
            default_notify_channels: Vec::new(),
            max_concurrent_ai_runs: default_max_concurrent_ai_runs(),
            ai_daily_budget_usd: None,
            ai_max_budget_usd_per_run: None,
        }
    }
}

const STRING_KEYS: &[&str] = &[
    "aiMode",
    "claudeBinary",
    "codexBinary",
    "claudeModel",
    "codexModel",
    "claudeEffort",
    "codexEffort",
    "claudePermissionMode",
    "codexSandbox",
];
const DEFAULT_NOTIFY_CHANNELS: &str = "defaultNotifyChannels";
const NUMBER_KEYS: &[(&str, i64, i64)] = &[
    ("defaultTimeoutMs", 1000, 604_800_000),
    ("logRetentionPerJob", 1, 1_000_000),
    ("maxConcurrentRuns", 1, 256),
    ("stopGraceMs", 0, 600_000),
    ("maxLogBytes", 4096, 1_099_511_627_776),
    ("aiStallTimeoutMs", 0, 604_800_000),
    ("maxConcurrentAiRuns", 1, 256),
];
/// Amounts in US dollars above zero, or null for none.
const USD_KEYS: &[&str] = &["aiDailyBudgetUsd", "aiMaxBudgetUsdPerRun"];

impl Preferences {
    /// Applies a partial update (the keys present in `patch`), validating
    /// each key; nothing changes unless every key is valid.
    pub fn merged(&self, patch: &Value) -> Result<Preferences, Invalid> {
        let fields = Fields::of(patch, "")?;
        let allowed: Vec<&str> = STRING_KEYS
            .iter()
            .copied()
            .chain(NUMBER_KEYS.iter().map(|(k, _, _)| *k))
            .chain(USD_KEYS.iter().copied())
            .chain([DEFAULT_NOTIFY_CHANNELS])
            .collect();
        fields.reject_unknown(&allowed, &[])?;
        let mut map = match serde_json::to_value(self).expect("preferences serialize") {
            Value::Object(map) => map,
            _ => unreachable!("preferences serialize as an object"),
        };
        for key in STRING_KEYS {
            if fields.has(key) {
                let value = fields
                    .opt_str(key)?
                    .ok_or_else(|| Invalid::wrong_type(*key, "a string"))?;
                map.insert(key.to_string(), Value::String(value.trim().to_string()));
            }
        }
        for (key, min, max) in NUMBER_KEYS {
            if fields.has(key) {
                let value = fields
                    .opt_i64(key)?
                    .ok_or_else(|| Invalid::wrong_type(*key, "an integer"))?;
                in_range(key, value, *min, *max)?;
                map.insert(key.to_string(), Value::from(value));
            }
        }
        for key in USD_KEYS {
            if fields.has(key) {
                map.insert(key.to_string(), Value::from(fields.opt_usd(key)?));
            }
        }
        if fields.has(DEFAULT_NOTIFY_CHANNELS) {
            let items = fields.opt_array(DEFAULT_NOTIFY_CHANNELS)?.ok_or_else(|| {
                Invalid::wrong_type(DEFAULT_NOTIFY_CHANNELS, "an array of channel ids")
            })?;
            let mut ids: Vec<i64> = Vec::new();
            for (index, item) in items.iter().enumerate() {
                let field = format!("{DEFAULT_NOTIFY_CHANNELS}[{index}]");
                let id = match item {
                    Value::Number(n) => {
                        crate::validation::integer(n).map_err(|e| e.at(field.clone()))?
                    }
                    _ => return Err(Invalid::wrong_type(field, "a channel id (integer)")),
                };
                if id <= 0 {
                    return Err(Invalid::value(
                        field,
                        format!("channel {id} does not exist; GET /api/channels lists them"),
                    ));
                }
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            map.insert(DEFAULT_NOTIFY_CHANNELS.to_string(), Value::from(ids));
        }
        let prefs: Preferences =
            serde_json::from_value(Value::Object(map)).expect("all keys present");
        prefs.check_enums()?;
        Ok(prefs)
    }

    fn check_enums(&self) -> Result<(), Invalid> {
        one_of("aiMode", &self.ai_mode, AI_MODES)?;
        one_of("claudeEffort", &self.claude_effort, CLAUDE_EFFORTS)?;
        one_of("codexEffort", &self.codex_effort, CODEX_EFFORTS)?;
        one_of(
            "claudePermissionMode",
            &self.claude_permission_mode,
            PERMISSION_MODES,
        )?;
        one_of("codexSandbox", &self.codex_sandbox, SANDBOXES)?;
        for key in ["claudeBinary", "codexBinary"] {
            let value = if key == "claudeBinary" {
                &self.claude_binary
            } else {
                &self.codex_binary
            };
            if value.is_empty() {
                return Err(Invalid::value(key, "must name a CLI binary or path"));
            }
            if value.contains('\0') {
                return Err(Invalid::value(key, "must not contain NUL bytes"));
            }
        }
        Ok(())
    }

    /// Loads `path`, creating it with the defaults when missing. A file
    /// with unknown keys or bad values is an error that names them.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Preferences> {
        match fs::read_to_string(path) {
            Ok(text) => {
                let value: Value = serde_json::from_str(&text).with_context(|| {
                    format!("{} is not valid JSON; fix or delete it", path.display())
                })?;
                Preferences::default()
                    .merged(&value)
                    .map_err(|e| anyhow::anyhow!("{}: {e}; fix or delete the file", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let prefs = Preferences::default();
                prefs.save(path)?;
                Ok(prefs)
            }
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Writes atomically: a temp file in the same directory, fsync, rename.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let dir = path.parent().context("preferences path has no directory")?;
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = dir.join(format!(".preferences.json.{}.{n}.tmp", std::process::id()));
        let mut text = serde_json::to_string_pretty(self).expect("preferences serialize");
        text.push('\n');
        let write = || -> std::io::Result<()> {
            let mut file = fs::File::create(&tmp)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            fs::rename(&tmp, path)
        };
        write()
            .with_context(|| format!("writing {}", path.display()))
            .inspect_err(|_| {
                let _ = fs::remove_file(&tmp);
            })
    }

    pub fn to_json(&self) -> Map<String, Value> {
        match serde_json::to_value(self).expect("preferences serialize") {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }
}

/// Whether a failed save failed for lack of space (full disk or quota).
pub fn out_of_space(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|cause| cause.downcast_ref::<std::io::Error>())
        .any(|io| {
            matches!(
                io.kind(),
                std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merges_valid_keys_and_rejects_the_rest() {
        let prefs = Preferences::default();
        let merged = prefs
            .merged(&json!({"maxConcurrentRuns": 8, "claudeEffort": "high"}))
            .unwrap();
        assert_eq!(merged.max_concurrent_runs, 8);
        assert_eq!(merged.claude_effort, "high");
        assert_eq!(
            merged.stop_grace_ms, 5000,
            "untouched keys keep their value"
        );

        let err = prefs.merged(&json!({"maxConcurrentRuns": 0})).unwrap_err();
        assert_eq!(
            err,
            Invalid::value("maxConcurrentRuns", "must be between 1 and 256, got 0")
        );
        assert!(matches!(
            prefs.merged(&json!({"maxConcurrentRuns": "8"})),
            Err(Invalid::WrongType { .. })
        ));
        assert_eq!(
            prefs.merged(&json!({"colour": "red"})).unwrap_err().field(),
            "colour"
        );
        assert_eq!(
            prefs
                .merged(&json!({"codexEffort": "ultra"}))
                .unwrap_err()
                .field(),
            "codexEffort"
        );
        assert_eq!(
            prefs
                .merged(&json!({"claudeEffort": "minimal"}))
                .unwrap_err()
                .field(),
            "claudeEffort"
        );
        assert!(prefs.merged(&json!({"codexEffort": "minimal"})).is_ok());
    }

    #[test]
    fn the_daily_ai_budget_is_dollars_above_zero_or_null() {
        let prefs = Preferences::default();
        assert_eq!(prefs.ai_daily_budget_usd, None);
        let set = prefs.merged(&json!({"aiDailyBudgetUsd": 4.5})).unwrap();
        assert_eq!(set.ai_daily_budget_usd, Some(4.5));
        assert_eq!(set.to_json()["aiDailyBudgetUsd"], json!(4.5));
        let unset = set.merged(&json!({"aiDailyBudgetUsd": null})).unwrap();
        assert_eq!(unset.ai_daily_budget_usd, None);
        assert_eq!(
            prefs
                .merged(&json!({"aiDailyBudgetUsd": 0}))
                .unwrap_err()
                .field(),
            "aiDailyBudgetUsd"
        );
        // A preferences file from before these keys loads with the defaults.
        let old: Preferences = serde_json::from_value(json!({
            "defaultTimeoutMs": 1000, "aiMode": "claude", "claudeBinary": "claude",
            "codexBinary": "codex", "claudeModel": "", "codexModel": "", "claudeEffort": "",
            "codexEffort": "", "claudePermissionMode": "default", "codexSandbox": "read-only",
            "logRetentionPerJob": 5, "maxConcurrentRuns": 4, "stopGraceMs": 0,
            "maxLogBytes": 4096, "aiStallTimeoutMs": 0
        }))
        .unwrap();
        assert_eq!(
            (old.max_concurrent_ai_runs, old.ai_daily_budget_usd),
            (2, None)
        );
    }

    #[test]
    fn saves_atomically_and_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/preferences.json");
        let created = Preferences::load_or_create(&path).unwrap();
        assert_eq!(created, Preferences::default());
        let changed = created.merged(&json!({"logRetentionPerJob": 7})).unwrap();
        changed.save(&path).unwrap();
        assert_eq!(
            Preferences::load_or_create(&path)
                .unwrap()
                .log_retention_per_job,
            7
        );
        let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temp file left behind");

        fs::write(&path, r#"{"stopGraceMs": -1}"#).unwrap();
        let err = Preferences::load_or_create(&path).unwrap_err().to_string();
        assert!(err.contains("stopGraceMs"), "{err}");
    }
}
