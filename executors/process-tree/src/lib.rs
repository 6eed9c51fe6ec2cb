//! Every descendant of a process, found through `/proc`, and the ways to
//! end them: shared by the built-in runners (`runner-control`) and the
//! supervisor. Linux only.
//!
//! A process that called [`become_subreaper`] adopts every orphan below it
//! (`prctl(PR_SET_CHILD_SUBREAPER)`): a `setsid` daemon or a double-forked
//! grandchild stays its descendant whatever session or process group it
//! moved to, so walking the parent links from `/proc/<pid>/stat` finds it.
//!
//! Known limit: between reading `/proc` and sending a signal a descendant
//! may exit and be reaped by *its own* parent, and its pid be reused. The
//! window is microseconds and needs a full pid wrap-around; processes we
//! reap ourselves are only reaped by the thread that signals them.

use std::collections::HashMap;
use std::io;
use std::thread;
use std::time::{Duration, Instant};

pub use libc::pid_t;

/// What `/proc/<pid>/stat` says about one process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Process {
    pub pid: pid_t,
    pub ppid: pid_t,
    /// Exited but not yet reaped (state `Z`, or `X` while being reaped).
    pub zombie: bool,
}

/// Makes this process adopt the orphans among its descendants.
pub fn become_subreaper() -> io::Result<()> {
    // SAFETY: prctl with integer arguments only.
    let done = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    if done == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// One process's entry, or `None` when it is gone (or unreadable).
pub fn stat(pid: pid_t) -> Option<Process> {
    parse_stat(
        pid,
        &std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?,
    )
}

fn parse_stat(pid: pid_t, text: &str) -> Option<Process> {
    // The command name (field 2) may hold spaces and parentheses: the
    // fields we want follow its last ')'.
    let mut rest = text.get(text.rfind(')')? + 1..)?.split_whitespace();
    let state = rest.next()?;
    let ppid = rest.next()?.parse().ok()?;
    Some(Process {
        pid,
        ppid,
        zombie: matches!(state, "Z" | "X"),
    })
}

/// Every process visible in `/proc` right now.
pub fn snapshot() -> Vec<Process> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<pid_t>().ok())
        .filter_map(stat)
        .collect()
}

/// The descendants of `root` in `processes` (children first), `root` not
/// included.
pub fn descendants_in(root: pid_t, processes: &[Process]) -> Vec<Process> {
    let mut children: HashMap<pid_t, Vec<Process>> = HashMap::new();
    for process in processes {
        children.entry(process.ppid).or_default().push(*process);
    }
    let mut found = Vec::new();
    let mut next = vec![root];
    while let Some(parent) = next.pop() {
        for child in children.get(&parent).into_iter().flatten() {
            // pid 0/1 never descend from us; guards against odd entries.
            if child.pid > 1 && child.pid != root {
                found.push(*child);
                next.push(child.pid);
            }
        }
    }
    found
}

/// The live (not zombie) descendants of `root` right now.
pub fn live_descendants(root: pid_t) -> Vec<pid_t> {
    descendants_in(root, &snapshot())
        .into_iter()
        .filter(|p| !p.zombie)
        .map(|p| p.pid)
        .collect()
}

/// The children of this process, from `/proc/self/task/*/children` (an
/// orphan adopted by a subreaper may be listed under any of its threads);
/// `None` when the kernel does not offer that file. Much cheaper than
/// [`snapshot`]: when it is empty, this process has no descendant at all
/// (as a subreaper, every descendant of ours descends from a child).
pub fn own_children() -> Option<Vec<pid_t>> {
    let mut children = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let task = task.ok()?.path();
        let text = match std::fs::read_to_string(task.join("children")) {
            Ok(text) => text,
            // A thread that ended since the listing: it has no children.
            Err(_) if !task.exists() => continue,
            Err(_) => return None,
        };
        children.extend(
            text.split_whitespace()
                .filter_map(|pid| pid.parse::<pid_t>().ok()),
        );
    }
    Some(children)
}

/// This process's id.
pub fn own_pid() -> pid_t {
    // SAFETY: getpid cannot fail.
    unsafe { libc::getpid() }
}

/// Sends `signal` to every live descendant of `root`; returns how many.
pub fn signal_descendants(root: pid_t, signal: libc::c_int) -> usize {
    let pids = live_descendants(root);
    for &pid in &pids {
        // SAFETY: plain syscall; errors (already gone) are ignored.
        unsafe { libc::kill(pid, signal) };
    }
    pids.len()
}

/// Reaps `pid` if it is our child and has exited; true when reaped.
pub fn reap_if_exited(pid: pid_t) -> bool {
    let mut status = 0;
    // SAFETY: waitpid on one pid with WNOHANG never blocks.
    unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) == pid }
}

/// SIGKILLs every descendant of this process and reaps the ones that are
/// (or, through the subreaper, become) our children, until none is left
/// or `limit` has passed. Returns true when none is left. Only for a
/// process that owns no other child whose status someone still awaits.
pub fn kill_and_reap_descendants(limit: Duration) -> bool {
    let me = own_pid();
    let deadline = Instant::now() + limit;
    loop {
        if own_children().is_some_and(|children| children.is_empty()) {
            return true;
        }
        let found = descendants_in(me, &snapshot());
        if found.is_empty() {
            return true;
        }
        for process in &found {
            if !process.zombie {
                // SAFETY: plain syscall on a descendant of ours.
                unsafe { libc::kill(process.pid, libc::SIGKILL) };
            }
        }
        for process in found.iter().filter(|p| p.ppid == me) {
            reap_if_exited(process.pid);
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// Kills `root` and every descendant of it, when `root` is not our child
/// (a runner left by an earlier supervisor): stops `root` first, so its
/// descendants stay its descendants (a subreaper adopts orphans even while
/// stopped), SIGKILLs them until none is alive or `limit` has passed, then
/// SIGKILLs `root`. Returns true when no live descendant was left.
pub fn kill_tree(root: pid_t, limit: Duration) -> bool {
    // SAFETY: plain syscalls; errors (already gone) are ignored.
    unsafe { libc::kill(root, libc::SIGSTOP) };
    let deadline = Instant::now() + limit;
    let cleared = loop {
        let live = live_descendants(root);
        if live.is_empty() {
            break true;
        }
        for pid in live {
            // SAFETY: as above.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        if Instant::now() >= deadline {
            break false;
        }
        thread::sleep(Duration::from_millis(5));
    };
    // SAFETY: as above.
    unsafe { libc::kill(root, libc::SIGKILL) };
    cleared
}

#[cfg(test)]
mod tests {
    use std::process::{Command, Stdio};

    use super::*;

    #[test]
    fn parses_a_stat_line_whose_name_holds_spaces_and_parentheses() {
        let line = "4242 (a (b) c) S 17 4242 4242 0 -1 4194560 1 0 0 0";
        assert_eq!(
            parse_stat(4242, line),
            Some(Process {
                pid: 4242,
                ppid: 17,
                zombie: false
            })
        );
        assert!(parse_stat(9, "9 (sh) Z 1 9 9").unwrap().zombie);
        assert_eq!(parse_stat(9, "garbage"), None);
    }

    #[test]
    fn descendants_follow_parent_links_to_any_depth() {
        let p = |pid, ppid| Process {
            pid,
            ppid,
            zombie: false,
        };
        let table = [p(10, 1), p(11, 10), p(12, 11), p(13, 1), p(14, 12)];
        let mut found: Vec<_> = descendants_in(10, &table).iter().map(|p| p.pid).collect();
        found.sort();
        assert_eq!(found, [11, 12, 14]);
        assert!(descendants_in(13, &table).is_empty());
    }

    #[test]
    fn own_children_lists_a_child_until_it_is_reaped() {
        let Some(before) = own_children() else {
            return; // no /proc/<pid>/task/<tid>/children on this kernel
        };
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg("sleep 5")
            .spawn()
            .unwrap();
        let pid = child.id() as pid_t;
        assert!(!before.contains(&pid));
        assert!(own_children().unwrap().contains(&pid));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!own_children().unwrap().contains(&pid));
    }

    #[test]
    fn kill_tree_ends_a_setsid_grandchild_of_a_process_that_is_not_ours() {
        // A shell that starts a grandchild in its own session, then waits.
        let mut shell = Command::new("/bin/sh")
            .arg("-c")
            .arg("setsid sleep 300 & echo $!; wait")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(shell.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let grandchild: pid_t = line.trim().parse().unwrap();
        let root = shell.id() as pid_t;
        assert!(live_descendants(root).contains(&grandchild));
        assert!(kill_tree(root, Duration::from_secs(5)));
        shell.wait().unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while stat(grandchild).is_some_and(|p| !p.zombie) {
            assert!(Instant::now() < deadline, "the grandchild survived");
            thread::sleep(Duration::from_millis(10));
        }
    }
}
