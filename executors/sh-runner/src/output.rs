//! Forwards a child's output pipe as protocol `log` messages: large reads
//! (so a job writing gigabytes stays fast), with UTF-8 sequences split
//! across reads kept whole and invalid bytes replaced.

use std::io::Read;
use std::sync::mpsc;
use std::thread::{self, JoinHandle};

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
            let cut = complete_utf8_prefix(&pending);
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

/// Length of the longest prefix that does not end inside a (possibly
/// valid) multi-byte UTF-8 sequence. Invalid bytes count as complete.
pub fn complete_utf8_prefix(bytes: &[u8]) -> usize {
    let len = bytes.len();
    // Look back at most 3 bytes for the start of the last sequence.
    for back in 1..=len.min(3) {
        let b = bytes[len - back];
        if b & 0b1100_0000 == 0b1000_0000 {
            continue; // continuation byte
        }
        let needed = if b & 0b1110_0000 == 0b1100_0000 {
            2
        } else if b & 0b1111_0000 == 0b1110_0000 {
            3
        } else if b & 0b1111_1000 == 0b1111_0000 {
            4
        } else {
            1
        };
        return if needed > back { len - back } else { len };
    }
    len
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

#[cfg(test)]
mod tests {
    use super::complete_utf8_prefix;

    #[test]
    fn keeps_split_multibyte_sequences_for_the_next_read() {
        let euro = "€".as_bytes(); // 3 bytes
        assert_eq!(complete_utf8_prefix(b"abc"), 3);
        assert_eq!(complete_utf8_prefix(&[b'a', euro[0]]), 1);
        assert_eq!(complete_utf8_prefix(&[b'a', euro[0], euro[1]]), 1);
        assert_eq!(complete_utf8_prefix(&[b'a', euro[0], euro[1], euro[2]]), 4);
        assert_eq!(complete_utf8_prefix(&[b'a', 0xff]), 2, "invalid byte is passed on");
    }
}
