//! Test fixture: boots the real `backbeat` binary on 127.0.0.1:0 with
//! temporary data and config directories, and talks to it over real HTTP.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const TOKEN: &str = "test-token-0123456789";

pub fn backbeat_bin() -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_backbeat"));
    let runner = bin.with_file_name("sh-runner");
    assert!(
        runner.exists(),
        "{} is missing: build the whole workspace first (cargo build --workspace)",
        runner.display()
    );
    bin
}

pub struct Server {
    child: Option<Child>,
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub base: String,
    pub stdout: String,
    env: Vec<(String, String)>,
    agent: ureq::Agent,
    /// Where the server's stderr goes instead of the test's own (see
    /// `start_capturing_stderr`).
    stderr_file: Option<PathBuf>,
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Asserts an error reply: status, code and (optionally) field.
    pub fn assert_error(&self, status: u16, code: &str, field: Option<&str>) {
        assert_eq!(self.status, status, "body: {}", self.body);
        let body = self.json();
        assert_eq!(body["error"]["code"], code, "body: {}", self.body);
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "error has a message"
        );
        if let Some(field) = field {
            assert_eq!(body["error"]["field"], field, "body: {}", self.body);
        }
    }
}

impl Server {
    pub fn start() -> Server {
        Self::start_with(&[])
    }

    pub fn start_with(env: &[(&str, &str)]) -> Server {
        Self::start_inner(env, false)
    }

    /// Like `start_with`, with the server's stderr kept in a file that
    /// `stderr()` reads (across restarts).
    pub fn start_capturing_stderr(env: &[(&str, &str)]) -> Server {
        Self::start_inner(env, true)
    }

    /// Everything the server wrote on stderr so far (when captured).
    pub fn stderr(&self) -> String {
        self.stderr_file
            .as_ref()
            .and_then(|path| std::fs::read_to_string(path).ok())
            .unwrap_or_default()
    }

    fn start_inner(env: &[(&str, &str)], capture_stderr: bool) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let stderr_file = capture_stderr.then(|| dir.path().join("stderr.log"));
        let env = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut server = Server {
            child: None,
            dir,
            port: 0,
            base: String::new(),
            stdout: String::new(),
            env,
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(30)))
                .build()
                .into(),
            stderr_file,
        };
        server.boot();
        server
    }

    /// Changes an environment variable for the next `boot`.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    /// Runs the binary with this server's directories and `extra` env.
    pub fn command(&self, extra: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(backbeat_bin());
        cmd.env("PORT", "0")
            .env("HOST", "127.0.0.1")
            .env("BACKBEAT_DATA_DIR", self.data_dir())
            .env("BACKBEAT_CONFIG_DIR", self.config_dir())
            .env("BACKBEAT_TOKEN", TOKEN)
            .env_remove("BACKBEAT_AUTH")
            .env_remove("BACKBEAT_DISABLE_SCHEDULER");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd
    }

    /// Starts (or restarts) the process and waits for its address.
    pub fn boot(&mut self) {
        let stderr = match &self.stderr_file {
            Some(path) => Stdio::from(
                std::fs::File::options()
                    .create(true)
                    .append(true)
                    .open(path)
                    .expect("stderr file"),
            ),
            None => Stdio::inherit(),
        };
        let mut child = self
            .command(&[])
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn backbeat");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut seen = String::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let Some(Ok(line)) = lines.next() else { break };
            seen.push_str(&line);
            seen.push('\n');
            if line.starts_with("dashboard: ") {
                break;
            }
        }
        let port = seen
            .split("listening on http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|p| p.parse::<u16>().ok())
            .unwrap_or_else(|| panic!("backbeat did not start; it printed:\n{seen}"));
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        self.port = port;
        self.base = format!("http://127.0.0.1:{port}");
        self.stdout = seen;
        self.child = Some(child);
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// SIGKILL, like a crash.
    pub fn kill9(&mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// SIGTERM and wait for the exit status.
    pub fn terminate(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        unsafe { libc_kill(child.id() as i32, 15) };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "backbeat did not exit after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn finish(&self, result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut response = result.expect("HTTP request failed");
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        self.finish(
            self.agent
                .get(self.url(path))
                .header("Authorization", format!("Bearer {TOKEN}"))
                .call(),
        )
    }

    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut req = self.agent.get(self.url(path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.finish(req.call())
    }

    pub fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        let url = self.url(path);
        let auth = format!("Bearer {TOKEN}");
        let result = match (method, body) {
            ("POST", Some(b)) => self
                .agent
                .post(url)
                .header("Authorization", auth)
                .header("Content-Type", "application/json")
                .send(b.to_string()),
            ("POST", None) => self
                .agent
                .post(url)
                .header("Authorization", auth)
                .send_empty(),
            ("PATCH", Some(b)) => self
                .agent
                .patch(url)
                .header("Authorization", auth)
                .header("Content-Type", "application/json")
                .send(b.to_string()),
            ("PATCH", None) => self
                .agent
                .patch(url)
                .header("Authorization", auth)
                .send_empty(),
            ("DELETE", _) => self.agent.delete(url).header("Authorization", auth).call(),
            _ => panic!("unsupported {method}"),
        };
        self.finish(result)
    }

    pub fn post(&self, path: &str, body: Value) -> Reply {
        self.send("POST", path, Some(&body))
    }

    pub fn patch(&self, path: &str, body: Value) -> Reply {
        self.send("PATCH", path, Some(&body))
    }

    pub fn delete(&self, path: &str) -> Reply {
        self.send("DELETE", path, None)
    }

    /// A raw HTTP/1.1 request (full control of headers), `Connection: close`.
    pub fn raw(&self, request_head: &str, body: &[u8]) -> Reply {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.write_all(request_head.as_bytes()).unwrap();
        let _ = stream.write_all(body);
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        Reply {
            status,
            headers,
            body: body.to_string(),
        }
    }

    /// Creates a job from `body` (defaults filled in); returns its JSON.
    pub fn create_job(&self, mut body: Value) -> Value {
        let defaults =
            json!({"title": "test job", "type": "script", "schedule": {"kind": "manual"}});
        for (k, v) in defaults.as_object().unwrap() {
            if body.get(k).is_none() {
                body[k] = v.clone();
            }
        }
        let reply = self.post("/api/jobs", body);
        assert_eq!(reply.status, 201, "create job: {}", reply.body);
        reply.json()
    }

    pub fn script_job(&self, script: &str) -> i64 {
        self.create_job(json!({"body": script}))["id"]
            .as_i64()
            .unwrap()
    }

    pub fn run_now(&self, job_id: i64) -> i64 {
        let reply = self.send("POST", &format!("/api/jobs/{job_id}/runs"), None);
        assert_eq!(reply.status, 202, "run now: {}", reply.body);
        reply.json()["id"].as_i64().unwrap()
    }

    pub fn run(&self, run_id: i64) -> Value {
        let reply = self.get(&format!("/api/runs/{run_id}"));
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()
    }

    /// Polls the run until `pred` holds (panics after `secs`).
    pub fn wait_run(&self, run_id: i64, secs: u64, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let run = self.run(run_id);
            if pred(&run) {
                return run;
            }
            assert!(
                Instant::now() < deadline,
                "run {run_id} never reached the expected state: {run}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn wait_finished(&self, run_id: i64) -> Value {
        self.wait_run(run_id, 30, |r| {
            !matches!(r["status"].as_str(), Some("queued") | Some("running"))
        })
    }

    pub fn log(&self, run_id: i64) -> String {
        self.get(&format!("/api/runs/{run_id}/log")).body
    }

    /// Opens an SSE stream and returns a line reader over it.
    pub fn sse(&self, path: &str, headers: &[(&str, &str)]) -> SseReader {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .build()
            .into();
        let mut req = agent
            .get(self.url(path))
            .header("Authorization", format!("Bearer {TOKEN}"));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let response = req.call().expect("SSE request");
        assert_eq!(response.status().as_u16(), 200);
        let content_type = response
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        SseReader {
            lines: BufReader::new(Box::new(response.into_body().into_reader())),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[derive(Debug, Clone)]
pub struct SseEvent {
    pub event: String,
    pub id: Option<String>,
    pub data: String,
}

impl SseEvent {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data).unwrap()
    }
}

pub struct SseReader {
    lines: BufReader<Box<dyn Read + Send>>,
}

impl SseReader {
    /// The next event, or `None` when the server closed the stream.
    pub fn next_event(&mut self) -> Option<SseEvent> {
        let mut event = SseEvent {
            event: "message".into(),
            id: None,
            data: String::new(),
        };
        let mut has_data = false;
        loop {
            let mut line = String::new();
            if self.lines.read_line(&mut line).ok()? == 0 {
                return None;
            }
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                if has_data {
                    return Some(event);
                }
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = line
                .split_once(':')
                .map(|(f, v)| (f, v.strip_prefix(' ').unwrap_or(v)))
                .unwrap_or((line, ""));
            match field {
                "event" => event.event = value.to_string(),
                "id" => event.id = Some(value.to_string()),
                "data" => {
                    if has_data {
                        event.data.push('\n');
                    }
                    event.data.push_str(value);
                    has_data = true;
                }
                _ => {}
            }
        }
    }

    /// Skips to the next event named `name`.
    pub fn next_named(&mut self, name: &str) -> Option<SseEvent> {
        loop {
            let event = self.next_event()?;
            if event.event == name {
                return Some(event);
            }
        }
    }
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

/// True while a process with this pid exists (and is not a zombie).
pub fn process_alive(pid: i64) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z'),
        Err(_) => false,
    }
}

/// Waits until the file exists and holds a pid.
pub fn read_pid_file(path: &Path, secs: u64) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && let Ok(pid) = text.trim().parse()
        {
            return pid;
        }
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Polls `cond` for up to `secs`.
pub fn eventually(secs: u64, what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Live processes whose environment holds `BB_MARK=<mark>`: (pid, command line).
pub fn marked(mark: &str) -> Vec<(i64, String)> {
    let needle = format!("BB_MARK={mark}\0");
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i64>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.windows(needle.len()).any(|w| w == needle.as_bytes()))
        })
        .map(|pid| {
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            (pid, String::from_utf8_lossy(&cmd).replace('\0', " "))
        })
        .collect()
}

/// Waits up to `secs` for `child` to exit; past that it is killed and the
/// test fails with `what`.
pub fn wait_bounded(child: &mut Child, secs: u64, what: &str) -> ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
