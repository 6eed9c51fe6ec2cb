//! AI authoring through an AI runner: starts `claude-runner` or
//! `codex-runner` with task `draft` or `refine`, keeps its stdin open until
//! the answer, and returns the `draft` message. Bounded in time; the
//! runner's process group is killed afterwards whatever happened.

use std::process::Stdio;
use std::time::Duration;

use backbeat_protocol::{
    Decoded, ExecutorMessage, PROTOCOL_VERSION, ResultStatus, Start, SupervisorMessage, Task,
    decode_executor_line, encode_line,
};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

use super::lines::{Line, LineReader};
use super::process::signal_group;
use super::registry::ExecutorRegistry;

pub struct DraftAnswer {
    pub draft: Value,
    pub notes: String,
}

/// Asks the runner for `mode` (`claude` | `codex`) to draft or refine a job.
/// `job` is `{"description"}` for a draft, the job plus `"instruction"`
/// for a refine. Errors are messages for a person.
pub async fn ask(
    registry: &ExecutorRegistry,
    mode: &str,
    task: Task,
    job: Value,
    settings: Value,
    timeout: Duration,
) -> Result<DraftAnswer, String> {
    let binary = format!("{mode}-runner");
    let executable = registry
        .find(&binary)
        .ok_or_else(|| format!("executor not found: {binary}"))?;
    let cwd = std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .filter(|p| p.is_dir())
        .unwrap_or_else(|| "/".into());
    let mut command = Command::new(&executable);
    command
        .current_dir(cwd)
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let (mut child, _owned) = super::orphans::spawn(&mut command)
        .map_err(|e| format!("could not start {}: {e}", executable.display()))?;
    let pid = child.id().map(i64::from).unwrap_or(0);
    let start = SupervisorMessage::Start(Box::new(Start {
        protocol: PROTOCOL_VERSION,
        task,
        run: None,
        job,
        settings,
    }));
    let mut stdin = child.stdin.take();
    if let Some(stdin) = stdin.as_mut() {
        stdin
            .write_all(encode_line(&start).as_bytes())
            .await
            .map_err(|e| format!("{binary} did not accept the request: {e}"))?;
    }
    let mut stdout = LineReader::new(BufReader::new(child.stdout.take().expect("piped")));
    let mut stderr = child.stderr.take().expect("piped");
    let stderr_task = tokio::spawn(async move {
        // Drain everything (a closed pipe would break a chatty runner),
        // keep the last 64 KiB for the error message.
        let (mut tail, mut chunk) = (Vec::new(), vec![0u8; 8192]);
        while let Ok(n) = stderr.read(&mut chunk).await {
            if n == 0 {
                break;
            }
            tail.extend_from_slice(&chunk[..n]);
            if tail.len() > 64 * 1024 {
                tail.drain(..tail.len() - 64 * 1024);
            }
        }
        String::from_utf8_lossy(&tail).into_owned()
    });

    let conversation = async {
        let mut draft = None;
        while let Ok(Some(line)) = stdout.next_line().await {
            let Line::Complete(bytes) = line else {
                continue;
            };
            match decode_executor_line(&bytes) {
                Ok(Decoded::Message(ExecutorMessage::Draft { draft: d, notes })) => {
                    draft = Some(DraftAnswer { draft: d, notes })
                }
                Ok(Decoded::Message(ExecutorMessage::Result(result))) => {
                    return (draft, Some(result));
                }
                _ => {}
            }
        }
        (draft, None)
    };
    let outcome = tokio::time::timeout(timeout, conversation).await;
    drop(stdin);
    signal_group(pid, libc::SIGKILL);
    let _ = child.wait().await;
    let stderr_text = stderr_task.await.unwrap_or_default();
    match outcome {
        Err(_) => Err(format!(
            "{binary} gave no answer within {} s",
            timeout.as_secs()
        )),
        Ok((Some(answer), Some(result))) if result.status == ResultStatus::Success => Ok(answer),
        Ok((_, Some(result))) => Err(result
            .error
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| format!("{binary} failed"))),
        Ok((_, None)) => {
            let detail = stderr_text
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no details");
            Err(format!("{binary} exited without an answer: {detail}"))
        }
    }
}
