//! `backbeat doctor`: checks the installation one line per check — the
//! directories and their permissions, the data directory's lock, the
//! port, the token, each executor (`--describe`), the AI CLIs (version,
//! login where it can be seen), and free disk space. Exit 1 if anything
//! is wrong; warnings (e.g. an AI CLI not installed) do not fail.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::http::{Client, client_token};
use super::output::{Table, print_json};
use crate::config::Config;
use crate::runner::registry::{ExecutorRegistry, version_line};

#[derive(Clone, Copy, PartialEq)]
enum Status {
    Ok,
    Warn,
    Fail,
}

struct Check {
    status: Status,
    name: String,
    detail: String,
}

#[derive(Default)]
struct Checks(Vec<Check>);

impl Checks {
    fn add(&mut self, status: Status, name: &str, detail: impl Into<String>) {
        self.0.push(Check {
            status,
            name: name.to_string(),
            detail: detail.into(),
        });
    }
}

pub fn main(config: &Config, json: bool) -> anyhow::Result<bool> {
    let mut checks = Checks::default();
    directory(&mut checks, "config dir", &config.config_dir);
    directory(&mut checks, "data dir", &config.data_dir);
    let running = lock(&mut checks, config);
    let client = Client::new(config);
    let server_up = match &client {
        Ok(client) => server(&mut checks, client, running),
        Err(e) => {
            checks.add(Status::Fail, "server", format!("{e:#}"));
            false
        }
    };
    token(
        &mut checks,
        config,
        client.ok().filter(|_| server_up).as_ref(),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(executors(&mut checks, config));
    runtime.block_on(ai_clis(&mut checks, config));
    disk(&mut checks, &config.data_dir);

    let ok = checks.0.iter().all(|c| c.status != Status::Fail);
    if json {
        let list: Vec<Value> = checks
            .0
            .iter()
            .map(|c| json!({"check": c.name, "status": label(c.status).trim(), "detail": c.detail}))
            .collect();
        print_json(&json!({"ok": ok, "checks": list}));
    } else {
        let mut table = Table::new(&["", "", ""]);
        for c in &checks.0 {
            table.row(vec![
                label(c.status).into(),
                c.name.clone(),
                c.detail.clone(),
            ]);
        }
        let rendered = table.render();
        print!(
            "{}",
            rendered.split_once('\n').map(|(_, r)| r).unwrap_or("")
        );
    }
    Ok(ok)
}

fn label(status: Status) -> &'static str {
    match status {
        Status::Ok => "ok",
        Status::Warn => "warn",
        Status::Fail => "FAIL",
    }
}

/// Exists, is a directory, is ours to write, and is private enough.
fn directory(checks: &mut Checks, name: &str, dir: &Path) {
    let shown = dir.display();
    match fs::metadata(dir) {
        Err(_) => checks.add(
            Status::Warn,
            name,
            format!("{shown} does not exist yet; Backbeat creates it on first start"),
        ),
        Ok(meta) if !meta.is_dir() => {
            checks.add(Status::Fail, name, format!("{shown} is not a directory"))
        }
        Ok(meta) => {
            let mode = meta.permissions().mode() & 0o777;
            if !writable(dir) {
                checks.add(
                    Status::Fail,
                    name,
                    format!(
                        "{shown} is not writable by you (mode {mode:o}); fix its owner or mode"
                    ),
                );
            } else {
                checks.add(
                    Status::Ok,
                    name,
                    format!("{shown} (mode {mode:o}, writable)"),
                );
            }
        }
    }
}

fn writable(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c_path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: a valid NUL-terminated path; access(2) only reads it.
    unsafe { libc::access(c_path.as_ptr(), libc::W_OK) == 0 }
}

/// Whether a supervisor holds the data directory's lock (is running).
fn lock(checks: &mut Checks, config: &Config) -> bool {
    let path = config.data_dir.join("backbeat.lock");
    let Ok(file) = fs::File::open(&path) else {
        checks.add(
            Status::Warn,
            "lock",
            "no lock file: Backbeat has not run with this data dir",
        );
        return false;
    };
    match file.try_lock_shared() {
        Ok(()) => {
            checks.add(
                Status::Warn,
                "lock",
                format!(
                    "free: no Backbeat is running on {}",
                    config.data_dir.display()
                ),
            );
            false
        }
        Err(_) => {
            let pid = fs::read_to_string(&path).unwrap_or_default();
            checks.add(
                Status::Ok,
                "lock",
                format!("held by backbeat pid {}", pid.trim()),
            );
            true
        }
    }
}

/// Asks `/api/health`; true when Backbeat answers.
fn server(checks: &mut Checks, client: &Client, running: bool) -> bool {
    match client.get("/api/health") {
        Ok(health) if health["status"] == "ok" => {
            checks.add(
                Status::Ok,
                "port",
                format!(
                    "Backbeat {} answers at {} (scheduler {})",
                    health["version"].as_str().unwrap_or("?"),
                    client.base,
                    health["scheduler"].as_str().unwrap_or("?")
                ),
            );
            true
        }
        Ok(other) => {
            checks.add(
                Status::Fail,
                "port",
                format!("{} answers, but not as Backbeat: {other}", client.base),
            );
            false
        }
        Err(e) => {
            let why = if running {
                "Backbeat runs but does not answer there: check PORT/HOST/BACKBEAT_URL"
            } else {
                "nothing answers: start Backbeat (`backbeat`, or `systemctl --user start backbeat`)"
            };
            checks.add(
                Status::Fail,
                "port",
                format!("{}: {why} ({e:#})", client.base),
            );
            false
        }
    }
}

fn token(checks: &mut Checks, config: &Config, client: Option<&Client>) {
    let (token, source) = match client_token(config) {
        Ok(found) => found,
        Err(e) => {
            checks.add(Status::Fail, "token", format!("{e:#}"));
            return;
        }
    };
    if config.auth_disabled {
        checks.add(
            Status::Warn,
            "token",
            "BACKBEAT_AUTH=off: the API needs no token",
        );
        return;
    }
    let path = config.token_path();
    if token.is_none() {
        let status = if client.is_some() {
            Status::Fail
        } else {
            Status::Warn
        };
        checks.add(
            status,
            "token",
            format!("none ({source}): Backbeat creates it on first start"),
        );
        return;
    }
    if config.token_override.is_none()
        && let Ok(meta) = fs::metadata(&path)
        && meta.permissions().mode() & 0o077 != 0
    {
        checks.add(
            Status::Fail,
            "token",
            format!(
                "{} is readable by others (mode {:o}): chmod 600 it",
                path.display(),
                meta.permissions().mode() & 0o777
            ),
        );
        return;
    }
    match client.map(|c| c.get("/api/jobs")) {
        None => checks.add(
            Status::Ok,
            "token",
            format!("{source} (not checked: the server is down)"),
        ),
        Some(Ok(_)) => checks.add(
            Status::Ok,
            "token",
            format!("{source}, accepted by the server"),
        ),
        Some(Err(e)) => checks.add(Status::Fail, "token", format!("{e:#}")),
    }
}

async fn executors(checks: &mut Checks, config: &Config) {
    for info in ExecutorRegistry::new(config.executors_dir()).list().await {
        let name = format!("executor {}", info.job_type);
        let name = match &info.ai_mode {
            Some(mode) => format!("{name} ({mode})"),
            None => name,
        };
        if info.available {
            checks.add(
                Status::Ok,
                &name,
                format!(
                    "{} {} — {}",
                    info.binary,
                    info.version.unwrap_or_default(),
                    info.description.unwrap_or_default()
                ),
            );
        } else if info.binary == "sh-runner" {
            checks.add(
                Status::Fail,
                &name,
                "sh-runner not found next to backbeat, in the executors dir or on PATH: script jobs cannot run (scripts/install puts it beside backbeat)",
            );
        } else {
            checks.add(
                Status::Warn,
                &name,
                format!("{} not found or does not answer --describe", info.binary),
            );
        }
    }
}

/// `claudeBinary`/`codexBinary` from preferences.json (read only).
fn ai_binary(config: &Config, key: &str, default: &str) -> String {
    fs::read_to_string(config.preferences_path())
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|prefs| prefs[key].as_str().map(str::to_string))
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| default.to_string())
}

async fn ai_clis(checks: &mut Checks, config: &Config) {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let codex_home = std::env::var_os("CODEX_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".codex"));
    let clis = [
        (
            "claude",
            ai_binary(config, "claudeBinary", "claude"),
            "ANTHROPIC_API_KEY",
            home.join(".claude/.credentials.json"),
        ),
        (
            "codex",
            ai_binary(config, "codexBinary", "codex"),
            "OPENAI_API_KEY",
            codex_home.join("auth.json"),
        ),
    ];
    for (name, binary, key_var, credentials) in clis {
        let check = format!("ai cli {name}");
        let Ok(path) = which::which(&binary) else {
            checks.add(
                Status::Warn,
                &check,
                format!("{binary} not installed (only ai jobs need it)"),
            );
            continue;
        };
        let version = version_line(&path)
            .await
            .unwrap_or_else(|| "no --version".into());
        let login = if std::env::var_os(key_var).is_some() {
            format!("{key_var} set")
        } else if credentials.exists() {
            format!("logged in ({})", credentials.display())
        } else {
            format!(
                "not logged in? no {} and no {key_var}",
                credentials.display()
            )
        };
        checks.add(
            Status::Ok,
            &check,
            format!("{} {version}; {login}", path.display()),
        );
    }
}

fn disk(checks: &mut Checks, data_dir: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let dir = data_dir
        .ancestors()
        .find(|d| d.exists())
        .unwrap_or(Path::new("/"));
    let Ok(c_path) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return;
    };
    // SAFETY: statvfs fills the zeroed struct we own from a valid path.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stat) } != 0 {
        checks.add(
            Status::Warn,
            "disk",
            format!("cannot stat {}", dir.display()),
        );
        return;
    }
    let free = stat.f_bavail as u64 * stat.f_frsize as u64;
    let mib = free / (1 << 20);
    let detail = format!("{} MiB free on {}", mib, dir.display());
    let status = if mib < 100 {
        Status::Fail
    } else if mib < 1024 {
        Status::Warn
    } else {
        Status::Ok
    };
    checks.add(status, "disk", detail);
}
