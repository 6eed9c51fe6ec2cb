//! Follows the job's output file (`sbatch --output`) as it grows and
//! forwards new bytes as `log` messages, keeping UTF-8 sequences split
//! between two reads whole. The file appears only when the job starts.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

use backbeat_protocol::utf8::complete_prefix_len;
use backbeat_protocol::{ExecutorMessage, LineWriter, LogStream};

const CHUNK: usize = 64 * 1024;

pub struct Tail {
    path: PathBuf,
    offset: u64,
    pending: Vec<u8>,
}

impl Tail {
    pub fn new(path: PathBuf) -> Tail {
        Tail {
            path,
            offset: 0,
            pending: Vec::new(),
        }
    }

    /// Forwards what was appended since the last call; whether anything was.
    pub fn poll(&mut self, out: &LineWriter) -> bool {
        let Ok(mut file) = File::open(&self.path) else {
            return false;
        };
        if file.seek(SeekFrom::Start(self.offset)).is_err() {
            return false;
        }
        let mut grew = false;
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = match file.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            grew = true;
            self.offset += n as u64;
            self.pending.extend_from_slice(&buf[..n]);
            let cut = complete_prefix_len(&self.pending);
            if cut > 0 {
                let text = String::from_utf8_lossy(&self.pending[..cut]).into_owned();
                self.pending.drain(..cut);
                send(out, text);
            }
        }
        grew
    }

    /// Sends an incomplete trailing sequence, if any (at the very end).
    pub fn flush(&mut self, out: &LineWriter) {
        if !self.pending.is_empty() {
            let text = String::from_utf8_lossy(&self.pending).into_owned();
            self.pending.clear();
            send(out, text);
        }
    }
}

fn send(out: &LineWriter, text: String) {
    let _ = out.send(&ExecutorMessage::Log {
        stream: LogStream::Stdout,
        text,
    });
}
