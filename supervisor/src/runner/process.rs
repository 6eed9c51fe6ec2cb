//! Process-group signalling, the identity of a process (pid + start
//! time + boot id) and the `BACKBEAT_INSTANCE` mark every run's processes
//! inherit, so crash recovery kills only what it started.

use std::path::Path;
use std::time::Duration;

use crate::db::runs::ProcessRecord;

/// How long start-up recovery keeps killing the descendants of a leftover
/// runner that will not die (uninterruptible sleep) before going on.
pub const TREE_KILL_LIMIT: Duration = Duration::from_secs(5);

/// Sends `signal` to process group `pgid`. Errors (already gone) ignored.
pub fn signal_group(pgid: i64, signal: libc::c_int) {
    if pgid > 1 {
        // SAFETY: plain syscall on a process group we created.
        unsafe { libc::kill(-(pgid as libc::pid_t), signal) };
    }
}

/// True while any process of group `pgid` is alive.
pub fn group_alive(pgid: i64) -> bool {
    // SAFETY: signal 0 only checks for existence.
    pgid > 1 && unsafe { libc::kill(-(pgid as libc::pid_t), 0) } == 0
}

/// The value of `BACKBEAT_INSTANCE` given to every run's executor (and
/// inherited by what it starts): the canonical data directory, which one
/// supervisor at a time holds (`backbeat.lock`).
pub fn instance(data_dir: &Path) -> String {
    std::fs::canonicalize(data_dir)
        .unwrap_or_else(|_| data_dir.to_path_buf())
        .display()
        .to_string()
}

/// Kills every process whose environment says an earlier supervisor of
/// this data directory started it (`BACKBEAT_INSTANCE=<instance>`): at
/// start-up, before any run is dispatched, such a process can only be a
/// leftover — e.g. a `setsid` escapee of a runner that was SIGKILLed
/// together with the supervisor. Found processes are stopped, then
/// killed; rescanned until none is left (a few rounds at most). A process
/// that dropped its environment (`env -i`) is not found. Returns how many.
pub fn kill_marked_leftovers(instance: &str) -> usize {
    let mark = format!("BACKBEAT_INSTANCE={instance}");
    let me = process_tree::own_pid();
    let mut killed = 0;
    for _ in 0..5 {
        let found: Vec<libc::pid_t> = process_tree::snapshot()
            .iter()
            .filter(|p| p.pid != me && !p.zombie)
            .filter(|p| {
                std::fs::read(format!("/proc/{}/environ", p.pid))
                    .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == mark.as_bytes()))
            })
            .map(|p| p.pid)
            .collect();
        if found.is_empty() {
            break;
        }
        for signal in [libc::SIGSTOP, libc::SIGKILL] {
            for &pid in &found {
                // SAFETY: plain syscall on a process marked as ours.
                unsafe { libc::kill(pid, signal) };
            }
        }
        killed += found.len();
        std::thread::sleep(Duration::from_millis(20));
    }
    killed
}

pub fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|s| s.trim().to_string())
}

/// Field 22 of `/proc/<pid>/stat`: start time in clock ticks since boot.
pub fn start_ticks(pid: i64) -> Option<i64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces: skip past its ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

pub fn record(pid: i64) -> ProcessRecord {
    ProcessRecord {
        pid,
        start_ticks: start_ticks(pid),
        boot_id: boot_id(),
    }
}

/// Kills what is left of a run's process group from a previous
/// supervisor, if it is provably ours: same boot, and the group leader is
/// either gone (a pid number cannot be reused while its group lives) or
/// still the very process we started (same start time). A runner still
/// alive is stopped and killed with every descendant, also those that
/// left its group (a runner is a child subreaper, so they descend from it).
/// Blocks for milliseconds (at most [`TREE_KILL_LIMIT`]).
pub fn kill_leftover_group(record: &ProcessRecord) -> bool {
    if record.boot_id.is_none() || record.boot_id != boot_id() {
        return false;
    }
    match start_ticks(record.pid) {
        Some(ticks) if Some(ticks) != record.start_ticks => return false,
        _ => {}
    }
    let mut killed = false;
    if start_ticks(record.pid).is_some() {
        process_tree::kill_tree(record.pid as libc::pid_t, TREE_KILL_LIMIT);
        killed = true;
    }
    if group_alive(record.pid) {
        signal_group(record.pid, libc::SIGKILL);
        killed = true;
    }
    killed
}
