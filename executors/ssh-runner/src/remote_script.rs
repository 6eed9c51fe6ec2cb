//! What runs on the remote host: a short bootstrap passed as ssh's remote
//! command (safe for any POSIX login shell, and fish), and the script it
//! reads from the channel — the job's values as quoted shell assignments,
//! then `wrapper.sh`. Values travel on stdin, not on the command line, so
//! neither the login shell's quoting nor the 128 KiB argument limit of the
//! remote kernel applies to them.

use std::collections::BTreeMap;

/// The remote command: reads `<length>\n<script>` from stdin (byte by
/// byte with `dd`, so nothing after the script is consumed: the rest of
/// stdin is the control channel) and runs the script with `/bin/sh`.
pub const BOOTSTRAP: &str =
    "exec /bin/sh -c 'IFS= read -r n && s=$(dd bs=1 count=\"$n\" 2>/dev/null) && eval \"$s\"'";

const WRAPPER: &str = include_str!("wrapper.sh");

/// What the remote side needs to run one job.
pub struct RemoteJob<'a> {
    /// Marks the wrapper's control lines on stderr.
    pub token: &'a str,
    /// Seconds between SIGTERM and SIGKILL when the connection drops.
    pub grace_secs: u64,
    /// The remote working directory; empty = the remote user's home.
    pub cwd: &'a str,
    pub shell: &'a str,
    pub body: &'a str,
    /// Exported in the job's process only (names are shell identifiers).
    pub env: &'a BTreeMap<String, String>,
}

/// POSIX-quotes `value` for a shell (`'…'`); NUL bytes cannot be passed.
pub fn quote(value: &str) -> Result<String, String> {
    shlex::try_quote(value)
        .map(|quoted| quoted.into_owned())
        .map_err(|_| "contains a NUL byte, which cannot be passed to a remote shell".to_string())
}

/// The bytes to write first on the ssh channel: `<length>\n<script>`.
pub fn payload(job: &RemoteJob) -> Result<Vec<u8>, String> {
    let mut exports = String::new();
    for (name, value) in job.env {
        if !is_identifier(name) {
            return Err(format!("env {name:?} is not a valid variable name"));
        }
        let value = quote(value).map_err(|e| format!("env {name}: {e}"))?;
        exports.push_str(&format!("export {name}={value}\n"));
    }
    let mut script = String::new();
    let assignments = [
        ("tok", job.token.to_string()),
        ("grace", job.grace_secs.to_string()),
        ("cwd", job.cwd.to_string()),
        ("shell", job.shell.to_string()),
        ("body", job.body.to_string()),
        ("exports", exports),
    ];
    for (name, value) in assignments {
        let value = quote(&value).map_err(|e| format!("{name}: {e}"))?;
        script.push_str(&format!("{name}={value}\n"));
    }
    script.push_str(WRAPPER);
    let mut bytes = format!("{}\n", script.len()).into_bytes();
    bytes.extend_from_slice(script.as_bytes());
    Ok(bytes)
}

fn is_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::process::{Command, Stdio};

    use super::*;

    /// Runs the bootstrap with a local /bin/sh, as sshd would remotely.
    fn run_locally(job: &RemoteJob) -> (String, String) {
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(BOOTSTRAP)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(&payload(job).unwrap()).unwrap();
        let output = std::thread::spawn(move || child.wait_with_output().unwrap());
        // Keep the channel open until the job is done, as ssh does.
        let output = output.join().unwrap();
        drop(stdin);
        (
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    }

    #[test]
    fn values_with_quotes_spaces_and_newlines_arrive_unchanged() {
        let env = BTreeMap::from([
            ("A".to_string(), "two  spaces".to_string()),
            ("B".to_string(), "it's \"q\" $HOME `id` \\n".to_string()),
            ("C".to_string(), "line1\nline2\n".to_string()),
        ]);
        let job = RemoteJob {
            token: "TOK",
            grace_secs: 1,
            cwd: "/",
            shell: "/bin/sh",
            body: "printf '[%s]' \"$A\" \"$B\" \"$C\" \"$(pwd)\"; echo 'it''s'; exit 3",
            env: &env,
        };
        let (stdout, stderr) = run_locally(&job);
        assert_eq!(
            stdout,
            "[two  spaces][it's \"q\" $HOME `id` \\n][line1\nline2\n][/]its\n"
        );
        assert!(stderr.starts_with("TOK pgid "), "{stderr}");
        assert!(stderr.ends_with("TOK exit 3\n"), "{stderr}");
    }

    #[test]
    fn what_the_job_leaves_in_its_group_is_killed() {
        let env = BTreeMap::new();
        let job = RemoteJob {
            token: "TOK",
            grace_secs: 1,
            cwd: "",
            shell: "/bin/sh",
            body: "sleep 300 >/dev/null 2>&1 & echo $!",
            env: &env,
        };
        let (stdout, stderr) = run_locally(&job);
        assert!(stderr.ends_with("TOK exit 0\n"), "{stderr}");
        let pid = stdout.trim();
        // SIGKILL is delivered a moment after kill(2) returns: allow it that.
        let gone = || {
            let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            (state.is_empty() || state.contains(") Z "), state)
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !gone().0 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let (dead, state) = gone();
        assert!(dead, "sleep {pid} survived: {state}");
    }

    #[test]
    fn a_missing_directory_is_reported_without_running_the_body() {
        let env = BTreeMap::new();
        let job = RemoteJob {
            token: "TOK",
            grace_secs: 1,
            cwd: "/no/such/dir",
            shell: "/bin/sh",
            body: "echo ran",
            env: &env,
        };
        assert_eq!(run_locally(&job), (String::new(), "TOK fail cwd\n".into()));
    }

    #[test]
    fn nul_bytes_and_bad_names_are_refused() {
        let env = BTreeMap::from([("1X".to_string(), "v".to_string())]);
        let job = RemoteJob {
            token: "T",
            grace_secs: 1,
            cwd: "",
            shell: "/bin/sh",
            body: "true",
            env: &env,
        };
        assert!(payload(&job).unwrap_err().contains("1X"));
        let env = BTreeMap::new();
        let job = RemoteJob {
            body: "a\0b",
            env: &env,
            ..job
        };
        assert!(payload(&job).unwrap_err().starts_with("body: "));
    }
}
