//! Cancellation of the one CLI a runner starts. The supervisor starts the
//! runner as leader of its own process group; to stop a run it sends
//! `{"type":"cancel"}` on stdin and SIGTERM to the whole group (runner and
//! CLI), then SIGKILL after its grace. EOF on stdin means the supervisor is
//! gone: SIGTERM the group, SIGKILL it after [`ORPHAN_GRACE`].

use std::io::{self, BufRead};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use backbeat_protocol::{Decoded, SupervisorMessage, decode_supervisor_line};

/// Grace between SIGTERM and SIGKILL when the supervisor has vanished.
pub const ORPHAN_GRACE: Duration = Duration::from_secs(5);

static CANCELLED: AtomicBool = AtomicBool::new(false);
static WATCHING: Once = Once::new();

/// SIGTERM reaches the whole group. We must outlive the CLI to report how
/// it ended, so we catch it (a handler, unlike SIG_IGN, is reset to the
/// default in the CLI at exec) and only remember that it came.
extern "C" fn on_sigterm(_: libc::c_int) {
    CANCELLED.store(true, Ordering::SeqCst);
}

/// Installs the SIGTERM handler; call first thing in `main`.
pub fn install_sigterm_handler() {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe { libc::signal(libc::SIGTERM, on_sigterm as *const () as libc::sighandler_t) };
}

/// Whether a `cancel` message, SIGTERM or supervisor EOF asked us to stop.
pub fn cancelled() -> bool {
    CANCELLED.load(Ordering::SeqCst)
}

/// Reads supervisor messages after `start` on a background thread (once per
/// process). `cancel` → SIGTERM to the group; EOF → SIGTERM, then SIGKILL
/// after [`ORPHAN_GRACE`] so nothing outlives a dead supervisor.
pub fn watch_stdin(child: libc::pid_t) {
    WATCHING.call_once(|| {
        thread::spawn(move || {
            let stdin = io::stdin();
            for line in stdin.lock().lines() {
                let Ok(line) = line else { break };
                if let Ok(Decoded::Message(SupervisorMessage::Cancel { .. })) =
                    decode_supervisor_line(line.as_bytes())
                {
                    CANCELLED.store(true, Ordering::SeqCst);
                    signal_ours(child, libc::SIGTERM);
                }
            }
            CANCELLED.store(true, Ordering::SeqCst);
            signal_ours(child, libc::SIGTERM);
            thread::sleep(ORPHAN_GRACE);
            signal_ours(child, libc::SIGKILL);
        });
    });
}

/// Whether this process leads its process group (as the supervisor starts it).
pub fn leads_group() -> bool {
    // SAFETY: plain syscalls without arguments.
    unsafe { libc::getpgrp() == libc::getpid() }
}

/// Signals our process group when we lead one; otherwise (started by hand)
/// only the CLI, never a stranger's group.
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

/// Passes SIGTERM on to the CLI itself: used when we were signalled but
/// may not lead the group, so the CLI did not necessarily get it.
pub fn terminate_child(child: libc::pid_t) {
    // SAFETY: plain syscall on a pid we spawned and have not reaped yet.
    unsafe { libc::kill(child, libc::SIGTERM) };
}

/// Whether the runner runs as root (claude refuses bypass mode then).
pub fn is_root() -> bool {
    // SAFETY: plain syscall without arguments.
    unsafe { libc::geteuid() == 0 }
}
