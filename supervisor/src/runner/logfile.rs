//! Run logs: `<data-dir>/logs/<job-id>/<run-id>.log`, appended as output
//! arrives, capped at `maxLogBytes` with one marker line, and a watch
//! channel per live run carrying the current length so log streams wake
//! on every write without buffering output in memory.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tokio::sync::watch;

pub fn log_path(logs_dir: &Path, job_id: i64, run_id: i64) -> PathBuf {
    logs_dir
        .join(job_id.to_string())
        .join(format!("{run_id}.log"))
}

pub struct LogWriter {
    file: File,
    written: u64,
    cap: u64,
    truncated: bool,
    at_line_start: bool,
    live: watch::Sender<u64>,
}

impl LogWriter {
    pub fn create(path: &Path, cap: u64, live: watch::Sender<u64>) -> io::Result<LogWriter> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        let file = File::options().create(true).append(true).open(path)?;
        let written = file.metadata()?.len();
        Ok(LogWriter {
            file,
            written,
            cap,
            truncated: false,
            at_line_start: true,
            live,
        })
    }

    /// Appends output; past the cap, writes the marker line once and drops
    /// the rest.
    pub fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.truncated || bytes.is_empty() {
            return Ok(());
        }
        let room = self.cap.saturating_sub(self.written) as usize;
        if bytes.len() <= room {
            self.write(bytes)?;
        } else {
            self.write(&bytes[..room])?;
            self.truncated = true;
            let newline = if self.ends_with_newline() { "" } else { "\n" };
            let marker = format!(
                "{newline}[backbeat] output truncated: maxLogBytes ({}) reached, further output dropped\n",
                self.cap
            );
            self.write(marker.as_bytes())?;
        }
        Ok(())
    }

    /// Adds a supervisor line (`[backbeat] …`), on a line of its own.
    pub fn note(&mut self, text: &str) -> io::Result<()> {
        let newline = if self.ends_with_newline() { "" } else { "\n" };
        self.append(format!("{newline}[backbeat] {text}\n").as_bytes())
    }

    fn ends_with_newline(&self) -> bool {
        self.at_line_start
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.file.write_all(bytes)?;
        self.written += bytes.len() as u64;
        self.at_line_start = bytes.ends_with(b"\n");
        self.live.send_replace(self.written);
        Ok(())
    }

    pub fn len(&self) -> u64 {
        self.written
    }

    pub fn is_empty(&self) -> bool {
        self.written == 0
    }
}

/// Length watchers of the runs being written right now.
#[derive(Default)]
pub struct LiveLogs {
    runs: Mutex<HashMap<i64, watch::Receiver<u64>>>,
}

impl LiveLogs {
    pub fn register(&self, run_id: i64) -> watch::Sender<u64> {
        let (tx, rx) = watch::channel(0);
        self.runs.lock().expect("live logs lock").insert(run_id, rx);
        tx
    }

    pub fn watch(&self, run_id: i64) -> Option<watch::Receiver<u64>> {
        self.runs
            .lock()
            .expect("live logs lock")
            .get(&run_id)
            .cloned()
    }

    pub fn remove(&self, run_id: i64) {
        self.runs.lock().expect("live logs lock").remove(&run_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_output_with_one_marker_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("1/2.log");
        let (tx, rx) = watch::channel(0);
        let mut log = LogWriter::create(&path, 10, tx).unwrap();
        log.append(b"12345").unwrap();
        log.append(b"67890abc").unwrap();
        log.append(b"more").unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "1234567890\n[backbeat] output truncated: maxLogBytes (10) reached, further output dropped\n"
        );
        assert_eq!(*rx.borrow(), text.len() as u64, "watchers see the length");
    }

    #[test]
    fn notes_start_on_their_own_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("3.log");
        let mut log = LogWriter::create(&path, 1000, watch::channel(0).0).unwrap();
        log.append(b"partial").unwrap();
        log.note("protocol error: x").unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "partial\n[backbeat] protocol error: x\n"
        );
    }
}
