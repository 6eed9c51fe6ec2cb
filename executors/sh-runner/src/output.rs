//! Forwards a child's output pipe as protocol `log` messages: large reads
//! (so a job writing gigabytes stays fast), with UTF-8 sequences split
//! across reads kept whole and invalid bytes replaced.

use std::io::Read;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};

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
