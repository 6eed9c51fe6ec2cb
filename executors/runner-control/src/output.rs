//! Forwards a child's output pipe as protocol `log` messages (used by
//! `sh-runner` and `ssh-runner`): large reads (so a job writing gigabytes
//! stays fast), with UTF-8 sequences split across reads kept whole and
//! invalid bytes replaced.

use std::io::Read;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use backbeat_protocol::utf8::complete_prefix_len;
use backbeat_protocol::{ExecutorMessage, LineWriter, LogStream};

const CHUNK: usize = 64 * 1024;

/// Spawns a thread copying `pipe` to `out`; sends on `done` at EOF.
pub fn forward(
    mut pipe: impl Read + Send + 'static,
    stream: LogStream,
    out: LineWriter,
    done: mpsc::Sender<()>,
) -> JoinHandle<()> {
    thread::spawn(move || {
        let mut buf = vec![0u8; CHUNK];
        let mut pending: Vec<u8> = Vec::new();
        loop {
            let n = match pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            pending.extend_from_slice(&buf[..n]);
            let cut = complete_prefix_len(&pending);
            if cut == 0 {
                continue;
            }
            let text = String::from_utf8_lossy(&pending[..cut]).into_owned();
            pending.drain(..cut);
            if out.send(&ExecutorMessage::Log { stream, text }).is_err() {
                break;
            }
        }
        if !pending.is_empty() {
            let text = String::from_utf8_lossy(&pending).into_owned();
            let _ = out.send(&ExecutorMessage::Log { stream, text });
        }
        let _ = done.send(());
    })
}

/// The name of a signal for error messages (`SIGTERM`), `signal` if unusual.
/// Waits up to `limit` for the `open` forwarders to send on `done` (their
/// EOF), counting them down: a background process of the job may hold a
/// pipe open, and the run must not wait for it.
pub fn drain(done: &mpsc::Receiver<()>, open: &mut usize, limit: Duration) {
    let deadline = Instant::now() + limit;
    while *open > 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        match done.recv_timeout(left) {
            Ok(()) => *open -= 1,
            Err(_) => break,
        }
    }
}

pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGPIPE => "SIGPIPE",
        _ => "signal",
    }
}
