//! Process control shared by every built-in executor (`sh-runner`,
//! `claude-runner`, `codex-runner`): the executor's `main` skeleton and
//! how a run is stopped and ended. Std threads only, no async runtime.
//!
//! Code map:
//! - this file: the SIGTERM handler, the stdin watcher (`cancel` messages
//!   and supervisor EOF), signalling our process group and descendants,
//!   and [`end_run`], which leaves no descendant behind.
//! - [`serve`]: `--describe`, reading the `start` line, sending the final `result`.
//! - [`output`]: a child's output pipe forwarded as `log` messages.
//!
//! How stopping works (`api-spec/executor-protocol.md`): the supervisor
//! starts the executor as leader of its own process group; to stop a run it
//! sends `{"type":"cancel"}` on stdin and SIGTERM to the whole group (the
//! executor and the child it runs), then SIGKILL after its grace. EOF on
//! stdin means the supervisor is gone: SIGTERM everything we started,
//! SIGKILL it after [`ORPHAN_GRACE`], so nothing outlives a dead supervisor.
//!
//! Nothing outlives its run: [`serve`] makes the executor a child
//! subreaper, so a process that left the group (`setsid`, a double-forked
//! daemon, `nohup`) still descends from it; when the run ends, however it
//! ends, [`end_run`] SIGKILLs and reaps every descendant before the
//! `result` goes out (after the orphan grace when the supervisor is gone).
//!
//! Invariant: an executor started by hand (not leading its group) never
//! signals the group it happens to be in, only its own child and its own
//! descendants.

pub mod output;
mod serve;

use std::io::{self, BufRead};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};
use std::thread;
use std::time::{Duration, Instant};

use backbeat_protocol::{Decoded, SupervisorMessage, decode_supervisor_line};

pub use serve::{job_to_run, read_start, serve};

/// Grace between SIGTERM and SIGKILL when the supervisor has vanished.
pub const ORPHAN_GRACE: Duration = Duration::from_secs(5);

/// How long [`end_run`] keeps killing descendants that do not die (a
/// process stuck in uninterruptible sleep) before reporting anyway.
const KILL_LIMIT: Duration = Duration::from_secs(10);

static CANCELLED: AtomicBool = AtomicBool::new(false);
static WATCHING: Once = Once::new();
/// When stdin reached EOF (the supervisor is gone), if it did.
static ORPHANED_AT: Mutex<Option<Instant>> = Mutex::new(None);

/// SIGTERM reaches the whole group. We must outlive the child to report
/// how it ended, so we catch it (a handler, unlike SIG_IGN, is reset to
/// the default in the child at exec) and only remember that it came.
extern "C" fn on_sigterm(_: libc::c_int) {
    CANCELLED.store(true, Ordering::SeqCst);
}

/// Installs the SIGTERM handler; call first thing in `main` ([`serve`] does).
pub fn install_sigterm_handler() {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe { libc::signal(libc::SIGTERM, on_sigterm as *const () as libc::sighandler_t) };
}

/// Whether a `cancel` message, SIGTERM or supervisor EOF asked us to stop.
pub fn cancelled() -> bool {
    CANCELLED.load(Ordering::SeqCst)
}

/// Reads supervisor messages after `start` on a background thread (once per
/// process) for the run of `child`. `cancel` → SIGTERM to the group and
/// every descendant; EOF → SIGTERM, then SIGKILL after [`ORPHAN_GRACE`].
pub fn watch_stdin(child: libc::pid_t) {
    watch_stdin_with(move |signal| signal_run(child, signal));
}

/// [`watch_stdin`] for a runner whose work is not only a local child (a
/// remote process group): `stop` is called with SIGTERM on each `cancel`
/// and at EOF, and with SIGKILL [`ORPHAN_GRACE`] after EOF.
pub fn watch_stdin_with(stop: impl Fn(libc::c_int) + Send + 'static) {
    WATCHING.call_once(|| {
        thread::spawn(move || watch(io::stdin().lock(), ORPHAN_GRACE, stop));
    });
}

/// For executors whose work runs elsewhere (a batch cluster): reads
/// supervisor messages on a background thread (once per process) and only
/// records a `cancel` or EOF in [`cancelled`]; no signal is sent. The
/// executor polls [`cancelled`] and stops the remote work itself.
pub fn watch_stdin_for_cancel() {
    WATCHING.call_once(|| {
        thread::spawn(|| watch(io::stdin().lock(), Duration::ZERO, |_| {}));
    });
}

/// The stdin watcher's loop, over any input (tests feed it a buffer);
/// `signal` reaches what the run started.
fn watch(input: impl BufRead, grace: Duration, signal: impl Fn(libc::c_int)) {
    for line in input.lines() {
        let Ok(line) = line else { break };
        if let Ok(Decoded::Message(SupervisorMessage::Cancel { .. })) =
            decode_supervisor_line(line.as_bytes())
        {
            CANCELLED.store(true, Ordering::SeqCst);
            signal(libc::SIGTERM);
        }
    }
    // EOF: nobody is listening any more. Stop everything we started.
    *ORPHANED_AT.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
    CANCELLED.store(true, Ordering::SeqCst);
    signal(libc::SIGTERM);
    thread::sleep(grace);
    signal(libc::SIGKILL);
}

/// Ends the run's processes: SIGKILLs and reaps every descendant that is
/// still there (a background job, a `setsid` escapee, a TERM-ignoring
/// process) and returns once none is left. When the supervisor is gone it
/// first lets them use what is left of [`ORPHAN_GRACE`] since the EOF.
/// Call it after the job's main process was waited for: it reaps any
/// child of ours. [`serve`] calls it before sending `result`; calling it
/// again is harmless.
pub fn end_run() {
    let orphaned_at = *ORPHANED_AT.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(at) = orphaned_at {
        let me = process_tree::own_pid();
        while at.elapsed() < ORPHAN_GRACE && !process_tree::live_descendants(me).is_empty() {
            thread::sleep(Duration::from_millis(50));
        }
    }
    if !process_tree::kill_and_reap_descendants(KILL_LIMIT) {
        eprintln!("runner: some processes of the run could not be killed");
    }
}

/// Signals everything the run started: our group (or only `child` when we
/// do not lead one) and every descendant, wherever it moved. SIGKILL never
/// goes to the group, which holds this process too: we must live on to
/// reap and report.
pub fn signal_run(child: libc::pid_t, signal: libc::c_int) {
    if signal == libc::SIGKILL {
        // SAFETY: plain syscall on a pid we spawned.
        unsafe { libc::kill(child, signal) };
    } else {
        signal_ours(child, signal);
    }
    process_tree::signal_descendants(process_tree::own_pid(), signal);
}

/// Makes `command`'s process ignore SIGTERM (set between fork and exec,
/// kept across exec). For the client that carries a stop to a remote
/// system (`ssh`, `scancel`): the supervisor's SIGTERM to our group must
/// not cut it short; its SIGKILL still ends it.
pub fn ignore_sigterm_in(command: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: only `signal`, which is async-signal-safe, between fork and exec.
    unsafe {
        command.pre_exec(|| {
            libc::signal(libc::SIGTERM, libc::SIG_IGN);
            Ok(())
        });
    }
}

/// Whether this process leads its process group (as the supervisor starts it).
pub fn leads_group() -> bool {
    // SAFETY: plain syscalls without arguments.
    unsafe { libc::getpgrp() == libc::getpid() }
}

/// Signals our process group when we lead one; otherwise (started by hand)
/// only `child`, never a stranger's group.
pub fn signal_ours(child: libc::pid_t, signal: libc::c_int) {
    // SAFETY: plain syscalls.
    unsafe {
        if leads_group() {
            libc::kill(0, signal);
        } else {
            libc::kill(child, signal);
        }
    }
}

/// Passes SIGTERM on to the child itself: used when we were signalled but
/// may not lead the group, so the child did not necessarily get it.
pub fn terminate_child(child: libc::pid_t) {
    // SAFETY: plain syscall on a pid we spawned and have not reaped yet.
    unsafe { libc::kill(child, libc::SIGTERM) };
}

#[cfg(test)]
mod tests {
    use std::io::{BufReader, Cursor, Write};
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Child, Command};
    use std::time::Instant;

    use super::*;

    /// A child that ignores SIGTERM unless `plain`; `None` when this test
    /// process leads its group, where `signal_ours` would signal the test
    /// runner itself.
    fn child(ignore_term: bool) -> Option<Child> {
        if leads_group() {
            eprintln!("skipped: the test process leads its process group");
            return None;
        }
        let trap = if ignore_term { "trap '' TERM; " } else { "" };
        let script = format!("{trap}while :; do sleep 0.05; done");
        Some(
            Command::new("/bin/sh")
                .arg("-c")
                .arg(script)
                .spawn()
                .unwrap(),
        )
    }

    fn pid(child: &Child) -> libc::pid_t {
        child.id() as libc::pid_t
    }

    #[test]
    fn sigterm_is_remembered_and_survived() {
        install_sigterm_handler();
        // SAFETY: raising a signal whose handler was just installed.
        unsafe { libc::raise(libc::SIGTERM) };
        assert!(cancelled());
    }

    #[test]
    fn signal_ours_reaches_the_child_when_we_do_not_lead_the_group() {
        let Some(mut child) = child(false) else {
            return;
        };
        signal_ours(pid(&child), libc::SIGTERM);
        assert_eq!(child.wait().unwrap().signal(), Some(libc::SIGTERM));
    }

    #[test]
    fn a_cancel_line_terminates_the_child_before_eof() {
        let Some(mut child) = child(false) else {
            return;
        };
        let (reader, mut writer) = std::io::pipe().unwrap();
        let child_pid = pid(&child);
        let watcher = thread::spawn(move || {
            watch(BufReader::new(reader), Duration::ZERO, |signal| {
                signal_ours(child_pid, signal)
            })
        });
        writer
            .write_all(b"{\"type\":\"later\"}\n{\"type\":\"cancel\",\"reason\":\"user\"}\n")
            .unwrap();
        assert_eq!(child.wait().unwrap().signal(), Some(libc::SIGTERM));
        assert!(cancelled());
        drop(writer);
        watcher.join().unwrap();
    }

    #[test]
    fn eof_kills_a_child_that_ignores_sigterm_after_the_grace() {
        let Some(mut child) = child(true) else { return };
        // Let the shell install its trap before the SIGTERM comes.
        thread::sleep(Duration::from_millis(200));
        let started = Instant::now();
        let child_pid = pid(&child);
        watch(Cursor::new(""), Duration::from_millis(300), |signal| {
            signal_ours(child_pid, signal)
        });
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert_eq!(child.wait().unwrap().signal(), Some(libc::SIGKILL));
        assert!(cancelled());
    }
}
