//! Run logs: `<data-dir>/logs/<job-id>/<run-id>.log`, appended as output
//! arrives, capped at `maxLogBytes` with one marker line, and a watch
//! channel per live run carrying the current length so log streams wake
//! on every write without buffering output in memory. A write that fails
//! (full disk, I/O error) is never swallowed: the writer ends the log with
//! `[backbeat] output lost: <os error>` where the disk allows, says so on
//! stderr, and keeps the error for the run's outcome.

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
    path: PathBuf,
    written: u64,
    cap: u64,
    truncated: bool,
    /// The write error that ended the log early, if one did.
    lost: Option<String>,
    at_line_start: bool,
    live: watch::Sender<u64>,
}

/// How much already-written output may be cut to make room for the
/// `output lost` marker when not even that fits on a full disk: overwriting
/// space the file already owns needs no new block.
const MARKER_ROOM: u64 = 512;

impl LogWriter {
    pub fn create(path: &Path, cap: u64, live: watch::Sender<u64>) -> io::Result<LogWriter> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        let file = File::options().create(true).append(true).open(path)?;
        let written = file.metadata()?.len();
        Ok(LogWriter {
            file,
            path: path.to_path_buf(),
            written,
            cap,
            truncated: false,
            lost: None,
            at_line_start: true,
            live,
        })
    }

    /// Appends output; past the cap, writes the marker line once and drops
    /// the rest. After a failed write everything further is dropped (see
    /// [`LogWriter::lost`]).
    pub fn append(&mut self, bytes: &[u8]) {
        if self.truncated || self.lost.is_some() || bytes.is_empty() {
            return;
        }
        let room = self.cap.saturating_sub(self.written) as usize;
        if bytes.len() <= room {
            self.write(bytes);
        } else {
            self.write(&bytes[..room]);
            if self.lost.is_some() {
                return;
            }
            self.truncated = true;
            let newline = if self.ends_with_newline() { "" } else { "\n" };
            let marker = format!(
                "{newline}[backbeat] output truncated: maxLogBytes ({}) reached, further output dropped\n",
                self.cap
            );
            self.write(marker.as_bytes());
        }
    }

    /// Adds a supervisor line (`[backbeat] …`), on a line of its own.
    pub fn note(&mut self, text: &str) {
        let newline = if self.ends_with_newline() { "" } else { "\n" };
        self.append(format!("{newline}[backbeat] {text}\n").as_bytes())
    }

    /// Why output was lost (the OS error of the first failed write), if it was.
    pub fn lost(&self) -> Option<&str> {
        self.lost.as_deref()
    }

    fn ends_with_newline(&self) -> bool {
        self.at_line_start
    }

    fn write(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        match self.file.write_all(bytes) {
            Ok(()) => {
                self.written += bytes.len() as u64;
                self.at_line_start = bytes.ends_with(b"\n");
                self.live.send_replace(self.written);
            }
            Err(e) => self.lose(e),
        }
    }

    /// A write failed: part of `bytes` may be in the file. Records the
    /// error, says so on stderr, and ends the log with a marker line: at
    /// its end if that fits, else over its last bytes.
    fn lose(&mut self, error: io::Error) {
        let reason = error.to_string();
        eprintln!(
            "backbeat: output lost: could not write {}: {reason}; the rest of this run's output is dropped",
            self.path.display()
        );
        self.lost = Some(reason.clone());
        let len = self
            .file
            .metadata()
            .map(|m| m.len())
            .unwrap_or(self.written);
        if len != self.written {
            // A partial write: the file now ends mid-line.
            self.at_line_start = false;
        }
        self.written = len;
        let newline = if self.written == 0 || self.at_line_start {
            ""
        } else {
            "\n"
        };
        let marker = format!("{newline}[backbeat] output lost: {reason}\n");
        if self.file.write_all(marker.as_bytes()).is_ok() {
            self.written += marker.len() as u64;
        } else {
            self.cut_for_marker(&reason);
        }
        self.live.send_replace(self.written);
    }

    fn cut_for_marker(&mut self, reason: &str) {
        let cut = self.written.min(MARKER_ROOM);
        let marker = format!(
            "\n[backbeat] output lost: {reason} (the last {cut} bytes written were cut to make room for this line)\n"
        );
        if (marker.len() as u64) > cut {
            return;
        }
        let keep = self.written - cut;
        if self.file.set_len(keep).is_err() {
            return;
        }
        self.written = keep;
        if self.file.write_all(marker.as_bytes()).is_ok() {
            self.written += marker.len() as u64;
        } else {
            self.written = self.file.metadata().map(|m| m.len()).unwrap_or(keep);
        }
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
        log.append(b"12345");
        log.append(b"67890abc");
        log.append(b"more");
        assert_eq!(log.lost(), None);
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
        log.append(b"partial");
        log.note("protocol error: x");
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "partial\n[backbeat] protocol error: x\n"
        );
    }

    #[test]
    fn a_failed_write_is_kept_and_ends_the_log() {
        // /dev/full fails every write with ENOSPC, like a full disk.
        let Ok(file) = File::options().append(true).open("/dev/full") else {
            return;
        };
        let (tx, rx) = watch::channel(0);
        let mut log = LogWriter {
            file,
            path: PathBuf::from("/dev/full"),
            written: 0,
            cap: 1000,
            truncated: false,
            lost: None,
            at_line_start: true,
            live: tx,
        };
        log.append(b"some output\n");
        let lost = log.lost().expect("the error is kept").to_string();
        assert!(lost.contains("No space left on device"), "{lost}");
        log.append(b"more output\n");
        assert_eq!(log.lost(), Some(lost.as_str()), "the first error stays");
        assert_eq!(*rx.borrow(), 0, "nothing was written");
    }
}
