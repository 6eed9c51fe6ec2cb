//! Jobs CRUD and validation, seeding, preferences, executors, cron preview.

use std::os::unix::fs::PermissionsExt;

use serde_json::{Value, json};

use crate::fixture::Server;

#[test]
fn first_launch_seeds_disabled_examples() {
    let server = Server::start();
    let jobs = server.get("/api/jobs").json()["jobs"]
        .as_array()
        .unwrap()
        .clone();
    assert!(jobs.len() >= 4, "{jobs:?}");
    assert!(
        jobs.iter()
            .all(|j| j["enabled"] == false && j["nextRunAt"].is_null())
    );
    let types: Vec<&str> = jobs.iter().map(|j| j["type"].as_str().unwrap()).collect();
    assert!(types.contains(&"script") && types.contains(&"ai"));
    let kinds: Vec<&str> = jobs
        .iter()
        .map(|j| j["schedule"]["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"cron") && kinds.contains(&"once"));
}

#[test]
fn create_read_update_delete() {
    let server = Server::start();
    let job = server.create_job(json!({
        "title": "Nightly backup",
        "body": "echo backup",
        "schedule": {"kind": "cron", "expr": "0 3 * * *", "timezone": "Europe/Paris"},
        "cwd": "/tmp",
        "env": {"RESTIC_REPOSITORY": "/backups"},
        "timeoutMs": 60000,
        "overlap": "skip",
        "catchUp": true
    }));
    let id = job["id"].as_i64().unwrap();
    assert_eq!(job["enabled"], true, "enabled defaults to true");
    assert_eq!(job["schedule"]["timezone"], "Europe/Paris");
    assert_eq!(job["env"]["RESTIC_REPOSITORY"], "/backups");
    assert!(
        job["nextRunAt"].as_str().unwrap().ends_with(":00:00.000Z"),
        "03:00 Paris is a whole UTC hour"
    );
    assert!(job["lastRun"].is_null() && job["usageTotals"].is_null());
    assert_eq!(server.get(&format!("/api/jobs/{id}")).json(), job);

    // PATCH merges; a GET result can be sent back with its read-only fields.
    let mut edited = job.clone();
    edited["title"] = json!("Nightly backup v2");
    let patched = server.patch(&format!("/api/jobs/{id}"), edited).json();
    assert_eq!(patched["title"], "Nightly backup v2");
    assert_eq!(patched["overlap"], "skip");
    let disabled = server
        .patch(&format!("/api/jobs/{id}"), json!({"enabled": false}))
        .json();
    assert_eq!(disabled["enabled"], false);
    assert!(
        disabled["nextRunAt"].is_null(),
        "a disabled job has no next run"
    );
    assert_eq!(disabled["title"], "Nightly backup v2");

    let enabled_only: Vec<Value> = server.get("/api/jobs?enabled=false&type=script").json()["jobs"]
        .as_array()
        .unwrap()
        .clone();
    assert!(enabled_only.iter().any(|j| j["id"] == id));
    assert!(
        enabled_only
            .iter()
            .all(|j| j["enabled"] == false && j["type"] == "script")
    );
    server
        .get("/api/jobs?enabled=maybe")
        .assert_error(400, "bad_request", None);

    assert_eq!(server.delete(&format!("/api/jobs/{id}")).status, 204);
    server
        .get(&format!("/api/jobs/{id}"))
        .assert_error(404, "not_found", None);
    server
        .delete(&format!("/api/jobs/{id}"))
        .assert_error(404, "not_found", None);
}

#[test]
fn invalid_jobs_get_precise_errors() {
    let server = Server::start();
    let base =
        json!({"title": "t", "type": "script", "body": "true", "schedule": {"kind": "manual"}});
    let with = |key: &str, value: Value| {
        let mut body = base.clone();
        body[key] = value;
        server.post("/api/jobs", body)
    };
    let without = |key: &str| {
        let mut body = base.clone();
        body.as_object_mut().unwrap().remove(key);
        server.post("/api/jobs", body)
    };
    without("title").assert_error(422, "validation_failed", Some("title"));
    without("schedule").assert_error(422, "validation_failed", Some("schedule"));
    with("title", json!(42)).assert_error(400, "bad_request", Some("title"));
    with("enabled", json!("yes")).assert_error(400, "bad_request", Some("enabled"));
    with("timeoutMs", json!(1.5)).assert_error(400, "bad_request", Some("timeoutMs"));
    with("timeoutMs", json!(10)).assert_error(422, "validation_failed", Some("timeoutMs"));
    with("body", json!("  ")).assert_error(422, "validation_failed", Some("body"));
    with("cwd", json!("relative/dir")).assert_error(422, "validation_failed", Some("cwd"));
    with("env", json!({"1BAD": "x"})).assert_error(422, "validation_failed", Some("env.1BAD"));
    with("env", json!({"GOOD": 5})).assert_error(400, "bad_request", Some("env.GOOD"));
    with("overlap", json!("sometimes")).assert_error(422, "validation_failed", Some("overlap"));
    with("type", json!("Bad Type")).assert_error(422, "validation_failed", Some("type"));
    with("type", json!("nosuch")).assert_error(422, "validation_failed", Some("type"));
    with("frequency", json!("daily")).assert_error(422, "validation_failed", Some("frequency"));
    with("ai", json!({"effort": "turbo"})).assert_error(
        422,
        "validation_failed",
        Some("ai.effort"),
    );
    with("ai", json!({"mode": "codex", "effort": "minimal"})).assert_eq_status(201);
    with("ai", json!({"mode": "claude", "effort": "minimal"})).assert_error(
        422,
        "validation_failed",
        Some("ai.effort"),
    );
    with("ai", json!({"sandbox": "yolo"})).assert_error(
        422,
        "validation_failed",
        Some("ai.sandbox"),
    );
    with("schedule", json!({"kind": "weekly"})).assert_error(
        422,
        "validation_failed",
        Some("schedule.kind"),
    );
    let bad = with("schedule", json!({"kind": "cron", "expr": "* * *"}));
    bad.assert_error(422, "validation_failed", Some("schedule.expr"));
    assert!(
        bad.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expected 5 fields, got 3")
    );
    with("schedule", json!({"kind": "cron", "expr": "0 0 * * * *"})).assert_error(
        422,
        "validation_failed",
        Some("schedule.expr"),
    );
    with(
        "schedule",
        json!({"kind": "cron", "expr": "0 3 * * *", "timezone": "Mars/Base"}),
    )
    .assert_error(422, "validation_failed", Some("schedule.timezone"));
    with(
        "schedule",
        json!({"kind": "once", "at": "2001-01-01T00:00:00Z"}),
    )
    .assert_error(422, "validation_failed", Some("schedule.at"));
    with("schedule", json!({"kind": "once", "at": "next tuesday"})).assert_error(
        422,
        "validation_failed",
        Some("schedule.at"),
    );
    server
        .post("/api/jobs", json!("a string"))
        .assert_error(400, "bad_request", None);
    let count = server.get("/api/jobs").json()["jobs"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        count, 5,
        "only the one valid job was added to the 4 examples"
    );
}

trait StatusCheck {
    fn assert_eq_status(&self, status: u16);
}

impl StatusCheck for crate::fixture::Reply {
    fn assert_eq_status(&self, status: u16) {
        assert_eq!(self.status, status, "{}", self.body);
    }
}

fn error_fields(reply: &crate::fixture::Reply) -> Vec<String> {
    let body = reply.json();
    for error in body["errors"].as_array().unwrap() {
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_invalid_field_comes_back_in_one_reply() {
    let server = Server::start();
    let reply = server.post(
        "/api/jobs",
        json!({"title": " ", "type": "script", "body": "true",
               "schedule": {"kind": "cron", "expr": "61 * * * *"},
               "timeoutMs": 5, "env": {"1BAD": "x"}}),
    );
    reply.assert_error(422, "validation_failed", Some("title"));
    assert_eq!(
        error_fields(&reply),
        ["title", "schedule.expr", "env.1BAD", "timeoutMs"]
    );
    assert_eq!(
        reply.json()["errors"][0]["message"],
        reply.json()["error"]["message"]
    );

    // A wrong JSON type makes it a 400 and comes first.
    let reply = server.post(
        "/api/jobs",
        json!({"title": "", "type": "script", "body": "true",
               "schedule": {"kind": "manual"}, "enabled": "yes"}),
    );
    reply.assert_error(400, "bad_request", Some("enabled"));
    assert_eq!(error_fields(&reply), ["enabled", "title"]);

    let id = server.script_job("true");
    let reply = server.patch(
        &format!("/api/jobs/{id}"),
        json!({"title": "", "body": " ", "overlap": "sometimes"}),
    );
    reply.assert_error(422, "validation_failed", Some("title"));
    assert_eq!(error_fields(&reply), ["title", "body", "overlap"]);

    // A single error also lists itself.
    let reply = server.post(
        "/api/jobs",
        json!({"title": "x", "type": "script", "body": "true"}),
    );
    assert_eq!(error_fields(&reply), ["schedule"]);
    // Errors that are not about a field have no list.
    assert!(server.get("/api/jobs/999").json().get("errors").is_none());
}

#[test]
fn a_failed_patch_changes_nothing() {
    let server = Server::start();
    let job = server.create_job(json!({"title": "keep me", "body": "true"}));
    let id = job["id"].as_i64().unwrap();
    server
        .patch(
            &format!("/api/jobs/{id}"),
            json!({"title": "new", "schedule": {"kind": "cron", "expr": "bogus"}}),
        )
        .assert_error(422, "validation_failed", Some("schedule.expr"));
    server
        .patch(&format!("/api/jobs/{id}"), json!({"title": null}))
        .assert_error(422, "validation_failed", Some("title"));
    assert_eq!(server.get(&format!("/api/jobs/{id}")).json(), job);
}

#[test]
fn preferences_are_validated_and_persisted_atomically() {
    let server = Server::start();
    let prefs = server.get("/api/preferences").json();
    assert_eq!(prefs["defaultTimeoutMs"], 1800000);
    assert_eq!(prefs["logRetentionPerJob"], 50);
    assert_eq!(prefs["claudePermissionMode"], "bypassPermissions");
    assert_eq!(prefs["maxLogBytes"], 52428800);

    let updated = server.patch(
        "/api/preferences",
        json!({"maxConcurrentRuns": 2, "codexEffort": "minimal"}),
    );
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.json()["maxConcurrentRuns"], 2);
    let file: Value = serde_json::from_str(
        &std::fs::read_to_string(server.config_dir().join("preferences.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(file["maxConcurrentRuns"], 2);

    server
        .patch("/api/preferences", json!({"maxConcurrentRuns": 0}))
        .assert_error(422, "validation_failed", Some("maxConcurrentRuns"));
    server
        .patch("/api/preferences", json!({"stopGraceMs": "soon"}))
        .assert_error(400, "bad_request", Some("stopGraceMs"));
    server
        .patch("/api/preferences", json!({"theme": "dark"}))
        .assert_error(422, "validation_failed", Some("theme"));
    server
        .patch("/api/preferences", json!({"aiMode": "gpt"}))
        .assert_error(422, "validation_failed", Some("aiMode"));
    server
        .patch("/api/preferences", json!({"claudeEffort": "minimal"}))
        .assert_error(422, "validation_failed", Some("claudeEffort"));
    let after: Value = serde_json::from_str(
        &std::fs::read_to_string(server.config_dir().join("preferences.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(after, file, "rejected changes leave the file alone");
}

#[test]
fn executors_are_listed_and_custom_ones_found_without_restart() {
    let server = Server::start();
    let list = server.get("/api/executors").json()["executors"]
        .as_array()
        .unwrap()
        .clone();
    let sh = list
        .iter()
        .find(|e| e["name"] == "sh-runner")
        .expect("sh-runner listed");
    assert_eq!(sh["jobType"], "script");
    assert_eq!(sh["available"], true);
    assert_eq!(sh["version"], env!("CARGO_PKG_VERSION"));
    assert!(sh["binary"].as_str().unwrap().ends_with("/sh-runner"));
    let claude = list
        .iter()
        .find(|e| e["name"] == "claude-runner")
        .expect("claude-runner listed");
    assert_eq!(claude["jobType"], "ai");
    assert_eq!(claude["aiMode"], "claude");

    server
        .post(
            "/api/jobs",
            json!({"title": "t", "type": "hello", "body": "x", "schedule": {"kind": "manual"}}),
        )
        .assert_error(422, "validation_failed", Some("type"));
    let dir = server.config_dir().join("executors");
    let runner = dir.join("hello-runner");
    std::fs::write(
        &runner,
        "#!/bin/sh\nif [ \"$1\" = --describe ]; then echo '{\"name\":\"hello\",\"protocol\":1,\"version\":\"9.9\",\"jobType\":\"hello\",\"description\":\"says hello\"}'; exit 0; fi\nread start\nprintf '%s\\n' '{\"type\":\"log\",\"stream\":\"stdout\",\"text\":\"hello from a plugin\\n\"}'\nprintf '%s\\n' '{\"type\":\"result\",\"status\":\"success\",\"exitCode\":0}'\n",
    )
    .unwrap();
    std::fs::set_permissions(&runner, std::fs::Permissions::from_mode(0o755)).unwrap();
    let list = server.get("/api/executors").json()["executors"]
        .as_array()
        .unwrap()
        .clone();
    let hello = list
        .iter()
        .find(|e| e["name"] == "hello-runner")
        .expect("found without a restart");
    assert_eq!(hello["jobType"], "hello");
    assert_eq!(hello["version"], "9.9");
    assert_eq!(hello["description"], "says hello");

    let job = server.create_job(json!({"type": "hello", "body": "anything"}));
    let run = server.run_now(job["id"].as_i64().unwrap());
    let run = server.wait_finished(run);
    assert_eq!(run["status"], "success", "{run}");
    assert_eq!(run["executor"], "hello-runner");
    assert_eq!(
        server.log(run["id"].as_i64().unwrap()),
        "hello from a plugin\n"
    );

    // The runner disappears: the run fails clearly, the job stays.
    std::fs::remove_file(&runner).unwrap();
    let run = server.wait_finished(server.run_now(job["id"].as_i64().unwrap()));
    assert_eq!(run["status"], "failure");
    assert_eq!(run["error"], "executor not found: hello-runner");
    assert_eq!(server.get(&format!("/api/jobs/{}", job["id"])).status, 200);
}

#[test]
fn cron_preview_describes_and_lists_times_strictly_after_from() {
    let server = Server::start();
    let reply = server.post(
        "/api/cron/preview",
        json!({"expr": "0 9 * * 1-5", "timezone": "UTC", "count": 3, "from": "2026-11-27T09:00:00Z"}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    assert!(!body["description"].as_str().unwrap().is_empty());
    assert_eq!(
        body["next"],
        json!([
            "2026-11-30T09:00:00.000Z",
            "2026-12-01T09:00:00.000Z",
            "2026-12-02T09:00:00.000Z"
        ])
    );
    let default_count = server
        .post("/api/cron/preview", json!({"expr": "@hourly"}))
        .json();
    assert_eq!(default_count["next"].as_array().unwrap().len(), 5);
    server
        .post("/api/cron/preview", json!({"expr": "* * * * * *"}))
        .assert_error(422, "validation_failed", Some("expr"));
    server
        .post(
            "/api/cron/preview",
            json!({"expr": "* * * * *", "count": 51}),
        )
        .assert_error(422, "validation_failed", Some("count"));
    server
        .post(
            "/api/cron/preview",
            json!({"expr": "* * * * *", "timezone": "Nowhere/City"}),
        )
        .assert_error(422, "validation_failed", Some("timezone"));
    server
        .post("/api/cron/preview", json!({"expr": 5}))
        .assert_error(400, "bad_request", Some("expr"));
}

#[test]
fn the_calendar_lists_upcoming_runs_of_enabled_jobs() {
    let server = Server::start();
    let job = server.create_job(json!({"title": "every six hours", "body": "true", "schedule": {"kind": "cron", "expr": "0 */6 * * *", "timezone": "UTC"}}));
    let disabled = server.create_job(json!({"title": "off", "body": "true", "enabled": false, "schedule": {"kind": "cron", "expr": "0 * * * *"}}));
    let reply = server.get("/api/schedule?from=2030-01-01T00:00:00Z&to=2030-01-02T00:00:00Z");
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    let occurrences = body["occurrences"].as_array().unwrap();
    let ats: Vec<&str> = occurrences
        .iter()
        .map(|o| o["at"].as_str().unwrap())
        .collect();
    assert_eq!(
        ats,
        [
            "2030-01-01T00:00:00.000Z",
            "2030-01-01T06:00:00.000Z",
            "2030-01-01T12:00:00.000Z",
            "2030-01-01T18:00:00.000Z"
        ],
        "[from, to): one exactly at from is in, one exactly at to is out"
    );
    assert!(
        occurrences
            .iter()
            .all(|o| o["jobId"] == job["id"] && o["title"] == "every six hours")
    );
    assert!(occurrences.iter().all(|o| o["jobId"] != disabled["id"]));
    assert_eq!(body["truncated"], false);
    server
        .get("/api/schedule?from=2030-01-01T00:00:00Z&to=2030-04-01T00:00:00Z")
        .assert_error(400, "bad_request", None);
    server
        .get("/api/schedule?from=yesterday")
        .assert_error(400, "bad_request", None);
    let default_window = server.get("/api/schedule").json();
    assert_eq!(
        default_window["occurrences"].as_array().unwrap().len(),
        28,
        "7 days × 4 a day"
    );
}

#[test]
fn a_get_result_of_a_fired_once_job_can_be_sent_back() {
    let mut server = Server::start();
    let at = backbeat::time::to_rfc3339((backbeat::time::now_ms() / 1000 + 2) * 1000);
    let job = server.create_job(json!({"body": "true", "schedule": {"kind": "once", "at": at}}));
    let id = job["id"].as_i64().unwrap();
    crate::fixture::eventually(10, "fired", || {
        server.get(&format!("/api/jobs/{id}")).json()["enabled"] == false
    });
    let mut fired = server.get(&format!("/api/jobs/{id}")).json();
    fired["title"] = json!("renamed");
    let reply = server.patch(&format!("/api/jobs/{id}"), fired.clone());
    assert_eq!(
        reply.status, 200,
        "an unchanged past schedule is not re-validated: {}",
        reply.body
    );
    fired["enabled"] = json!(true);
    server
        .patch(&format!("/api/jobs/{id}"), fired)
        .assert_error(422, "validation_failed", Some("schedule.at"));
    server.kill9();
}

#[test]
fn created_resources_have_a_location_and_401_says_how_to_authenticate() {
    let server = Server::start();
    let reply = server.post(
        "/api/jobs",
        json!({"title": "t", "type": "script", "body": "true", "schedule": {"kind": "manual"}}),
    );
    let id = reply.json()["id"].as_i64().unwrap();
    assert_eq!(
        reply.header("location"),
        Some(format!("/api/jobs/{id}").as_str())
    );
    let run = server.send("POST", &format!("/api/jobs/{id}/runs"), None);
    assert_eq!(
        run.header("location"),
        Some(format!("/api/runs/{}", run.json()["id"]).as_str())
    );
    let denied = server.get_with("/api/jobs", &[]);
    assert_eq!(
        denied.header("www-authenticate"),
        Some("Bearer realm=\"backbeat\"")
    );
}

#[test]
fn ids_of_deleted_jobs_and_runs_are_never_reused() {
    let server = Server::start();
    let job = server.script_job("true");
    let run = server.wait_finished(server.run_now(job))["id"]
        .as_i64()
        .unwrap();
    assert_eq!(server.delete(&format!("/api/jobs/{job}")).status, 204);
    let again = server.script_job("true");
    assert!(again > job, "job id {job} was handed out again");
    let run_again = server.wait_finished(server.run_now(again))["id"]
        .as_i64()
        .unwrap();
    assert!(run_again > run, "run id {run} was handed out again");
}
