//! The supervisor as child subreaper: when a runner dies before it could
//! clean up (SIGKILLed after the stop grace, crashed), the processes of its
//! run that had left its process group (`setsid`, double forks) are
//! adopted by the supervisor instead of init. This module kills and reaps
//! them — and only them: every process the supervisor spawns itself is
//! registered here while tokio owns it, so its exit status is never stolen.

use std::collections::BTreeSet;
use std::io;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use process_tree::pid_t;
use tokio::process::{Child, Command};

/// Pids of the children tokio owns (runners, drafts, `--describe`).
static OWNED: Mutex<BTreeSet<pid_t>> = Mutex::new(BTreeSet::new());

/// How often the sweep runs even without SIGCHLD.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

fn owned() -> MutexGuard<'static, BTreeSet<pid_t>> {
    OWNED.lock().unwrap_or_else(|p| p.into_inner())
}

/// A spawned child's claim on its pid: while it lives, the sweep leaves
/// the process alone. Drop it only after the child was waited for.
pub struct Owned(pid_t);

impl Drop for Owned {
    fn drop(&mut self) {
        owned().remove(&self.0);
    }
}

/// Spawns `command` and registers the child as ours in the same step (the
/// sweep cannot run in between).
pub fn spawn(command: &mut Command) -> io::Result<(Child, Owned)> {
    let mut owned = owned();
    let child = command.spawn()?;
    let pid = child.id().map_or(0, |pid| pid as pid_t);
    owned.insert(pid);
    Ok((child, Owned(pid)))
}

/// Runs `command` to its end with stdout captured (stdin and stderr as
/// the command says), killing it after `limit`; `None` if it could not be
/// started or took too long.
pub async fn output(command: &mut Command, limit: Duration) -> Option<std::process::Output> {
    command
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true);
    let (child, _owned) = spawn(command).ok()?;
    tokio::time::timeout(limit, child.wait_with_output())
        .await
        .ok()?
        .ok()
}

/// Makes the supervisor a child subreaper and starts the sweep task.
pub fn adopt_orphans() {
    if let Err(e) = process_tree::become_subreaper() {
        eprintln!(
            "backbeat: cannot become a child subreaper ({e}): processes of a killed runner that left its process group may survive their run"
        );
        return;
    }
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let mut child_exits = signal(SignalKind::child()).ok();
        loop {
            let _ = tokio::task::spawn_blocking(sweep).await;
            tokio::select! {
                _ = tokio::time::sleep(SWEEP_EVERY) => {}
                Some(()) = async { child_exits.as_mut()?.recv().await } => {}
            }
        }
    });
}

/// Kills every adopted child (a child we did not spawn) with all its
/// descendants, and reaps the adopted ones that have exited. Their own
/// orphans are adopted in turn and found by the next sweep (each death
/// brings a SIGCHLD). Returns how many adopted children it found.
pub fn sweep() -> usize {
    let me = process_tree::own_pid();
    let owned = owned();
    // The cheap check first: usually every child is one tokio owns.
    if process_tree::own_children()
        .is_some_and(|children| children.iter().all(|pid| owned.contains(pid)))
    {
        return 0;
    }
    let processes = process_tree::snapshot();
    let adopted: Vec<_> = processes
        .iter()
        .filter(|p| p.ppid == me && !owned.contains(&p.pid))
        .collect();
    let mut killed = 0;
    for orphan in &adopted {
        for process in process_tree::descendants_in(orphan.pid, &processes)
            .iter()
            .chain([*orphan])
            .filter(|p| !p.zombie)
        {
            // SAFETY: plain syscall on a process of a finished run.
            unsafe { libc::kill(process.pid, libc::SIGKILL) };
            killed += 1;
        }
        process_tree::reap_if_exited(orphan.pid);
    }
    if killed > 0 {
        eprintln!(
            "backbeat: SIGKILL to {killed} processes left behind by a runner that died (children not spawned through runner::orphans::spawn)"
        );
    }
    adopted.len()
}
