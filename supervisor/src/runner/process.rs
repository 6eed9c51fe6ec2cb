//! Process-group signalling and the identity of a process (pid + start
//! time + boot id), so crash recovery kills only what it started.

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
