//! The Slurm client commands the runner uses — `sbatch --parsable`,
//! `scontrol show job` (falling back to `sacct` once the controller has
//! forgotten the job), `scancel` — each run with a time limit and with
//! SIGTERM ignored, so that the supervisor's SIGTERM to our process group
//! (a stop) does not kill a submission or a cancel half-way. SIGKILL at
//! the end of the grace still ends them with the group.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const SUBMIT_LIMIT: Duration = Duration::from_secs(60);
const QUERY_LIMIT: Duration = Duration::from_secs(20);

/// What `scontrol show job` (or `sacct`) says about a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobInfo {
    /// `PENDING`, `RUNNING`, `COMPLETED`, `FAILED`, `TIMEOUT`, …
    pub state: String,
    /// Why it is pending or how it ended (`Resources`, `NonZeroExitCode`);
    /// `None` is Slurm's word for no reason.
    pub reason: String,
    /// The batch script's exit code and the signal that ended it (0 = none).
    pub exit_code: i32,
    pub exit_signal: i32,
    pub node_list: String,
}

/// Submits `script` with `args`; the Slurm job id.
pub fn submit(args: &[String], script: &str) -> Result<u64, String> {
    let out = run("sbatch", args, Some(script), SUBMIT_LIMIT)?;
    if !out.ok {
        return Err(format!("sbatch failed: {}", out.stderr_line()));
    }
    // `--parsable` prints `<id>` or `<id>;<cluster>`.
    let first = out.stdout.lines().next().unwrap_or("").trim();
    first
        .split(';')
        .next()
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| format!("sbatch printed no job id: {:?}", out.stdout.trim()))
}

/// The job's state; `Ok(None)` when neither `scontrol` nor `sacct` knows it.
pub fn job_info(id: u64) -> Result<Option<JobInfo>, String> {
    let args = [
        "-o".to_string(),
        "show".into(),
        "job".into(),
        id.to_string(),
    ];
    let out = run("scontrol", &args, None, QUERY_LIMIT)?;
    if out.ok {
        return Ok(parse_scontrol(&out.stdout));
    }
    if !out.stderr.contains("Invalid job id") {
        return Err(format!(
            "scontrol show job {id} failed: {}",
            out.stderr_line()
        ));
    }
    // Gone from the controller's memory (MinJobAge): accounting may know.
    let args = [
        "-n",
        "-P",
        "-X",
        "-j",
        &id.to_string(),
        "-o",
        "State,ExitCode,Reason,NodeList",
    ]
    .map(String::from);
    match run("sacct", &args, None, QUERY_LIMIT) {
        Ok(out) if out.ok => Ok(parse_sacct(&out.stdout)),
        _ => Ok(None),
    }
}

/// `scancel <args> <id>`.
pub fn scancel(id: u64, args: &[&str]) -> Result<(), String> {
    let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    all.push(id.to_string());
    let out = run("scancel", &all, None, QUERY_LIMIT)?;
    if out.ok {
        Ok(())
    } else {
        Err(format!("scancel failed: {}", out.stderr_line()))
    }
}

/// `scontrol -o show job` output: one line of `Key=Value` words.
pub fn parse_scontrol(text: &str) -> Option<JobInfo> {
    let line = text.lines().find(|l| l.starts_with("JobId="))?;
    let field = |key: &str| {
        line.split_whitespace()
            .find_map(|word| word.strip_prefix(key)?.strip_prefix('='))
            .unwrap_or("")
            .to_string()
    };
    let (exit_code, exit_signal) = parse_exit(&field("ExitCode"));
    Some(JobInfo {
        state: field("JobState"),
        reason: field("Reason"),
        exit_code,
        exit_signal,
        node_list: field("NodeList"),
    })
}

/// `sacct -n -P -X -o State,ExitCode,Reason,NodeList` output.
pub fn parse_sacct(text: &str) -> Option<JobInfo> {
    let mut parts = text.lines().next()?.split('|');
    // `CANCELLED by 0` → `CANCELLED`.
    let state = parts.next()?.split_whitespace().next()?.to_string();
    let (exit_code, exit_signal) = parse_exit(parts.next().unwrap_or(""));
    Some(JobInfo {
        state,
        reason: parts.next().unwrap_or("").to_string(),
        exit_code,
        exit_signal,
        node_list: parts.next().unwrap_or("").to_string(),
    })
}

/// `3:0` → (3, 0).
fn parse_exit(text: &str) -> (i32, i32) {
    let (code, signal) = text.split_once(':').unwrap_or((text, "0"));
    (code.parse().unwrap_or(0), signal.parse().unwrap_or(0))
}

struct Output {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Output {
    /// The last non-empty line of stderr (Slurm's message), or the exit.
    fn stderr_line(&self) -> String {
        self.stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map_or_else(|| "no message".to_string(), |l| l.trim().to_string())
    }
}

/// Runs `program` with `args` and optional `stdin`, for at most `limit`.
fn run(
    program: &str,
    args: &[String],
    stdin: Option<&str>,
    limit: Duration,
) -> Result<Output, String> {
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    runner_control::ignore_sigterm_in(&mut command);
    let mut child = command
        .spawn()
        .map_err(|e| format!("could not start {program}: {e}"))?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        let text = text.to_string();
        thread::spawn(move || {
            let _ = pipe.write_all(text.as_bytes());
        });
    }
    let read_all = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().expect("piped")));
    let stderr = read_all(Box::new(child.stderr.take().expect("piped")));
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{program} did not answer within {} s",
                    limit.as_secs()
                ));
            }
            Err(e) => return Err(format!("waiting for {program} failed: {e}")),
        }
    };
    Ok(Output {
        ok: status.success(),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_scontrol_one_liners() {
        let line = "JobId=7 JobName=x UserId=root(0) JobState=FAILED Reason=NonZeroExitCode \
                    Dependency=(null) ExitCode=3:0 RunTime=00:00:01 NodeList=vm BatchHost=vm";
        assert_eq!(
            parse_scontrol(line),
            Some(JobInfo {
                state: "FAILED".into(),
                reason: "NonZeroExitCode".into(),
                exit_code: 3,
                exit_signal: 0,
                node_list: "vm".into(),
            })
        );
        let pending = "JobId=8 JobState=PENDING Reason=Resources ExitCode=0:0 NodeList=(null)";
        let info = parse_scontrol(pending).unwrap();
        assert_eq!(
            (info.state.as_str(), info.reason.as_str()),
            ("PENDING", "Resources")
        );
        assert_eq!(parse_scontrol("slurm_load_jobs error"), None);
    }

    #[test]
    fn reads_sacct_lines() {
        let info = parse_sacct("CANCELLED by 0|0:15|None|vm\n").unwrap();
        assert_eq!((info.state.as_str(), info.exit_signal), ("CANCELLED", 15));
        assert_eq!(parse_sacct(""), None);
    }
}
