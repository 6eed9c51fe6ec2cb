//! The remote wrapper's control lines, picked out of the job's stderr:
//! `<token> pgid N` (the job started, in process group N), `<token> exit
//! N` (it ended with status N), `<token> fail cwd`. [`ControlFilter`]
//! wraps ssh's stderr, records them in [`Remote`] and passes everything
//! else through unchanged — a control line may follow an unfinished line
//! of the job, and may arrive split across reads.

use std::io::{self, Read};
use std::sync::{Arc, Mutex};

/// Longest control line accepted after the token; anything longer is output.
const MAX_CONTROL: usize = 64;
/// How much of the passed-through text is kept for error messages.
const TAIL: usize = 4096;

/// What the remote side reported so far.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Remote {
    /// The job's remote process group, once it started.
    pub pgid: Option<i64>,
    /// The job's exit status, once it ended.
    pub exit: Option<i32>,
    /// The remote working directory could not be entered.
    pub bad_cwd: bool,
    /// The end of the stderr text that was not control (ssh's own errors).
    tail: Vec<u8>,
}

impl Remote {
    /// The last non-empty line of stderr, trimmed (ssh's error message).
    pub fn last_stderr_line(&self) -> Option<String> {
        String::from_utf8_lossy(&self.tail)
            .lines()
            .map(str::trim)
            .rfind(|line| !line.is_empty())
            .map(str::to_owned)
    }
}

pub type Shared = Arc<Mutex<Remote>>;

pub struct ControlFilter<R> {
    inner: R,
    token: Vec<u8>,
    /// Read but not yet classified (may hold the start of a control line).
    pending: Vec<u8>,
    /// Classified as output, not yet returned.
    ready: Vec<u8>,
    /// Written to the log when the job has started.
    started_note: String,
    remote: Shared,
    eof: bool,
}

impl<R: Read> ControlFilter<R> {
    /// `started_note` is shown with the group id appended (`… group 42`).
    pub fn new(inner: R, token: &str, started_note: String, remote: Shared) -> Self {
        ControlFilter {
            inner,
            token: token.as_bytes().to_vec(),
            pending: Vec::new(),
            ready: Vec::new(),
            started_note,
            remote,
            eof: false,
        }
    }

    fn scan(&mut self) {
        loop {
            let Some(at) = find(&self.pending, &self.token) else {
                let keep = partial_token_suffix(&self.pending, &self.token);
                let cut = if self.eof {
                    self.pending.len()
                } else {
                    self.pending.len() - keep
                };
                self.pass(cut);
                return;
            };
            self.pass(at);
            let after = self.token.len();
            match self.pending.iter().position(|&b| b == b'\n') {
                Some(newline) => {
                    let line = String::from_utf8_lossy(&self.pending[after..newline]).into_owned();
                    if self.control(line.trim()) {
                        self.pending.drain(..=newline);
                    } else {
                        self.pass(after);
                    }
                }
                None if self.eof || self.pending.len() > after + MAX_CONTROL => self.pass(after),
                None => return,
            }
        }
    }

    /// Moves the first `n` pending bytes to the output.
    fn pass(&mut self, n: usize) {
        let text: Vec<u8> = self.pending.drain(..n).collect();
        let mut remote = self.remote.lock().unwrap_or_else(|p| p.into_inner());
        remote.tail.extend_from_slice(&text);
        let excess = remote.tail.len().saturating_sub(TAIL);
        remote.tail.drain(..excess);
        self.ready.extend_from_slice(&text);
    }

    /// Records a control line; false when it is not one (then it is output).
    fn control(&mut self, line: &str) -> bool {
        let mut remote = self.remote.lock().unwrap_or_else(|p| p.into_inner());
        let mut words = line.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some("pgid"), Some(pgid), None) if pgid.parse::<i64>().is_ok() => {
                remote.pgid = pgid.parse().ok();
                self.ready
                    .extend_from_slice(format!("{} {pgid}\n", self.started_note).as_bytes());
            }
            (Some("exit"), Some(code), None) if code.parse::<i32>().is_ok() => {
                remote.exit = code.parse().ok();
            }
            (Some("fail"), Some("cwd"), None) => remote.bad_cwd = true,
            _ => return false,
        }
        true
    }
}

impl<R: Read> Read for ControlFilter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut chunk = vec![0u8; buf.len().max(1)];
        while self.ready.is_empty() && !(self.eof && self.pending.is_empty()) {
            if self.eof {
                self.scan();
                continue;
            }
            let n = self.inner.read(&mut chunk)?;
            if n == 0 {
                self.eof = true;
            }
            self.pending.extend_from_slice(&chunk[..n]);
            self.scan();
        }
        let n = self.ready.len().min(buf.len());
        buf[..n].copy_from_slice(&self.ready[..n]);
        self.ready.drain(..n);
        Ok(n)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The length of the longest end of `data` that begins `token`.
fn partial_token_suffix(data: &[u8], token: &[u8]) -> usize {
    (1..token.len().min(data.len() + 1))
        .rev()
        .find(|&n| data.ends_with(&token[..n]))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader returning the given pieces one read at a time.
    struct Pieces(Vec<&'static [u8]>);

    impl Read for Pieces {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Ok(0);
            }
            let piece = self.0[0];
            let n = piece.len().min(buf.len());
            buf[..n].copy_from_slice(&piece[..n]);
            if n == piece.len() {
                self.0.remove(0);
            } else {
                self.0[0] = &piece[n..];
            }
            Ok(n)
        }
    }

    fn filter(pieces: Vec<&'static [u8]>) -> (String, Remote) {
        let remote = Shared::default();
        let mut filter =
            ControlFilter::new(Pieces(pieces), "TOK", "started".into(), remote.clone());
        let mut out = String::new();
        filter.read_to_string(&mut out).unwrap();
        let remote = remote.lock().unwrap().clone();
        (out, remote)
    }

    #[test]
    fn control_lines_are_taken_out_even_when_split_or_glued_to_output() {
        let (out, remote) = filter(vec![
            b"TOK pgid 42\nwarn",
            b"ing: no newline yetT",
            b"O",
            b"K exit 3",
            b"\nafter TO and TOKEN-like\n",
        ]);
        assert_eq!(
            out,
            "started 42\nwarning: no newline yetafter TO and TOKEN-like\n"
        );
        assert_eq!(
            (remote.pgid, remote.exit, remote.bad_cwd),
            (Some(42), Some(3), false)
        );
    }

    #[test]
    fn text_that_only_looks_like_control_is_output() {
        let (out, remote) = filter(vec![b"TO", b"KEN without newline"]);
        assert_eq!(out, "TOKEN without newline");
        assert_eq!(remote.exit, None);
        let (out, remote) = filter(vec![
            b"ssh: connect to host x port 1: Connection refused\r\n",
        ]);
        assert_eq!(out, "ssh: connect to host x port 1: Connection refused\r\n");
        assert_eq!(
            remote.last_stderr_line().as_deref(),
            Some("ssh: connect to host x port 1: Connection refused")
        );
        assert!(filter(vec![b"TOK fail cwd\n"]).1.bad_cwd);
    }
}
