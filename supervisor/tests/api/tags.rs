//! Job tags: validation naming `tags[i]`, normalising, the `?tag=` filter
//! on GET /api/jobs, PATCH, and the trip through export and import and
//! the `backbeat jobs` listing.

use serde_json::{Value, json};

use crate::cli::{backbeat, backbeat_with};
use crate::fixture::Server;

fn titles(server: &Server, query: &str) -> Vec<String> {
    let reply = server.get(&format!("/api/jobs{query}"));
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["title"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn tags_are_stored_lowercased_in_order_without_repeats() {
    let server = Server::start();
    let job = server.create_job(json!({"title": "t", "body": "true",
        "tags": [" Backup ", "nightly", "backup", "db.main_1-a"]}));
    assert_eq!(job["tags"], json!(["backup", "nightly", "db.main_1-a"]));
    let id = job["id"].as_i64().unwrap();
    assert_eq!(
        server.get(&format!("/api/jobs/{id}")).json()["tags"],
        job["tags"]
    );

    let seeded = server.get("/api/jobs").json()["jobs"][0].clone();
    assert_eq!(seeded["tags"], json!([]), "a job without tags has []");

    // PATCH replaces the list; other fields keep their tags; null clears.
    let reply = server.patch(&format!("/api/jobs/{id}"), json!({"tags": ["ops"]}));
    assert_eq!(reply.json()["tags"], json!(["ops"]), "{}", reply.body);
    let reply = server.patch(&format!("/api/jobs/{id}"), json!({"title": "renamed"}));
    assert_eq!(reply.json()["tags"], json!(["ops"]));
    let reply = server.patch(&format!("/api/jobs/{id}"), json!({"tags": null}));
    assert_eq!(reply.json()["tags"], json!([]));

    // The whole job as GET gives it can be sent back, tags included.
    let mut whole = server.get(&format!("/api/jobs/{id}")).json();
    whole["tags"] = json!(["whole-job"]);
    let reply = server.patch(&format!("/api/jobs/{id}"), whole);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["tags"], json!(["whole-job"]));
}

#[test]
fn invalid_tags_name_the_item_and_what_is_allowed() {
    let server = Server::start();
    let create = |tags: Value| {
        server.post(
            "/api/jobs",
            json!({"title": "t", "type": "script", "body": "true",
                   "schedule": {"kind": "manual"}, "tags": tags}),
        )
    };
    let reply = create(json!(["ok", "has space"]));
    reply.assert_error(422, "validation_failed", Some("tags[1]"));
    assert!(
        reply.body.contains("a-z"),
        "says what is allowed: {}",
        reply.body
    );

    create(json!(["ok", ""])).assert_error(422, "validation_failed", Some("tags[1]"));
    create(json!(["x".repeat(33)])).assert_error(422, "validation_failed", Some("tags[0]"));
    create(json!(["é"])).assert_error(422, "validation_failed", Some("tags[0]"));
    let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    let reply = create(json!(many));
    reply.assert_error(422, "validation_failed", Some("tags"));
    assert!(reply.body.contains("at most 20"), "{}", reply.body);
    create(json!("backup")).assert_error(400, "bad_request", Some("tags"));
    create(json!([1])).assert_error(400, "bad_request", Some("tags[0]"));

    let ok: Vec<String> = (0..20).map(|i| format!("t{i}")).collect();
    assert_eq!(create(json!(ok)).status, 201, "20 tags are fine");
    assert_eq!(
        server.get("/api/jobs").json()["jobs"]
            .as_array()
            .unwrap()
            .len(),
        5,
        "nothing invalid was stored"
    );
}

#[test]
fn the_tag_filter_keeps_jobs_with_every_tag_given() {
    let server = Server::start();
    for (title, tags) in [
        ("db backup", json!(["backup", "db"])),
        ("files backup", json!(["backup", "files"])),
        ("db vacuum", json!(["db"])),
        ("untagged", json!([])),
    ] {
        server.create_job(json!({"title": title, "body": "true", "tags": tags}));
    }
    assert_eq!(
        titles(&server, "?tag=backup"),
        ["db backup", "files backup"]
    );
    assert_eq!(titles(&server, "?tag=backup&tag=db"), ["db backup"]);
    assert_eq!(titles(&server, "?tag=db,backup"), ["db backup"]);
    assert_eq!(
        titles(&server, "?tag=DB"),
        ["db backup", "db vacuum"],
        "any case"
    );
    assert!(titles(&server, "?tag=nothing-has-this").is_empty());
    assert_eq!(
        titles(&server, "?tag=db&enabled=true"),
        ["db backup", "db vacuum"],
        "combines with the other filters"
    );
    for bad in ["no%20spaces", "db,,backup", "db,", "%C3%A9"] {
        server
            .get(&format!("/api/jobs?tag={bad}"))
            .assert_error(400, "bad_request", None);
    }
    assert_eq!(
        titles(&server, "?tag=").len(),
        4 + 4,
        "an empty value is no filter"
    );
}

#[test]
fn tags_travel_through_export_import_and_the_cli() {
    let first = Server::start();
    first.create_job(json!({"title": "tagged", "body": "true", "tags": ["backup", "nightly"]}));
    let exported = backbeat(&first, &["export"]);
    let document = exported.ok().json();
    let tagged = document["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["title"] == "tagged")
        .unwrap();
    assert_eq!(tagged["tags"], json!(["backup", "nightly"]));

    let second = Server::start();
    backbeat_with(&second, &["import"], &exported.stdout, &[]).ok();
    assert_eq!(titles(&second, "?tag=nightly"), ["tagged"]);

    let listing = backbeat(&second, &["jobs", "--tag", "nightly"]);
    let out = &listing.ok().stdout;
    assert!(out.contains("TAGS"), "{out}");
    assert!(
        out.contains("tagged") && out.contains("backup,nightly"),
        "{out}"
    );
    assert!(!out.contains("Example"), "only tagged jobs: {out}");

    let added = backbeat(
        &second,
        &[
            "jobs", "add", "--title", "from cli", "--body", "true", "--tag", "Ops,db",
        ],
    );
    added.ok();
    assert_eq!(titles(&second, "?tag=ops"), ["from cli"]);
    backbeat(&second, &["jobs", "edit", "from cli", "--tag", ""]).ok();
    assert!(titles(&second, "?tag=ops").is_empty(), "--tag '' clears");
    let listed = backbeat(&second, &["jobs", "list", "--tag", "backup", "--json"]);
    let listed = listed.ok().json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
}
