//! The `backbeat` command-line client: talks to a running supervisor over
//! the same HTTP API as scripts (address from HOST/PORT, token from
//! BACKBEAT_TOKEN or `<config-dir>/token`).

use std::io::{BufRead, BufReader, Write};
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value;

use crate::config::Config;

pub struct Client {
    base: String,
    token: Option<String>,
    agent: ureq::Agent,
}

impl Client {
    pub fn new(config: &Config) -> anyhow::Result<Client> {
        let token = crate::api::auth::load_token(config)?;
        let host = match config.host.as_str() {
            "0.0.0.0" | "::" | "[::]" => "127.0.0.1".to_string(),
            h if h.contains(':') && !h.starts_with('[') => format!("[{h}]"),
            h => h.to_string(),
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(5)))
            .build()
            .into();
        Ok(Client {
            base: format!("http://{host}:{}", config.port),
            token,
            agent,
        })
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        let auth = self
            .token
            .as_ref()
            .map(|t| format!("Bearer {t}"))
            .unwrap_or_default();
        let result = match method {
            "GET" => self.agent.get(&url).header("Authorization", &auth).call(),
            "POST" => match body {
                Some(body) => self
                    .agent
                    .post(&url)
                    .header("Authorization", &auth)
                    .header("Content-Type", "application/json")
                    .send(body.to_string()),
                None => self
                    .agent
                    .post(&url)
                    .header("Authorization", &auth)
                    .send_empty(),
            },
            other => bail!("unsupported method {other}"),
        };
        let mut response = result
            .with_context(|| format!("cannot reach Backbeat at {}: is it running?", self.base))?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let value: Value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        if status >= 400 {
            let message = value["error"]["message"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| value.to_string());
            bail!("{message} (HTTP {status})");
        }
        Ok(value)
    }

    pub fn jobs(&self) -> anyhow::Result<()> {
        let jobs = self.call("GET", "/api/jobs", None)?;
        println!(
            "{:>4}  {:<3}  {:<8}  {:<28}  {:<24}  {:<8}  TITLE",
            "ID", "ON", "TYPE", "SCHEDULE", "NEXT RUN", "LAST"
        );
        for job in jobs["jobs"].as_array().into_iter().flatten() {
            let schedule = &job["schedule"];
            let schedule = match schedule["kind"].as_str() {
                Some("cron") => format!(
                    "{} {}",
                    schedule["expr"].as_str().unwrap_or(""),
                    schedule["timezone"].as_str().unwrap_or("")
                ),
                Some("once") => format!("once {}", schedule["at"].as_str().unwrap_or("")),
                other => other.unwrap_or("?").to_string(),
            };
            println!(
                "{:>4}  {:<3}  {:<8}  {:<28}  {:<24}  {:<8}  {}",
                job["id"],
                if job["enabled"] == true { "yes" } else { "no" },
                job["type"].as_str().unwrap_or(""),
                schedule.trim(),
                job["nextRunAt"].as_str().unwrap_or("-"),
                job["lastRun"]["status"].as_str().unwrap_or("-"),
                job["title"].as_str().unwrap_or("")
            );
        }
        Ok(())
    }

    pub fn runs(&self, job: Option<i64>, status: Option<&str>, limit: u32) -> anyhow::Result<()> {
        let mut query = format!("/api/runs?limit={limit}");
        if let Some(job) = job {
            query.push_str(&format!("&jobId={job}"));
        }
        if let Some(status) = status {
            query.push_str(&format!("&status={status}"));
        }
        let runs = self.call("GET", &query, None)?;
        println!(
            "{:>6}  {:>4}  {:<8}  {:<8}  {:<24}  {:>8}  ERROR / TITLE",
            "RUN", "JOB", "STATUS", "TRIGGER", "QUEUED", "MS"
        );
        for run in runs["runs"].as_array().into_iter().flatten() {
            println!(
                "{:>6}  {:>4}  {:<8}  {:<8}  {:<24}  {:>8}  {}",
                run["id"],
                run["jobId"],
                run["status"].as_str().unwrap_or(""),
                run["trigger"].as_str().unwrap_or(""),
                run["queuedAt"].as_str().unwrap_or(""),
                run["durationMs"]
                    .as_i64()
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "-".into()),
                run["error"]
                    .as_str()
                    .unwrap_or(run["jobTitle"].as_str().unwrap_or(""))
            );
        }
        Ok(())
    }

    /// Starts a run; with `follow`, streams its log and returns whether it
    /// succeeded.
    pub fn run(&self, job: i64, follow: bool) -> anyhow::Result<bool> {
        let run = self.call("POST", &format!("/api/jobs/{job}/runs"), None)?;
        let id = run["id"]
            .as_i64()
            .context("the server answered without a run id")?;
        if !follow {
            println!("run {id} {}", run["status"].as_str().unwrap_or(""));
            return Ok(true);
        }
        self.logs(id, true)
    }

    pub fn stop(&self, run: i64) -> anyhow::Result<()> {
        let run = self.call("POST", &format!("/api/runs/{run}/stop"), None)?;
        println!("run {} {}", run["id"], run["status"].as_str().unwrap_or(""));
        Ok(())
    }

    /// Prints a run's log; with `follow`, until the run ends. Returns
    /// whether the run succeeded.
    pub fn logs(&self, run: i64, follow: bool) -> anyhow::Result<bool> {
        let auth = self
            .token
            .as_ref()
            .map(|t| format!("Bearer {t}"))
            .unwrap_or_default();
        if !follow {
            let url = format!("{}/api/runs/{run}/log", self.base);
            let mut response = self.agent.get(&url).header("Authorization", &auth).call()?;
            if response.status().as_u16() >= 400 {
                bail!(
                    "{}",
                    response.body_mut().read_to_string().unwrap_or_default()
                );
            }
            std::io::copy(&mut response.body_mut().as_reader(), &mut std::io::stdout())?;
            return Ok(true);
        }
        let url = format!("{}/api/runs/{run}/log/stream", self.base);
        let response = self.agent.get(&url).header("Authorization", &auth).call()?;
        if response.status().as_u16() >= 400 {
            bail!("run {run}: HTTP {}", response.status());
        }
        let reader = BufReader::new(response.into_body().into_reader());
        let (mut event, mut status) = (String::new(), String::new());
        let mut stdout = std::io::stdout();
        for line in reader.lines() {
            let line = line?;
            if let Some(name) = line.strip_prefix("event: ") {
                event = name.to_string();
            } else if let Some(data) = line.strip_prefix("data: ") {
                let data: Value = serde_json::from_str(data).unwrap_or(Value::Null);
                match event.as_str() {
                    "log" => {
                        stdout.write_all(data["text"].as_str().unwrap_or("").as_bytes())?;
                        stdout.flush()?;
                    }
                    "status" => status = data["status"].as_str().unwrap_or("").to_string(),
                    "end" => break,
                    _ => {}
                }
            }
        }
        let run = self.call("GET", &format!("/api/runs/{run}"), None)?;
        if status != "success" {
            eprintln!(
                "backbeat: run {} ended {}: {}",
                run["id"],
                run["status"].as_str().unwrap_or(""),
                run["error"].as_str().unwrap_or("")
            );
        }
        Ok(run["status"] == "success")
    }
}
