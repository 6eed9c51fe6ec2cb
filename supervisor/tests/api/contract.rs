//! Where the server and openapi.yaml disagreed (found by the schema-driven
//! fuzzer, `api-spec/fuzz`): each case pinned to the behaviour the
//! document now states.

use serde_json::json;

use crate::fixture::{Server, TOKEN};

#[test]
fn a_log_offset_past_the_end_is_an_empty_log_and_end_gives_the_real_size() {
    let server = Server::start();
    let run_id = server.run_now(server.script_job("printf 'hello\\n'"));
    server.wait_finished(run_id);
    for offset in ["6", "7", "9223372036854775806", "9223372036854775807"] {
        let reply = server.get(&format!("/api/runs/{run_id}/log?offset={offset}"));
        assert_eq!(reply.status, 200, "offset {offset}: {}", reply.body);
        assert_eq!(reply.body, "", "offset {offset}");
    }
    assert_eq!(
        server.get(&format!("/api/runs/{run_id}/log?offset=2")).body,
        "llo\n"
    );
    for offset in ["100", "9223372036854775806"] {
        let mut stream = server.sse(
            &format!("/api/runs/{run_id}/log/stream?offset={offset}"),
            &[],
        );
        let end = stream.next_named("end").expect("an end event");
        assert_eq!(
            end.json(),
            json!({"offset": 6}),
            "end reports the log's size, not the requested offset {offset}"
        );
    }
}

#[test]
fn nul_bytes_are_refused_where_they_can_never_work() {
    let server = Server::start();
    let base =
        json!({"title": "t", "type": "script", "body": "true", "schedule": {"kind": "manual"}});
    for (field, value) in [("body", "echo a\u{0}b"), ("cwd", "/tmp/a\u{0}b")] {
        let mut body = base.clone();
        body[field] = json!(value);
        server
            .post("/api/jobs", body)
            .assert_error(422, "validation_failed", Some(field));
    }
    let job = server.create_job(json!({"body": "true"}));
    let id = job["id"].as_i64().unwrap();
    for (field, value) in [("body", "a\u{0}"), ("cwd", "/\u{0}")] {
        server
            .patch(&format!("/api/jobs/{id}"), json!({ field: value }))
            .assert_error(422, "validation_failed", Some(field));
    }
    for field in ["claudeBinary", "codexBinary"] {
        server
            .patch("/api/preferences", json!({ field: "claude\u{0}--evil" }))
            .assert_error(422, "validation_failed", Some(field));
    }
    assert_eq!(
        server.get(&format!("/api/jobs/{id}")).json()["body"],
        "true"
    );
    assert_eq!(
        server.get("/api/preferences").json()["claudeBinary"],
        "claude"
    );
}

#[test]
fn integral_floats_count_as_integers_and_fractions_do_not() {
    let server = Server::start();
    let job = server.create_job(json!({"body": "true", "timeoutMs": 874763.0}));
    assert_eq!(job["timeoutMs"], 874763);
    let prefs = server.patch("/api/preferences", json!({"maxConcurrentRuns": 3.0}));
    assert_eq!(prefs.status, 200, "{}", prefs.body);
    assert_eq!(prefs.json()["maxConcurrentRuns"], 3);
    let preview = server.post(
        "/api/cron/preview",
        json!({"expr": "0 3 * * *", "count": 2.0}),
    );
    assert_eq!(preview.status, 200, "{}", preview.body);
    assert_eq!(preview.json()["next"].as_array().unwrap().len(), 2);

    let job_with_timeout = |timeout: serde_json::Value| json!({"title": "t", "type": "script", "body": "true", "schedule": {"kind": "manual"}, "timeoutMs": timeout});
    server
        .post("/api/jobs", job_with_timeout(json!(874763.5)))
        .assert_error(400, "bad_request", Some("timeoutMs"));
    server
        .post("/api/jobs", job_with_timeout(json!(1e300)))
        .assert_error(422, "validation_failed", Some("timeoutMs"));
}

#[test]
fn null_env_is_absent_for_run_now_and_refused_by_patch() {
    let server = Server::start();
    let job = server.create_job(json!({"body": "echo \"[$X]\"", "env": {"X": "kept"}}));
    let id = job["id"].as_i64().unwrap();
    let reply = server.post(&format!("/api/jobs/{id}/runs"), json!({"env": null}));
    assert_eq!(reply.status, 202, "{}", reply.body);
    let run_id = reply.json()["id"].as_i64().unwrap();
    server.wait_finished(run_id);
    assert_eq!(server.log(run_id), "[kept]\n");

    server
        .patch(&format!("/api/jobs/{id}"), json!({"env": null}))
        .assert_error(422, "validation_failed", Some("env"));
    assert_eq!(
        server.get(&format!("/api/jobs/{id}")).json()["env"],
        json!({"X": "kept"}),
        "a refused PATCH changes nothing"
    );
}

#[test]
fn any_before_cursor_is_a_page_and_below_one_an_empty_one() {
    let server = Server::start();
    let run_id = server.run_now(server.script_job("true"));
    server.wait_finished(run_id);
    for before in ["1", "0", "-1", "-9223372036854775808"] {
        let reply = server.get(&format!("/api/runs?before={before}"));
        assert_eq!(reply.status, 200, "before={before}: {}", reply.body);
        assert_eq!(reply.json()["runs"], json!([]), "before={before}");
    }
    let reply = server.get(&format!("/api/runs?before={}", run_id + 1));
    assert_eq!(reply.json()["runs"][0]["id"], run_id);
}

#[test]
fn put_is_not_an_alias_of_patch() {
    let server = Server::start();
    let id = server.script_job("true");
    let reply = server.raw(
        &format!(
            "PUT /api/jobs/{id} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 13\r\nConnection: close\r\n\r\n"
        ),
        br#"{"title":"x"}"#,
    );
    reply.assert_error(404, "not_found", None);
    assert_eq!(
        server.get(&format!("/api/jobs/{id}")).json()["title"],
        "test job"
    );
}

#[test]
fn head_of_health_is_open_and_has_no_body() {
    let server = Server::start();
    let reply = server.raw(
        "HEAD /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        b"",
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body, "");
    assert!(
        reply
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "same headers as GET: {:?}",
        reply.headers
    );
}

#[test]
fn oversized_request_heads_get_the_json_error_shape() {
    let server = Server::start();
    let long_query = "a".repeat(20 * 1024);
    let reply = server.raw(
        &format!(
            "GET /api/jobs?type={long_query} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"
        ),
        b"",
    );
    reply.assert_error(414, "uri_too_long", None);

    let big_header = "b".repeat(70 * 1024);
    let reply = server.raw(
        &format!(
            "GET /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nX-Big: {big_header}\r\nConnection: close\r\n\r\n"
        ),
        b"",
    );
    reply.assert_error(431, "headers_too_large", None);

    let many: String = (0..250).map(|i| format!("X-H{i}: v\r\n")).collect();
    let reply = server.raw(
        &format!(
            "GET /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n{many}Connection: close\r\n\r\n"
        ),
        b"",
    );
    reply.assert_error(431, "headers_too_large", None);
    assert_eq!(server.get("/api/health").status, 200, "the server goes on");
}

#[test]
fn channel_ids_may_be_integral_floats_and_a_whitespace_body_is_not_an_empty_one() {
    let server = Server::start();
    let channel = server.post(
        "/api/channels",
        json!({"name": "ops", "kind": "command", "config": {"command": "true"}, "enabled": null}),
    );
    assert_eq!(
        channel.status, 201,
        "enabled null is the default: {}",
        channel.body
    );
    let id = channel.json()["id"].as_i64().unwrap();
    let as_float = json!(id as f64);
    let job = server.create_job(json!({"body": "true",
        "notify": {"channels": [as_float], "on": ["failure"]}}));
    assert_eq!(job["notify"]["channels"], json!([id]));
    let reply = server.patch(
        "/api/preferences",
        json!({"defaultNotifyChannels": [as_float]}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = server.patch(
        &format!("/api/jobs/{}", job["id"]),
        json!({"notify": {"channels": [1e30]}}),
    );
    reply.assert_error(422, "validation_failed", Some("notify.channels[0]"));

    let head = format!(
        "POST /api/jobs/{}/runs HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: 1\r\nConnection: close\r\n\r\n",
        job["id"], server.port
    );
    let reply = server.raw(&head, b"\x0c");
    assert_eq!(reply.status, 400, "a form feed is not JSON: {}", reply.body);
    // Nor is a lone newline (`curl -d $'\n'`): only no bytes at all is no body.
    let reply = server.raw(&head, b"\n");
    reply.assert_error(400, "bad_request", None);
    assert!(reply.body.contains("not valid JSON"), "{}", reply.body);
    let runs = server.get(&format!("/api/runs?jobId={}", job["id"]));
    assert_eq!(runs.json()["runs"], json!([]), "no run was queued");
}
