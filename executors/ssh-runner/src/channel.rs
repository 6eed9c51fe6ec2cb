//! The runner's side of the ssh channel's stdin: first the script for the
//! remote wrapper, then control lines (`TERM`, `KILL`) that the wrapper
//! turns into signals to the remote process group. One writer thread owns
//! the pipe, so a slow connection never blocks whoever asks for a stop.

use std::io::Write;
use std::process::ChildStdin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::thread;
use std::time::Duration;

pub struct Channel {
    lines: Mutex<Sender<Vec<u8>>>,
    stopping: AtomicBool,
    /// After `TERM`, when `KILL` follows.
    kill_after: Duration,
}

impl Channel {
    /// Starts writing `payload` to `stdin`, then whatever is sent later.
    /// The pipe stays open until the process ends: EOF tells the remote
    /// side that the runner is gone.
    pub fn open(mut stdin: ChildStdin, payload: Vec<u8>, kill_after: Duration) -> Channel {
        let (tx, rx) = mpsc::channel::<Vec<u8>>();
        thread::spawn(move || {
            if stdin
                .write_all(&payload)
                .and_then(|()| stdin.flush())
                .is_err()
            {
                return;
            }
            // The channel is never dropped (one run per process), so this
            // loop, and the open pipe, last until the process ends.
            for line in rx {
                if stdin.write_all(&line).and_then(|()| stdin.flush()).is_err() {
                    return;
                }
            }
        });
        Channel {
            lines: Mutex::new(tx),
            stopping: AtomicBool::new(false),
            kill_after,
        }
    }

    fn send(&self, line: &str) {
        let lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        let _ = lines.send(format!("{line}\n").into_bytes());
    }

    /// SIGTERM: the remote group gets SIGTERM now and SIGKILL after the
    /// grace (once, however often it is asked). SIGKILL: SIGKILL now.
    pub fn signal(&'static self, signal: libc::c_int) {
        if signal == libc::SIGKILL {
            self.send("KILL");
            return;
        }
        if self.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        self.send("TERM");
        thread::spawn(move || {
            thread::sleep(self.kill_after);
            self.send("KILL");
        });
    }

    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }
}
