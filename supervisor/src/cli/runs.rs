//! `backbeat run`, `runs`, `logs` and `stop`: starting runs, listing
//! them, reading and following logs, and waiting for outcomes.

use std::io::{BufRead, BufReader, Write};
use std::time::Duration;

use serde_json::{Value, json};

use super::args::RunArgs;
use super::http::Client;
use super::jobs::{parse_env, resolve};
use super::output::{Table, duration_of, local_time, print_json, text};
use super::{Exit, exit};

pub fn run(client: &Client, args: RunArgs) -> anyhow::Result<bool> {
    let job = resolve(client, &args.job)?;
    let body = if args.env.is_empty() {
        None
    } else {
        let env: serde_json::Map<String, Value> = parse_env(&args.env)?
            .into_iter()
            .map(|(k, v)| (k, json!(v)))
            .collect();
        Some(json!({ "env": env }))
    };
    let run = client.call(
        "POST",
        &format!("/api/jobs/{}/runs", job["id"]),
        body.as_ref(),
    )?;
    let id = run["id"]
        .as_i64()
        .ok_or_else(|| anyhow::anyhow!("the server answered without a run id: {run}"))?;
    if !args.json {
        // The id first, on its own line, so scripts can take it.
        println!("run {id} of job {} “{}”", job["id"], text(&job["title"]));
    }
    let run = if args.follow {
        follow_log(client, id)?;
        wait_finished(client, id)?
    } else if args.wait {
        wait_finished(client, id)?
    } else {
        if args.json {
            print_json(&run);
        }
        return Ok(true);
    };
    Ok(outcome(&run, args.json))
}

/// Prints how a finished run ended; true on success.
fn outcome(run: &Value, json: bool) -> bool {
    if json {
        print_json(run);
    } else {
        let mut line = format!(
            "run {} {} after {}",
            run["id"],
            text(&run["status"]),
            duration_of(&run["durationMs"])
        );
        if let Some(error) = run["error"].as_str() {
            line.push_str(&format!(": {error}"));
        }
        // What an AI run said: its final message, or that it was quiet.
        if run["quiet"] == true {
            line.push_str(" (nothing to report)");
        } else if let Some(summary) = run["summary"].as_str() {
            line.push_str(&format!("\n{summary}"));
        }
        if run["status"] == "success" {
            println!("{line}");
        } else {
            eprintln!("{line}");
        }
    }
    run["status"] == "success"
}

/// Polls until the run is neither queued nor running.
fn wait_finished(client: &Client, id: i64) -> anyhow::Result<Value> {
    loop {
        let run = client.get(&format!("/api/runs/{id}"))?;
        if !matches!(run["status"].as_str(), Some("queued" | "running")) {
            return Ok(run);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

pub fn runs(
    client: &Client,
    job: Option<&str>,
    status: Option<&str>,
    limit: u32,
    json: bool,
) -> anyhow::Result<bool> {
    let mut query = format!("/api/runs?limit={limit}");
    if let Some(job) = job {
        query.push_str(&format!("&jobId={}", resolve(client, job)?["id"]));
    }
    if let Some(status) = status {
        query.push_str(&format!("&status={status}"));
    }
    let runs = client.get(&query)?;
    if json {
        print_json(&runs["runs"]);
        return Ok(true);
    }
    let mut table = Table::new(&[
        ">RUN",
        "STATUS",
        "TRIGGER",
        "STARTED",
        ">DURATION",
        ">JOB",
        "TITLE",
        "ERROR",
    ]);
    for run in runs["runs"].as_array().into_iter().flatten() {
        let started = if run["startedAt"].is_null() {
            &run["queuedAt"]
        } else {
            &run["startedAt"]
        };
        table.row(vec![
            run["id"].to_string(),
            text(&run["status"]),
            text(&run["trigger"]),
            local_time(started),
            duration_of(&run["durationMs"]),
            run["jobId"].to_string(),
            text(&run["jobTitle"]),
            run["error"].as_str().unwrap_or("").to_string(),
        ]);
    }
    table.print();
    Ok(true)
}

/// `logs`: the log so far, or with `follow` until the run ends (exit
/// status from the outcome).
pub fn logs(client: &Client, id: i64, follow: bool) -> anyhow::Result<bool> {
    client.get(&format!("/api/runs/{id}")).map_err(|e| {
        if Exit::code_of(&e) == Exit::NOT_FOUND {
            exit(
                Exit::NOT_FOUND,
                format!("run {id} not found; `backbeat runs` lists them"),
            )
        } else {
            e
        }
    })?;
    if !follow {
        let mut log = client.stream(&format!("/api/runs/{id}/log"))?;
        std::io::copy(&mut log, &mut std::io::stdout().lock())?;
        return Ok(true);
    }
    follow_log(client, id)?;
    let run = wait_finished(client, id)?;
    Ok(outcome(&run, false))
}

/// Streams the log (server-sent events) to stdout until the run ends.
fn follow_log(client: &Client, id: i64) -> anyhow::Result<()> {
    let reader = BufReader::new(client.stream(&format!("/api/runs/{id}/log/stream"))?);
    let mut event = String::new();
    let mut stdout = std::io::stdout().lock();
    for line in reader.lines() {
        let line = line?;
        if let Some(name) = line.strip_prefix("event: ") {
            event = name.to_string();
        } else if let Some(data) = line.strip_prefix("data: ") {
            match event.as_str() {
                "log" => {
                    let data: Value = serde_json::from_str(data).unwrap_or(Value::Null);
                    stdout.write_all(data["text"].as_str().unwrap_or("").as_bytes())?;
                    stdout.flush()?;
                }
                "end" => break,
                _ => {}
            }
        }
    }
    Ok(())
}

pub fn stop(client: &Client, id: i64, no_wait: bool, json: bool) -> anyhow::Result<bool> {
    let run = client.call("POST", &format!("/api/runs/{id}/stop"), None)?;
    if no_wait {
        if json {
            print_json(&run);
        } else {
            println!("run {id} {}", text(&run["status"]));
        }
        return Ok(true);
    }
    let run = wait_finished(client, id)?;
    if json {
        print_json(&run);
    } else {
        let mut line = format!(
            "run {id} {} after {}",
            text(&run["status"]),
            duration_of(&run["durationMs"])
        );
        if let Some(error) = run["error"].as_str() {
            line.push_str(&format!(": {error}"));
        }
        println!("{line}");
    }
    // Stopping worked: the run ended, whatever its status says.
    Ok(true)
}
