//! Finding executors: `<name>-runner` in `<config-dir>/executors/`, then
//! next to the `backbeat` binary, then on `PATH`; and asking each for its
//! `--describe` line. Rescanned on every call, so a runner dropped in
//! after start works without a restart.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use backbeat_protocol::Describe;
use serde::Serialize;

use crate::model::AiOverrides;
use crate::preferences::Preferences;

pub const BUILT_INS: &[&str] = &["sh-runner", "claude-runner", "codex-runner"];

/// The runner binary a job of `job_type` needs.
pub fn runner_binary_for(job_type: &str, ai: Option<&AiOverrides>, prefs: &Preferences) -> String {
    match job_type {
        "script" => "sh-runner".into(),
        "ai" => format!("{}-runner", resolved_ai_mode(ai, prefs)),
        custom => format!("{custom}-runner"),
    }
}

pub fn resolved_ai_mode<'a>(ai: Option<&'a AiOverrides>, prefs: &'a Preferences) -> &'a str {
    ai.and_then(|a| a.mode.as_deref()).unwrap_or(&prefs.ai_mode)
}

#[derive(Debug, Clone)]
pub struct ExecutorRegistry {
    executors_dir: PathBuf,
    own_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutorInfo {
    pub name: String,
    pub job_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ai_mode: Option<String>,
    pub binary: String,
    pub available: bool,
    pub version: Option<String>,
    pub description: Option<String>,
    /// The JSON Schema of the `executorOptions` its jobs take, if any.
    pub options_schema: Option<serde_json::Value>,
}

fn is_executable(path: &Path) -> bool {
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

impl ExecutorRegistry {
    pub fn new(executors_dir: PathBuf) -> Self {
        let own_dir = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(Path::to_path_buf));
        ExecutorRegistry {
            executors_dir,
            own_dir,
        }
    }

    /// Where `binary` (e.g. `sh-runner`) is, if anywhere.
    pub fn find(&self, binary: &str) -> Option<PathBuf> {
        if binary.contains('/') {
            return None;
        }
        let candidates = [
            Some(self.executors_dir.join(binary)),
            self.own_dir.as_ref().map(|d| d.join(binary)),
        ];
        candidates
            .into_iter()
            .flatten()
            .find(|p| is_executable(p))
            .or_else(|| which::which(binary).ok())
    }

    /// Every runner: the built-ins (found or not) and each custom
    /// `*-runner` in the executors directory, next to backbeat, or on PATH.
    /// A `*-runner` on PATH that does not answer `--describe` with a
    /// protocol line is some other program (e.g. `gitlab-runner`) and is
    /// left out.
    pub async fn list(&self) -> Vec<ExecutorInfo> {
        let mut names: Vec<String> = BUILT_INS.iter().map(|s| s.to_string()).collect();
        let mut dirs: Vec<PathBuf> = vec![self.executors_dir.clone()];
        dirs.extend(self.own_dir.clone());
        let own_dirs = dirs.len();
        let mut from_path_only: Vec<String> = Vec::new();
        if let Some(path) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&path));
        }
        for (index, dir) in dirs.into_iter().enumerate() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let Some(job_type) = name.strip_suffix("-runner") else {
                    continue;
                };
                if crate::model::job_input::parse_type(job_type).is_ok()
                    && !names.contains(&name)
                    && is_executable(&entry.path())
                {
                    if index >= own_dirs {
                        from_path_only.push(name.clone());
                    }
                    names.push(name);
                }
            }
        }
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let info = self.info(&name).await;
            if info.available || !from_path_only.contains(&name) {
                out.push(info);
            }
        }
        out
    }

    async fn info(&self, name: &str) -> ExecutorInfo {
        let job_type = match name {
            "sh-runner" => "script".to_string(),
            "claude-runner" | "codex-runner" => "ai".to_string(),
            other => other.trim_end_matches("-runner").to_string(),
        };
        let ai_mode = match name {
            "claude-runner" => Some("claude".to_string()),
            "codex-runner" => Some("codex".to_string()),
            _ => None,
        };
        let Some(path) = self.find(name) else {
            return ExecutorInfo {
                name: name.into(),
                job_type,
                ai_mode,
                binary: name.into(),
                available: false,
                version: None,
                description: None,
                options_schema: None,
            };
        };
        let describe = describe(&path).await;
        ExecutorInfo {
            name: name.into(),
            job_type,
            ai_mode,
            binary: path.display().to_string(),
            available: describe.is_some(),
            version: describe.as_ref().map(|d| d.version.clone()),
            options_schema: describe.as_ref().and_then(|d| d.options_schema.clone()),
            description: describe.map(|d| d.description),
        }
    }

    /// The `--describe` answer of `binary`, if it is found and answers.
    pub async fn describe(&self, binary: &str) -> Option<Describe> {
        describe(&self.find(binary)?).await
    }
}

/// Runs `<binary> --describe` (2 s at most) and parses its line.
async fn describe(path: &Path) -> Option<Describe> {
    let mut command = tokio::process::Command::new(path);
    command
        .arg("--describe")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let output = super::orphans::output(&mut command, Duration::from_secs(2)).await?;
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(text.lines().next()?).ok()
}

/// The first line `<path> --version` prints (5 s at most), for `doctor`.
pub async fn version_line(path: &Path) -> Option<String> {
    let mut command = tokio::process::Command::new(path);
    command
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let output = super::orphans::output(&mut command, Duration::from_secs(5)).await?;
    let text = String::from_utf8_lossy(&output.stdout);
    Some(text.lines().next()?.trim().to_string()).filter(|l| !l.is_empty())
}
