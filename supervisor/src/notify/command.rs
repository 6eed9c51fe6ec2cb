//! `command` channels: `/bin/sh -c <command>` as the leader of its own
//! process group, the event in `BACKBEAT_*` variables, the log tail on
//! stdin, 30 s to finish; the whole group is killed afterwards, whatever
//! happened.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

use super::message::Message;
use crate::runner::process::signal_group;

pub const COMMAND_LIMIT: Duration = Duration::from_secs(30);

pub async fn run(command: &str, message: &Message) -> Result<(), String> {
    let run = message.run.as_ref();
    let mut command_line = Command::new("/bin/sh");
    command_line
        .arg("-c")
        .arg(command)
        .process_group(0)
        .env("BACKBEAT_EVENT", message.event.as_str())
        .env("BACKBEAT_JOB_ID", message.job_id.to_string())
        .env("BACKBEAT_JOB_TITLE", &message.job_title)
        .env(
            "BACKBEAT_RUN_ID",
            run.map(|r| r.id.to_string()).unwrap_or_default(),
        )
        .env("BACKBEAT_RUN_STATUS", message.run_status())
        .env("BACKBEAT_RUN_ERROR", message.run_error())
        .env("BACKBEAT_RUN_SUMMARY", message.run_summary())
        .env("BACKBEAT_RUN_URL", &message.run_url)
        .env("BACKBEAT_TITLE", message.title())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    // Registered as ours, so the orphan sweep never reaps it under tokio.
    let (mut child, _owned) = crate::runner::orphans::spawn(&mut command_line)
        .map_err(|e| format!("could not start /bin/sh: {e}"))?;
    let pid = child.id().map(i64::from).unwrap_or(0);
    let _group = KillGroupOnDrop(pid);
    if let Some(mut stdin) = child.stdin.take() {
        let tail = message.log_tail.clone();
        tokio::spawn(async move {
            let _ = stdin.write_all(tail.as_bytes()).await;
        });
    }
    let stderr = child.stderr.take().expect("piped");
    let mut reader = tokio::spawn(async move {
        let mut errors = Vec::new();
        let _ = stderr.take(4096).read_to_end(&mut errors).await;
        errors
    });
    let outcome = tokio::time::timeout(COMMAND_LIMIT, child.wait()).await;
    // Something the command left behind may hold stderr open: wait briefly.
    let errors = tokio::time::timeout(Duration::from_millis(200), &mut reader)
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    reader.abort();
    match outcome {
        Err(_) => Err(format!(
            "the command did not finish within {} s and was killed",
            COMMAND_LIMIT.as_secs()
        )),
        Ok(Err(e)) => Err(format!("waiting for the command: {e}")),
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => {
            let errors = String::from_utf8_lossy(&errors);
            let head: String = errors.trim().chars().take(300).collect();
            let how = match status.code() {
                Some(code) => format!("exit code {code}"),
                None => "killed by a signal".to_string(),
            };
            Err(if head.is_empty() {
                how
            } else {
                format!("{how}: {head}")
            })
        }
    }
}

/// Nothing the command started outlives its delivery.
struct KillGroupOnDrop(i64);

impl Drop for KillGroupOnDrop {
    fn drop(&mut self) {
        signal_group(self.0, libc::SIGKILL);
    }
}
