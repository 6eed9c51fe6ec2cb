//! Backbeat supervisor: a local-first job scheduler. See ARCHITECTURE.md
//! for the invariants. Code map:
//!
//! - `config`, `preferences`: environment and `preferences.json`.
//! - `db`: the SQLite store; the only module that runs SQL.
//! - `model`: jobs and runs, and validation of job input.
//! - `scheduler`: cron evaluation, the in-memory plan, the tick loop.
//! - `runner`: the run queue and the per-run actors that own executor
//!   processes; the only module that spawns processes.
//! - `service`: operations shared by the API and the scheduler.
//! - `api`: the hyper server, security checks, one file per resource.

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod db;
pub mod events;
pub mod mcp;
pub mod metrics;
pub mod model;
pub mod notify;
pub mod preferences;
pub mod runner;
pub mod scheduler;
pub mod service;
pub mod time;
pub mod validation;

use std::fs;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::net::TcpListener;

use crate::app::App;
use crate::config::Config;
use crate::db::Db;
use crate::preferences::Preferences;

/// A start-up refusal that should exit with a specific status.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    pub message: String,
    pub exit_code: i32,
}

/// The URL of the dashboard for `config`, with the login token if any.
pub fn dashboard_url(config: &Config, port: u16, token: Option<&str>) -> String {
    let host = match config.host.as_str() {
        "0.0.0.0" | "::" | "[::]" => "127.0.0.1".to_string(),
        h if h.contains(':') && !h.starts_with('[') => format!("[{h}]"),
        h => h.to_string(),
    };
    match token {
        Some(token) => format!("http://{host}:{port}/?token={token}"),
        None => format!("http://{host}:{port}/"),
    }
}

/// Holds the data directory's lock for the life of the process.
pub struct DataDirLock {
    _file: fs::File,
}

fn lock_data_dir(config: &Config) -> anyhow::Result<DataDirLock> {
    let path = config.data_dir.join("backbeat.lock");
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {
            let _ = file.set_len(0);
            let _ = std::io::Write::write_all(
                &mut &file,
                format!("{}\n", std::process::id()).as_bytes(),
            );
            Ok(DataDirLock { _file: file })
        }
        Err(_) => {
            let holder = fs::read_to_string(&path).unwrap_or_default();
            Err(Refusal {
                message: format!(
                    "another backbeat (pid {}) is already using {}; stop it first or set BACKBEAT_DATA_DIR",
                    holder.trim(),
                    config.data_dir.display()
                ),
                exit_code: 1,
            }
            .into())
        }
    }
}

/// Everything set up before serving.
pub struct Prepared {
    pub app: Arc<App>,
    pub listener: TcpListener,
    _lock: DataDirLock,
}

/// Creates directories and files, takes the lock, opens the store, binds.
pub async fn prepare(config: Config) -> anyhow::Result<Prepared> {
    if config.auth_disabled && !config.host_is_loopback() {
        bail!(Refusal {
            message: format!(
                "BACKBEAT_AUTH=off is refused with HOST={}: without a token anyone who can reach this address could run commands as you; bind to 127.0.0.1 or remove BACKBEAT_AUTH",
                config.host
            ),
            exit_code: 2,
        });
    }
    for dir in [
        &config.data_dir,
        &config.logs_dir(),
        &config.config_dir,
        &config.executors_dir(),
    ] {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let lock = lock_data_dir(&config)?;
    let prefs = Preferences::load_or_create(&config.preferences_path())?;
    let token = api::auth::load_token(&config)?;
    let first_launch = !config.db_path().exists();
    let db = Db::open(&config.db_path())?;
    if first_launch {
        let now = time::now_ms();
        db.blocking(|c| service::seed::seed_examples(c, now))?;
    }
    let fingerprint = api::auth::token_fingerprint(token.as_deref());
    let sessions = db.blocking(|c| db::sessions::valid(c, &fingerprint))?;
    let host = config
        .host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let addr: SocketAddr = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => SocketAddr::new(ip, config.port),
        Err(_) => tokio::net::lookup_host((host.as_str(), config.port))
            .await
            .with_context(|| format!("resolving HOST={host}"))?
            .next()
            .with_context(|| format!("HOST={host} resolves to no address"))?,
    };
    let listener = TcpListener::bind(addr).await.with_context(|| {
        format!(
            "cannot listen on {addr}: is another program using port {}? Set PORT to use another",
            config.port
        )
    })?;
    let app = App::new(config, db, prefs, token);
    for id in sessions {
        app.sessions.insert(id);
    }
    app.port.store(
        listener.local_addr()?.port(),
        std::sync::atomic::Ordering::Relaxed,
    );
    Ok(Prepared {
        app,
        listener,
        _lock: lock,
    })
}

/// Runs the supervisor until `app.shutdown` fires, then shuts down
/// cleanly: stop accepting, stop running runs (TERM → grace → KILL, closed
/// as `stopped: supervisor shutting down`), leave queued runs queued.
pub async fn run(prepared: Prepared) -> anyhow::Result<()> {
    let Prepared {
        app,
        listener,
        _lock,
    } = prepared;
    let port = app.port();
    println!(
        "backbeat {} listening on http://{}",
        env!("CARGO_PKG_VERSION"),
        listener.local_addr()?
    );
    println!(
        "dashboard: {}",
        dashboard_url(&app.config, port, app.token.as_deref())
    );
    if !app.config.scheduler_enabled {
        println!("scheduler disabled (BACKBEAT_DISABLE_SCHEDULER=1): only manual runs execute");
    }
    runner::orphans::adopt_orphans();
    service::startup::recover(&app).await?;
    if app.config.scheduler_enabled {
        tokio::spawn(scheduler::ticker::run(app.clone()));
    }
    api::serve(app.clone(), listener, Duration::from_secs(2)).await;
    // Runs past this are SIGKILLed as their actors are dropped (GroupGuard)
    // and recovered as interrupted at the next start.
    let grace = Duration::from_millis(app.prefs().stop_grace_ms.max(0) as u64);
    app.queue.shut_down();
    app.tasks.close();
    if tokio::time::timeout(grace + Duration::from_secs(5), app.tasks.wait())
        .await
        .is_err()
    {
        eprintln!("backbeat: some runs did not stop in time");
    }
    Ok(())
}

/// Cancels `app.shutdown` on SIGTERM or SIGINT.
pub fn shutdown_on_signals(app: &Arc<App>) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let token = app.shutdown.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        eprintln!("backbeat: shutting down");
        token.cancel();
    });
    Ok(())
}
