//! Notifications against real receivers: webhooks (json with the HMAC,
//! slack, discord), ntfy, command channels, Healthchecks pings, the
//! failure streak (one message, then suppressed, then recovery), a
//! receiver that is down, write-only secrets, the test endpoint and the
//! validation of `notify` / `pingUrl` / channels.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::fixture::{Server, eventually};
use crate::receiver::{Receiver, closed_port};

pub fn create_channel(server: &Server, body: Value) -> i64 {
    let reply = server.post("/api/channels", body);
    assert_eq!(reply.status, 201, "create channel: {}", reply.body);
    reply.json()["id"].as_i64().unwrap()
}

pub fn deliveries(server: &Server, run_id: i64) -> Vec<Value> {
    let reply = server.get(&format!("/api/runs/{run_id}/deliveries"));
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["deliveries"].as_array().unwrap().clone()
}

/// Waits until every delivery of the run is final and `count` exist.
pub fn settled_deliveries(server: &Server, run_id: i64, count: usize) -> Vec<Value> {
    eventually(
        30,
        &format!("{count} settled deliveries of run {run_id}"),
        || {
            let list = deliveries(server, run_id);
            list.len() == count && list.iter().all(|d| d["status"] != "pending")
        },
    );
    deliveries(server, run_id)
}

/// Runs the job with `FAIL=1` (fails) or not (succeeds); returns the run.
fn run_job(server: &Server, job: i64, fail: bool) -> Value {
    let env = json!({"env": {"FAIL": if fail { "1" } else { "0" }}});
    let reply = server.post(&format!("/api/jobs/{job}/runs"), env);
    assert_eq!(reply.status, 202, "{}", reply.body);
    let run = server.wait_finished(reply.json()["id"].as_i64().unwrap());
    assert_eq!(
        run["status"],
        if fail { "failure" } else { "success" },
        "{run}"
    );
    run
}

const FLAKY: &str = "echo \"working on it\"\necho \"step 2\"\n[ \"$FAIL\" != 1 ]";

fn hmac_hex(secret: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_failure_streak_notifies_once_and_the_recovery_once() {
    let server = Server::start();
    let receiver = Receiver::start();
    let channel = create_channel(
        &server,
        json!({"name": "ops hook", "kind": "webhook",
               "config": {"url": receiver.url("/hook"), "secret": "topsecret"}}),
    );
    let job = server.create_job(json!({"title": "Nightly backup", "body": FLAKY,
                                       "notify": {"channels": [channel]}}));
    assert_eq!(
        job["notify"],
        json!({"channels": [channel], "on": ["failure", "recovery"], "repeat": false})
    );
    let job = job["id"].as_i64().unwrap();

    let first = run_job(&server, job, true);
    let first_id = first["id"].as_i64().unwrap();
    let got = receiver.wait_for("/hook", 1);
    let message = &got[0];
    assert_eq!(message.method, "POST");
    assert_eq!(message.header("x-backbeat-event"), Some("failure"));
    assert_eq!(
        message.header("x-backbeat-signature").unwrap(),
        format!("sha256={}", hmac_hex("topsecret", &message.body)),
        "the signature is the HMAC-SHA256 of the exact body"
    );
    let body = message.json();
    assert_eq!(body["event"], "failure");
    assert_eq!(body["job"]["id"], job);
    assert_eq!(body["job"]["title"], "Nightly backup");
    assert_eq!(body["run"]["id"], first_id);
    assert_eq!(body["run"]["status"], "failure");
    assert_eq!(body["run"]["error"], "exit code 1");
    assert!(
        body["logTail"]
            .as_str()
            .unwrap()
            .contains("working on it\nstep 2"),
        "{body}"
    );
    assert!(
        body["runUrl"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/#/runs/{first_id}")),
        "{body}"
    );
    let recorded = settled_deliveries(&server, first_id, 1);
    assert_eq!(recorded[0]["channelId"], channel);
    assert_eq!(recorded[0]["event"], "failure");
    assert_eq!(recorded[0]["status"], "sent");
    assert_eq!(recorded[0]["attempts"], 1);

    for _ in 0..3 {
        let run = run_job(&server, job, true);
        let recorded = settled_deliveries(&server, run["id"].as_i64().unwrap(), 1);
        assert_eq!(recorded[0]["status"], "suppressed", "{recorded:?}");
        assert_eq!(recorded[0]["event"], "failure");
        assert!(recorded[0]["error"].as_str().unwrap().contains("repeat"));
    }
    assert_eq!(receiver.at("/hook").len(), 1, "the streak was told once");

    let ok = run_job(&server, job, false);
    let got = receiver.wait_for("/hook", 2);
    assert_eq!(got[1].json()["event"], "recovery");
    assert_eq!(got[1].json()["run"]["id"], ok["id"]);
    let recorded = settled_deliveries(&server, ok["id"].as_i64().unwrap(), 1);
    assert_eq!(recorded[0]["event"], "recovery");
    assert_eq!(recorded[0]["status"], "sent");

    // The next success is not a recovery (and success is not subscribed).
    let again = run_job(&server, job, false);
    std::thread::sleep(Duration::from_millis(300));
    assert!(deliveries(&server, again["id"].as_i64().unwrap()).is_empty());
    assert_eq!(receiver.at("/hook").len(), 2);

    let metrics = server.get("/metrics").body;
    assert!(
        metrics.contains("backbeat_notifications_total{kind=\"webhook\",status=\"sent\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("backbeat_notifications_total{kind=\"webhook\",status=\"suppressed\"} 3"),
        "{metrics}"
    );
}

#[test]
fn repeat_true_tells_every_failure() {
    let server = Server::start();
    let receiver = Receiver::start();
    let channel = create_channel(
        &server,
        json!({"name": "hook", "kind": "webhook", "config": {"url": receiver.url("/r")}}),
    );
    let job = server.create_job(json!({"body": FLAKY,
        "notify": {"channels": [channel], "on": ["failure"], "repeat": true}}))["id"]
        .as_i64()
        .unwrap();
    for _ in 0..2 {
        run_job(&server, job, true);
    }
    receiver.wait_for("/r", 2);
    assert!(
        receiver.at("/r")[0]
            .header("x-backbeat-signature")
            .is_none()
    );
}

#[test]
fn slack_discord_and_ntfy_get_their_own_shapes() {
    let server = Server::start();
    let receiver = Receiver::start();
    let slack = create_channel(
        &server,
        json!({"name": "slack", "kind": "webhook",
        "config": {"url": receiver.url("/slack"), "format": "slack", "headers": {"X-Team": "ops"}}}),
    );
    let discord = create_channel(
        &server,
        json!({"name": "discord", "kind": "webhook",
        "config": {"url": receiver.url("/discord"), "format": "discord"}}),
    );
    let ntfy = create_channel(
        &server,
        json!({"name": "phone", "kind": "ntfy",
        "config": {"url": receiver.url("/backbeat-topic"), "token": "tk_123", "priority": 4}}),
    );
    let job = server.create_job(json!({"title": "Report", "body": FLAKY,
        "notify": {"channels": [slack, discord, ntfy], "on": ["failure", "success"]}}))["id"]
        .as_i64()
        .unwrap();
    let run = run_job(&server, job, false);
    let run_id = run["id"].as_i64().unwrap();

    let slack_msg = &receiver.wait_for("/slack", 1)[0];
    let text = slack_msg.json()["text"].as_str().unwrap().to_string();
    assert!(
        text.contains("Report succeeded") && text.contains("step 2"),
        "{text}"
    );
    assert_eq!(
        slack_msg.header("x-team"),
        Some("ops"),
        "custom headers are sent"
    );
    assert_eq!(slack_msg.header("x-backbeat-event"), Some("success"));
    let content = receiver.wait_for("/discord", 1)[0].json()["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(content.contains("Report succeeded"), "{content}");

    let push = &receiver.wait_for("/backbeat-topic", 1)[0];
    assert_eq!(push.header("title"), Some("Report succeeded"));
    assert_eq!(push.header("priority"), Some("4"));
    assert_eq!(push.header("tags"), Some("white_check_mark"));
    assert_eq!(push.header("authorization"), Some("Bearer tk_123"));
    assert!(
        push.header("click")
            .unwrap()
            .ends_with(&format!("#/runs/{run_id}"))
    );
    assert!(push.body.contains("step 2"), "{}", push.body);

    let recorded = settled_deliveries(&server, run_id, 3);
    let kinds: Vec<&str> = recorded
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["webhook", "webhook", "ntfy"]);
    assert!(
        recorded.iter().all(|d| d["status"] == "sent"),
        "{recorded:?}"
    );
}

#[test]
fn ping_url_follows_the_healthchecks_convention() {
    let server = Server::start();
    let receiver = Receiver::start();
    let job = server.create_job(json!({"body": FLAKY, "pingUrl": receiver.url("/ping/abc")}));
    assert_eq!(job["pingUrl"], receiver.url("/ping/abc"));
    let job = job["id"].as_i64().unwrap();
    run_job(&server, job, false);
    assert_eq!(receiver.wait_for("/ping/abc/start", 1)[0].method, "GET");
    let success = &receiver.wait_for("/ping/abc", 1)[0];
    assert_eq!(success.method, "POST");
    assert!(success.body.contains("working on it"), "{}", success.body);

    let failed = run_job(&server, job, true);
    let fail = &receiver.wait_for("/ping/abc/fail", 1)[0];
    assert_eq!(fail.method, "POST");
    assert!(fail.body.contains("step 2"));
    let recorded = settled_deliveries(&server, failed["id"].as_i64().unwrap(), 2);
    assert!(
        recorded
            .iter()
            .all(|d| d["kind"] == "ping" && d["channelId"].is_null())
    );
    assert_eq!(recorded[1]["event"], "failure");
    assert_eq!(recorded[1]["status"], "sent");
}

#[test]
fn a_command_channel_gets_the_event_in_its_env_and_the_log_on_stdin() {
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    let channel = create_channel(
        &server,
        json!({"name": "script", "kind": "command",
        "config": {"command": format!("env | grep ^BACKBEAT_ | sort > {out}/env.txt; cat > {out}/stdin.txt")}}),
    );
    let job = server.create_job(json!({"title": "Sync photos", "body": FLAKY,
        "notify": {"channels": [channel]}}))["id"]
        .as_i64()
        .unwrap();
    let run = run_job(&server, job, true);
    let run_id = run["id"].as_i64().unwrap();
    let recorded = settled_deliveries(&server, run_id, 1);
    assert_eq!(recorded[0]["status"], "sent", "{recorded:?}");
    let env = std::fs::read_to_string(dir.path().join("env.txt")).unwrap();
    for expected in [
        "BACKBEAT_EVENT=failure".to_string(),
        format!("BACKBEAT_JOB_ID={job}"),
        "BACKBEAT_JOB_TITLE=Sync photos".to_string(),
        format!("BACKBEAT_RUN_ID={run_id}"),
        "BACKBEAT_RUN_STATUS=failure".to_string(),
        "BACKBEAT_RUN_ERROR=exit code 1".to_string(),
    ] {
        assert!(env.lines().any(|l| l == expected), "{expected} in {env}");
    }
    assert!(env.contains("BACKBEAT_RUN_URL=http://127.0.0.1:"), "{env}");
    let stdin = std::fs::read_to_string(dir.path().join("stdin.txt")).unwrap();
    assert!(stdin.contains("working on it\nstep 2"), "{stdin:?}");

    // The test endpoint sends now and answers with the outcome.
    let reply = server.send("POST", &format!("/api/channels/{channel}/test"), None);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["status"], "sent");
    assert_eq!(reply.json()["event"], "test");
    let env = std::fs::read_to_string(dir.path().join("env.txt")).unwrap();
    assert!(env.lines().any(|l| l == "BACKBEAT_EVENT=test"), "{env}");

    let broken = create_channel(
        &server,
        json!({"name": "broken", "kind": "command",
        "config": {"command": "echo no mail server here >&2; exit 3"}}),
    );
    let reply = server.send("POST", &format!("/api/channels/{broken}/test"), None);
    assert_eq!(reply.json()["status"], "failed", "{}", reply.body);
    assert_eq!(reply.json()["error"], "exit code 3: no mail server here");
}

#[test]
fn a_receiver_that_is_down_ends_failed_after_retries_and_runs_go_on() {
    let server = Server::start();
    let errors = Receiver::start();
    errors.answer_with(500);
    let down = create_channel(
        &server,
        json!({"name": "down", "kind": "webhook",
        "config": {"url": format!("http://127.0.0.1:{}/hook", closed_port())}}),
    );
    let broken = create_channel(
        &server,
        json!({"name": "500", "kind": "webhook",
        "config": {"url": errors.url("/err")}}),
    );
    let job = server.create_job(json!({"body": FLAKY,
        "notify": {"channels": [down, broken], "on": ["failure", "success", "start"]}}))["id"]
        .as_i64()
        .unwrap();
    let failed = run_job(&server, job, true);
    // The next run is not held up by deliveries still being retried.
    let next = run_job(&server, job, false);
    assert_eq!(next["status"], "success");

    let recorded = settled_deliveries(&server, failed["id"].as_i64().unwrap(), 4);
    settled_deliveries(&server, next["id"].as_i64().unwrap(), 4);
    for delivery in &recorded {
        assert_eq!(delivery["status"], "failed", "{delivery}");
        assert_eq!(delivery["attempts"], 3, "{delivery}");
    }
    let down_error = recorded
        .iter()
        .find(|d| d["channelId"] == down && d["event"] == "failure")
        .unwrap()["error"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!down_error.is_empty());
    let http_error = recorded
        .iter()
        .find(|d| d["channelId"] == broken && d["event"] == "failure")
        .unwrap()["error"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(http_error.starts_with("HTTP 500"), "{http_error}");
    assert_eq!(
        errors.at("/err").len(),
        12,
        "3 tries for each of start, failure, start, success"
    );

    let reply = server.send("POST", &format!("/api/channels/{down}/test"), None);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["status"], "failed");
    assert!(
        server
            .get("/metrics")
            .body
            .contains("kind=\"webhook\",status=\"failed\"")
    );
}

#[test]
fn secrets_are_write_only() {
    let server = Server::start();
    let receiver = Receiver::start();
    let hook = create_channel(
        &server,
        json!({"name": "hook", "kind": "webhook",
        "config": {"url": receiver.url("/h"), "secret": "hook-secret",
                   "headers": {"Authorization": "Bearer header-secret"}}}),
    );
    let mail = create_channel(
        &server,
        json!({"name": "mail", "kind": "email",
        "config": {"host": "127.0.0.1", "port": 2525, "security": "none", "username": "me",
                   "password": "mail-secret", "from": "backbeat@example.com", "to": ["me@example.com"]}}),
    );
    let push = create_channel(
        &server,
        json!({"name": "push", "kind": "ntfy",
        "config": {"url": receiver.url("/t"), "token": "ntfy-secret"}}),
    );
    let shown = [
        server.get("/api/channels").body,
        server.get(&format!("/api/channels/{hook}")).body,
        server.get(&format!("/api/channels/{mail}")).body,
        server.get(&format!("/api/channels/{push}")).body,
    ]
    .join("\n");
    for secret in ["hook-secret", "header-secret", "mail-secret", "ntfy-secret"] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    let view = server.get(&format!("/api/channels/{hook}")).json();
    assert_eq!(view["config"]["secret"], "••••");
    assert_eq!(view["config"]["headers"]["Authorization"], "••••");
    assert_eq!(
        server.get(&format!("/api/channels/{mail}")).json()["config"]["username"],
        "me"
    );

    // Sending the view back (renamed) keeps the stored secrets.
    let mut edited = view.clone();
    edited["name"] = json!("renamed");
    let reply = server.patch(&format!("/api/channels/{hook}"), edited);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(!reply.body.contains("hook-secret"));
    let sent = server.send("POST", &format!("/api/channels/{hook}/test"), None);
    assert_eq!(sent.json()["status"], "sent", "{}", sent.body);
    let got = &receiver.wait_for("/h", 1)[0];
    assert_eq!(got.header("authorization"), Some("Bearer header-secret"));
    assert_eq!(
        got.header("x-backbeat-signature").unwrap(),
        format!("sha256={}", hmac_hex("hook-secret", &got.body))
    );
    assert_eq!(got.json()["event"], "test");
}

#[test]
fn notify_fields_and_channels_are_validated() {
    let server = Server::start();
    let receiver = Receiver::start();
    let channel = create_channel(
        &server,
        json!({"name": "hook", "kind": "webhook",
        "config": {"url": receiver.url("/h")}}),
    );
    let post = |body: Value| {
        let mut body = body;
        body["title"] = json!("t");
        body["type"] = json!("script");
        body["body"] = json!("true");
        body["schedule"] = json!({"kind": "manual"});
        server.post("/api/jobs", body)
    };
    post(json!({"notify": {"channels": [channel, 999]}})).assert_error(
        422,
        "validation_failed",
        Some("notify.channels[1]"),
    );
    post(json!({"notify": {"channels": [channel], "on": ["failure", "sometimes"]}})).assert_error(
        422,
        "validation_failed",
        Some("notify.on[1]"),
    );
    post(json!({"notify": {"channels": "all"}})).assert_error(
        400,
        "bad_request",
        Some("notify.channels"),
    );
    post(json!({"notify": {"channels": [], "loud": true}})).assert_error(
        422,
        "validation_failed",
        Some("notify.loud"),
    );
    post(json!({"pingUrl": "hc-ping.com/uuid"})).assert_error(
        422,
        "validation_failed",
        Some("pingUrl"),
    );
    server
        .patch(
            "/api/preferences",
            json!({"defaultNotifyChannels": [12345]}),
        )
        .assert_error(422, "validation_failed", Some("defaultNotifyChannels[0]"));

    let bad_channel = |body: Value, field: &str| {
        let reply = server.post("/api/channels", body);
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert_eq!(reply.json()["error"]["field"], field, "{}", reply.body);
    };
    bad_channel(json!({"name": "x", "kind": "pager", "config": {}}), "kind");
    bad_channel(
        json!({"name": "x", "kind": "webhook", "config": {"url": "nope"}}),
        "config.url",
    );
    bad_channel(
        json!({"name": "x", "kind": "webhook", "config": {"url": receiver.url("/"), "format": "teams"}}),
        "config.format",
    );
    bad_channel(
        json!({"name": "x", "kind": "email", "config": {"host": "h", "from": "a@b.c", "to": []}}),
        "config.to",
    );
    bad_channel(
        json!({"name": "x", "kind": "email", "config": {"host": "h", "security": "ssl", "from": "a@b.c", "to": ["d@e.f"]}}),
        "config.security",
    );
    bad_channel(
        json!({"name": "x", "kind": "command", "config": {"command": " "}}),
        "config.command",
    );
    bad_channel(
        json!({"name": "x", "kind": "ntfy", "config": {"url": receiver.url("/t"), "priority": 9}}),
        "config.priority",
    );
    bad_channel(
        json!({"name": "x", "kind": "webhook", "config": {"url": receiver.url("/"), "secret": "••••"}}),
        "config.secret",
    );
    assert_eq!(server.get("/api/channels/999").status, 404);

    // Deleting a channel takes it out of the jobs (and preferences) using it.
    let other = create_channel(
        &server,
        json!({"name": "other", "kind": "command", "config": {"command": "true"}}),
    );
    let job = server.create_job(json!({"title": "Uses both", "body": "true",
        "notify": {"channels": [channel, other], "on": ["success"]}}))["id"]
        .as_i64()
        .unwrap();
    let prefs = server.patch(
        "/api/preferences",
        json!({"defaultNotifyChannels": [channel]}),
    );
    assert_eq!(prefs.status, 200, "{}", prefs.body);
    let view = server.get(&format!("/api/channels/{channel}")).json();
    assert_eq!(view["usedBy"], json!([{"id": job, "title": "Uses both"}]));
    assert_eq!(view["default"], true);
    assert_eq!(
        server.delete(&format!("/api/channels/{channel}")).status,
        204
    );
    assert_eq!(server.get(&format!("/api/channels/{channel}")).status, 404);
    let job_view = server.get(&format!("/api/jobs/{job}")).json();
    assert_eq!(job_view["notify"]["channels"], json!([other]));
    assert_eq!(
        server.get("/api/preferences").json()["defaultNotifyChannels"],
        json!([])
    );
}

#[test]
fn jobs_without_notify_use_the_default_channels() {
    let server = Server::start();
    let receiver = Receiver::start();
    let channel = create_channel(
        &server,
        json!({"name": "hook", "kind": "webhook",
        "config": {"url": receiver.url("/default")}}),
    );
    let reply = server.patch(
        "/api/preferences",
        json!({"defaultNotifyChannels": [channel]}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let job = server.script_job("echo broken; exit 2");
    let run = server.wait_finished(server.run_now(job));
    let got = receiver.wait_for("/default", 1);
    assert_eq!(got[0].json()["event"], "failure");
    assert_eq!(got[0].json()["run"]["id"], run["id"]);

    // A disabled channel records its deliveries as suppressed.
    let reply = server.patch(
        &format!("/api/channels/{channel}"),
        json!({"enabled": false}),
    );
    assert_eq!(reply.json()["enabled"], false);
    let quiet =
        server.create_job(json!({"body": "exit 1", "notify": {"channels": [channel]}}))["id"]
            .as_i64()
            .unwrap();
    let run = server.wait_finished(server.run_now(quiet));
    let recorded = settled_deliveries(&server, run["id"].as_i64().unwrap(), 1);
    assert_eq!(recorded[0]["status"], "suppressed");
    assert_eq!(recorded[0]["error"], "the channel is disabled");
}

#[test]
fn a_failure_that_will_be_retried_waits_for_the_last_retry() {
    let server = Server::start();
    let receiver = Receiver::start();
    let channel = create_channel(
        &server,
        json!({"name": "hook", "kind": "webhook", "config": {"url": receiver.url("/retry")}}),
    );
    let job = server.create_job(json!({"body": "echo attempt; exit 1",
        "retry": {"attempts": 1, "delayMs": 0},
        "notify": {"channels": [channel]}, "pingUrl": receiver.url("/ping")}))["id"]
        .as_i64()
        .unwrap();
    let first = server.wait_finished(server.run_now(job));
    let first_id = first["id"].as_i64().unwrap();
    let recorded = settled_deliveries(&server, first_id, 2);
    let failure = recorded.iter().find(|d| d["kind"] == "webhook").unwrap();
    assert_eq!(failure["status"], "suppressed", "{recorded:?}");
    assert!(
        failure["error"]
            .as_str()
            .unwrap()
            .contains("retry is scheduled")
    );

    let finished_retry = || -> Option<i64> {
        let runs = server.get(&format!("/api/runs?jobId={job}")).json();
        runs["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["retryOf"] == first_id && r["status"] == "failure")
            .and_then(|r| r["id"].as_i64())
    };
    eventually(20, "the retry run failed", || finished_retry().is_some());
    let retry_id = finished_retry().unwrap();
    let got = receiver.wait_for("/retry", 1);
    assert_eq!(
        got[0].json()["run"]["id"],
        retry_id,
        "only the last retry's failure is told"
    );
    assert_eq!(receiver.wait_for("/ping/fail", 1).len(), 1);
    assert_eq!(receiver.at("/retry").len(), 1);
}
