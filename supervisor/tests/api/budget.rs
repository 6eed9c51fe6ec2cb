//! Spending guardrails of AI jobs, with the fake claude CLI reporting a
//! chosen cost per run (`FAKE_CLI_COST` in the job's env): the job's
//! `ai.dailyBudgetUsd` and the global `aiDailyBudgetUsd` drop a run about
//! to start over budget (manual and scheduled alike) with the exact error,
//! the `budget` notification reaches a real webhook once per streak,
//! "spent today" is on the job, the jobs list, `GET /api/ai/spend` and
//! `backbeat jobs show`, and `maxConcurrentAiRuns` holds AI runs queued
//! while a script run still starts.

use serde_json::{Value, json};

use crate::ai::ai_server;
use crate::cli::backbeat;
use crate::fixture::{Server, eventually};
use crate::notify::{create_channel, settled_deliveries};
use crate::receiver::Receiver;

/// An AI job whose runs each cost `cost_usd`.
fn ai_job(server: &Server, title: &str, cost_usd: &str, extra: Value) -> i64 {
    let mut body = json!({"title": title, "type": "ai", "body": "Say hi.",
                          "env": {"FAKE_CLI_COST": cost_usd}});
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    server.create_job(body)["id"].as_i64().unwrap()
}

fn finished_run(server: &Server, job: i64) -> Value {
    server.wait_finished(server.run_now(job))
}

fn spent_today(server: &Server, job: i64) -> f64 {
    server.get(&format!("/api/jobs/{job}")).json()["spentTodayUsd"]
        .as_f64()
        .unwrap()
}

#[test]
fn a_run_that_would_pass_the_job_budget_is_dropped_and_told_once() {
    let server = ai_server("success");
    let receiver = Receiver::start();
    let channel = create_channel(
        &server,
        json!({"name": "spend", "kind": "webhook", "config": {"url": receiver.url("/budget")}}),
    );
    let job = ai_job(
        &server,
        "Triage inbox",
        "1.00",
        json!({"ai": {"dailyBudgetUsd": 2.5},
               "notify": {"channels": [channel], "on": ["failure", "budget"]}}),
    );
    assert_eq!(
        server.get(&format!("/api/jobs/{job}")).json()["ai"]["dailyBudgetUsd"],
        2.5
    );
    for _ in 0..2 {
        let run = finished_run(&server, job);
        assert_eq!(run["status"], "success", "{run}");
        assert_eq!(run["usage"]["costUsd"], 1.0);
    }
    assert_eq!(spent_today(&server, job), 2.0);

    // $2 spent, a run costs $1 on average: a third would pass $2.50.
    let dropped = finished_run(&server, job);
    assert_eq!(dropped["status"], "dropped", "{dropped}");
    assert_eq!(
        dropped["error"],
        "budget: $2.00 of $2.50 spent in the last 24 h"
    );
    assert!(
        dropped["startedAt"].is_null(),
        "it never started: {dropped}"
    );
    assert_eq!(
        spent_today(&server, job),
        2.0,
        "a dropped run costs nothing"
    );

    let told = receiver.wait_for("/budget", 1);
    let message = told[0].json();
    assert_eq!(message["event"], "budget");
    assert_eq!(message["job"]["title"], "Triage inbox");
    assert_eq!(message["run"]["id"], dropped["id"]);
    assert_eq!(
        message["run"]["error"],
        "budget: $2.00 of $2.50 spent in the last 24 h"
    );
    assert_eq!(told[0].header("x-backbeat-event"), Some("budget"));

    // The next drop is the same streak: recorded, not sent again.
    let again = finished_run(&server, job);
    assert_eq!(again["status"], "dropped");
    let deliveries = settled_deliveries(&server, again["id"].as_i64().unwrap(), 1);
    assert_eq!(deliveries[0]["event"], "budget");
    assert_eq!(deliveries[0]["status"], "suppressed", "{deliveries:?}");
    assert_eq!(receiver.at("/budget").len(), 1);

    // Raising the budget lets runs through again.
    let reply = server.patch(
        &format!("/api/jobs/{job}"),
        json!({"ai": {"dailyBudgetUsd": 10}}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(finished_run(&server, job)["status"], "success");
    assert_eq!(spent_today(&server, job), 3.0);
    let listed = server.get("/api/jobs").json()["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == job)
        .cloned()
        .unwrap();
    assert_eq!(listed["spentTodayUsd"], 3.0);

    let shown = backbeat(&server, &["jobs", "show", &job.to_string()]);
    shown.ok();
    assert!(
        shown.stdout.contains("$3.00 of $10.00 (last 24 h)"),
        "{}",
        shown.stdout
    );
}

#[test]
fn the_global_budget_counts_every_job_and_stops_scheduled_runs_too() {
    let server = ai_server("success");
    let reply = server.patch("/api/preferences", json!({"aiDailyBudgetUsd": 1.5}));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["aiDailyBudgetUsd"], 1.5);
    let first = ai_job(&server, "first", "1.00", json!({}));
    let second = ai_job(&server, "second", "0.75", json!({}));
    let script = server.script_job("echo not governed");

    assert_eq!(finished_run(&server, first)["status"], "success");
    // $1 spent; the second job has no runs yet, so nothing is expected of it.
    assert_eq!(finished_run(&server, second)["status"], "success");
    let spend = server.get("/api/ai/spend").json();
    assert_eq!(spend["spentTodayUsd"], 1.75);
    assert_eq!(spend["dailyBudgetUsd"], 1.5);
    assert_eq!(spend["maxConcurrentAiRuns"], 2);

    let dropped = finished_run(&server, first);
    assert_eq!(dropped["status"], "dropped");
    assert_eq!(
        dropped["error"],
        "budget: $1.75 of $1.50 spent in the last 24 h"
    );
    assert_eq!(
        finished_run(&server, script)["status"],
        "success",
        "script jobs have no budget"
    );

    // A scheduled run is checked the same way when it is about to start.
    let at = (chrono::Utc::now() + chrono::Duration::milliseconds(1500))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let once = ai_job(
        &server,
        "scheduled",
        "0.10",
        json!({"schedule": {"kind": "once", "at": at}}),
    );
    let newest = || server.get(&format!("/api/runs?jobId={once}")).json()["runs"][0].clone();
    eventually(20, "the once-job to fire and finish", || {
        newest()["status"] == "dropped"
    });
    let fired = newest();
    assert_eq!(fired["trigger"], "schedule");
    assert_eq!(
        fired["error"],
        "budget: $1.75 of $1.50 spent in the last 24 h"
    );

    // Unset again: no global limit.
    let reply = server.patch("/api/preferences", json!({"aiDailyBudgetUsd": null}));
    assert!(reply.json()["aiDailyBudgetUsd"].is_null());
    assert_eq!(finished_run(&server, first)["status"], "success");
}

#[test]
fn budgets_and_ai_slots_are_checked_and_named_when_invalid() {
    let server = Server::start();
    let prefs = server.get("/api/preferences").json();
    assert!(prefs["aiDailyBudgetUsd"].is_null(), "unset by default");
    assert_eq!(prefs["maxConcurrentAiRuns"], 2);
    let create = |ai: Value| {
        server.post(
            "/api/jobs",
            json!({"title": "t", "type": "ai", "body": "hi", "schedule": {"kind": "manual"}, "ai": ai}),
        )
    };
    create(json!({"dailyBudgetUsd": 0})).assert_error(
        422,
        "validation_failed",
        Some("ai.dailyBudgetUsd"),
    );
    create(json!({"dailyBudgetUsd": "5"})).assert_error(
        400,
        "bad_request",
        Some("ai.dailyBudgetUsd"),
    );
    for (body, status, field) in [
        (json!({"aiDailyBudgetUsd": -1}), 422, "aiDailyBudgetUsd"),
        (json!({"aiDailyBudgetUsd": true}), 400, "aiDailyBudgetUsd"),
        (
            json!({"maxConcurrentAiRuns": 0}),
            422,
            "maxConcurrentAiRuns",
        ),
    ] {
        let code = if status == 400 {
            "bad_request"
        } else {
            "validation_failed"
        };
        server
            .patch("/api/preferences", body)
            .assert_error(status, code, Some(field));
    }
    let job = server.create_job(json!({"type": "ai", "body": "hi"}));
    assert_eq!(job["spentTodayUsd"], 0.0);
    assert!(job["ai"].is_null());
}

#[test]
fn ai_runs_beyond_max_concurrent_ai_runs_wait_while_script_runs_start() {
    let server = ai_server("success");
    let reply = server.patch("/api/preferences", json!({"maxConcurrentAiRuns": 1}));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let slow = json!({"env": {"FAKE_CLI_SCENARIO": "sleep"}});
    let first = ai_job(&server, "first", "0.01", slow.clone());
    let second = ai_job(&server, "second", "0.01", slow);
    let script = server.script_job("echo beside the AI runs");

    let running = server.run_now(first);
    server.wait_run(running, 20, |r| r["status"] == "running");
    let waiting = server.run_now(second);
    let started = server.wait_finished(server.run_now(script));
    assert_eq!(started["status"], "success", "not held back: {started}");
    assert_eq!(
        server.run(waiting)["status"],
        "queued",
        "the AI slot is taken"
    );
    assert_eq!(server.get("/api/ai/spend").json()["runningAiRuns"], 1);

    let stop = server.send("POST", &format!("/api/runs/{running}/stop"), None);
    assert_eq!(stop.status, 202, "{}", stop.body);
    server.wait_run(waiting, 20, |r| r["status"] == "running");
    server.send("POST", &format!("/api/runs/{waiting}/stop"), None);
    assert_eq!(server.wait_finished(waiting)["error"], "stopped by user");
}
