//! Observing the fake CLIs and processes in tests: what a fake `claude` /
//! `codex` recorded (argv, cwd, stdin, pid and process group), whether a
//! process is still alive, and which processes are left in a group.

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

/// What a fake CLI recorded under the prefix `record`.
pub struct Recorded {
    pub argv: Vec<String>,
    pub cwd: String,
    pub stdin: String,
    pub pid: i32,
    pub pgid: i32,
}

impl Recorded {
    pub fn read(record: &Path) -> Recorded {
        let file = |ext: &str| {
            std::fs::read_to_string(format!("{}.{ext}", record.display()))
                .unwrap_or_else(|e| panic!("the fake CLI recorded no .{ext}: {e}"))
        };
        let argv = file("argv")
            .split_terminator('\0')
            .map(str::to_owned)
            .collect();
        let ids: Vec<i32> = file("pid")
            .split_whitespace()
            .map(|n| n.parse().expect("pid"))
            .collect();
        Recorded {
            argv,
            cwd: file("cwd").trim().into(),
            stdin: file("stdin").trim().into(),
            pid: ids[0],
            pgid: ids[1],
        }
    }

    /// The value following `flag` in argv.
    pub fn flag(&self, flag: &str) -> Option<&str> {
        self.argv
            .iter()
            .position(|a| a == flag)
            .and_then(|i| self.argv.get(i + 1))
            .map(String::as_str)
    }

    /// Everything after the `--` separator.
    pub fn after_dashdash(&self) -> &[String] {
        let at = self
            .argv
            .iter()
            .position(|a| a == "--")
            .expect("argv has --");
        &self.argv[at + 1..]
    }
}

/// Whether `pid` is a live (not zombie) process.
pub fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !matches!(
            stat.rsplit_once(") ").map(|(_, rest)| rest.as_bytes()[0]),
            Some(b'Z' | b'X')
        ),
        Err(_) => false,
    }
}

/// Waits up to `timeout` for `pid` to be gone.
pub fn gone_within(pid: i32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while alive(pid) {
        if Instant::now() > deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
    true
}

/// Live (not zombie) processes in process group `pgid`.
pub fn group_members(pgid: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            let Some((_, rest)) = stat.rsplit_once(") ") else {
                return false;
            };
            let fields: Vec<&str> = rest.split_whitespace().collect();
            !matches!(fields.first(), Some(&"Z" | &"X"))
                && fields.get(2) == Some(&pgid.to_string().as_str())
        })
        .collect()
}

/// Polls `condition` every 20 ms for up to `timeout`.
pub fn eventually(timeout: Duration, condition: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
}
