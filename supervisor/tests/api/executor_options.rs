//! `executorOptions`: validated against the executor's `optionsSchema` on
//! save (422 naming each bad option), shown by `GET /api/executors`,
//! stored, and passed through in the `start` message.

use std::os::unix::fs::PermissionsExt;

use serde_json::{Value, json};

use crate::fixture::Server;

/// A custom `opts-runner` whose options need a `host` and allow a few
/// typed fields; each run logs the `start` line it was given.
fn install_opts_runner(server: &Server) {
    let schema = json!({
        "type": "object",
        "properties": {
            "host": {"type": "string", "minLength": 1},
            "cpus": {"type": "integer", "minimum": 1},
            "mode": {"enum": ["fast", "slow"]},
            "args": {"type": "array", "items": {"type": "string"}}
        },
        "required": ["host"],
        "additionalProperties": false
    });
    let describe = json!({
        "name": "opts", "protocol": 1, "version": "1.0", "jobType": "opts",
        "description": "echoes its start line", "optionsSchema": schema
    });
    let script = format!(
        "#!/bin/sh\nif [ \"$1\" = --describe ]; then echo '{describe}'; exit 0; fi\n\
         read start\n\
         printf '%s\\n' \"$start\" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(json.dumps({{\"type\":\"log\",\"stream\":\"stdout\",\"text\":json.dumps(s[\"job\"][\"executorOptions\"], sort_keys=True)}}))'\n\
         printf '%s\\n' '{{\"type\":\"result\",\"status\":\"success\",\"exitCode\":0}}'\n"
    );
    let dir = server.config_dir().join("executors");
    std::fs::create_dir_all(&dir).unwrap();
    let runner = dir.join("opts-runner");
    std::fs::write(&runner, script).unwrap();
    std::fs::set_permissions(&runner, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn error_fields(body: &Value) -> Vec<String> {
    let mut fields: Vec<String> = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors array: {body}"))
        .iter()
        .map(|e| {
            assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
            e["field"].as_str().unwrap().to_string()
        })
        .collect();
    fields.sort();
    fields
}

#[test]
fn executors_show_their_options_schema() {
    let server = Server::start();
    install_opts_runner(&server);
    let list = server.get("/api/executors").json()["executors"].clone();
    let opts = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "opts-runner")
        .expect("opts-runner listed")
        .clone();
    assert_eq!(opts["optionsSchema"]["required"], json!(["host"]));
    let sh = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "sh-runner")
        .unwrap()
        .clone();
    assert_eq!(sh["optionsSchema"], Value::Null);
}

#[test]
fn options_are_checked_against_the_schema_on_create_and_patch() {
    let server = Server::start();
    install_opts_runner(&server);
    let reply = server.post(
        "/api/jobs",
        json!({"title": "t", "type": "opts", "body": "x", "schedule": {"kind": "manual"},
               "executorOptions": {"cpus": 0, "mode": "medium", "args": ["ok", 3], "colour": "red"}}),
    );
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(
        error_fields(&reply.json()),
        [
            "executorOptions.args.1",
            "executorOptions.colour",
            "executorOptions.cpus",
            "executorOptions.host",
            "executorOptions.mode"
        ]
    );
    // Not an object: a 400 naming the field.
    server
        .post(
            "/api/jobs",
            json!({"title": "t", "type": "opts", "body": "x", "schedule": {"kind": "manual"}, "executorOptions": ["host"]}),
        )
        .assert_error(400, "bad_request", Some("executorOptions"));
    // Over 16 KiB.
    let big = "x".repeat(17 * 1024);
    server
        .post(
            "/api/jobs",
            json!({"title": "t", "type": "opts", "body": "x", "schedule": {"kind": "manual"}, "executorOptions": {"host": big}}),
        )
        .assert_error(422, "validation_failed", Some("executorOptions"));

    let job = server.create_job(json!({"type": "opts", "body": "x",
        "executorOptions": {"host": "box", "cpus": 2, "args": ["-v"]}}));
    let id = job["id"].as_i64().unwrap();
    assert_eq!(job["executorOptions"]["host"], "box");
    server
        .patch(
            &format!("/api/jobs/{id}"),
            json!({"executorOptions": {"host": ""}}),
        )
        .assert_error(422, "validation_failed", Some("executorOptions.host"));
    // Nothing of the refused change was stored.
    let stored = server.get(&format!("/api/jobs/{id}")).json();
    assert_eq!(stored["executorOptions"]["cpus"], 2);

    // A script job keeps options it does not describe (passed through).
    let script = server.create_job(json!({"type": "script", "body": "true",
        "executorOptions": {"anything": [1, 2]}}));
    assert_eq!(script["executorOptions"], json!({"anything": [1, 2]}));
    // Switching it to a type whose schema refuses them is checked too.
    let reply = server.patch(
        &format!("/api/jobs/{}", script["id"]),
        json!({"type": "opts"}),
    );
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert_eq!(
        error_fields(&reply.json()),
        ["executorOptions.anything", "executorOptions.host"]
    );
}

#[test]
fn options_reach_the_executor_in_start_and_survive_a_restart() {
    let mut server = Server::start();
    install_opts_runner(&server);
    let job = server.create_job(json!({"type": "opts", "body": "x",
        "executorOptions": {"host": "box", "mode": "fast", "args": ["a b", "c"]}}));
    let id = job["id"].as_i64().unwrap();
    server.terminate();
    server.boot();
    let run = server.wait_finished(server.run_now(id));
    assert_eq!(run["status"], "success", "{run}");
    assert_eq!(
        server.log(run["id"].as_i64().unwrap()),
        r#"{"args": ["a b", "c"], "host": "box", "mode": "fast"}"#
    );
}
