//! `backbeat export` / `import`: the round trip, crontab import on a
//! corpus of real crontab lines, and declarative sync.

use serde_json::{Value, json};

use crate::cli::{backbeat, backbeat_with};
use crate::fixture::Server;

fn fixture(name: &str) -> String {
    format!("{}/tests/api/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn jobs(server: &Server) -> Vec<Value> {
    server.get("/api/jobs").json()["jobs"]
        .as_array()
        .unwrap()
        .clone()
}

fn by_title<'a>(jobs: &'a [Value], title: &str) -> &'a Value {
    jobs.iter()
        .find(|j| j["title"] == title)
        .unwrap_or_else(|| panic!("no job {title:?} in {jobs:?}"))
}

#[test]
fn export_then_import_round_trips_exactly() {
    let first = Server::start();
    first.create_job(json!({
        "title": "everything set", "body": "echo hi\nexit 0\n",
        "schedule": {"kind": "cron", "expr": "*/5 9-17 * * mon-fri", "timezone": "Asia/Tokyo"},
        "enabled": false, "cwd": "/tmp", "env": {"A": "1", "B": "two words"},
        "timeoutMs": 90000, "overlap": "skip", "catchUp": true,
        "ai": null
    }));
    first.create_job(json!({"title": "once", "body": "true",
        "schedule": {"kind": "once", "at": "2099-01-01T00:00:00Z"}}));
    let exported = backbeat(&first, &["export"]);
    let document = exported.ok().json();
    assert_eq!(document["jobs"].as_array().unwrap().len(), 4 + 2);
    assert!(
        document["jobs"][0].get("id").is_none(),
        "no server-made fields"
    );

    let second = Server::start();
    let file = second.dir.path().join("export.json");
    std::fs::write(&file, &exported.stdout).unwrap();
    let file = file.to_str().unwrap();

    let out = backbeat(&second, &["import", "--file", file, "--dry-run"]);
    out.ok();
    assert!(
        out.stdout.contains("would create  everything set"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("unchanged     Example: disk usage report"),
        "{}",
        out.stdout
    );
    assert_eq!(jobs(&second).len(), 4, "a dry run changes nothing");

    let out = backbeat(&second, &["import", "--file", file, "--json"]);
    let report = out.ok().json();
    assert_eq!(report["created"], json!(["everything set", "once"]));
    // The seeded once-example is due a week after each server's first start.
    assert_eq!(report["updated"], json!(["Example: one-time reminder"]));
    assert_eq!(report["unchanged"].as_array().unwrap().len(), 3);
    let again = backbeat(&second, &["export"]);
    assert_eq!(
        again.ok().json(),
        document,
        "export → import → export is the identity"
    );

    // Importing again changes nothing; a changed field is an update.
    let out = backbeat_with(&second, &["import"], &exported.stdout, &[]);
    assert!(
        out.ok()
            .stdout
            .ends_with("0 created, 0 updated, 6 unchanged, 0 deleted, 0 failed\n"),
        "{}",
        out.stdout
    );
    let edited = exported.stdout.replace("two words", "three words here");
    let out = backbeat_with(&second, &["import", "-f", "-"], &edited, &[]);
    assert!(
        out.ok().stdout.contains("updated       everything set"),
        "{}",
        out.stdout
    );
    assert_eq!(
        by_title(&jobs(&second), "everything set")["env"]["B"],
        "three words here"
    );
}

#[test]
fn a_crontab_corpus_becomes_disabled_jobs_and_lists_what_it_skips() {
    let server = Server::start();
    let out = backbeat(
        &server,
        &["import", "--crontab", &fixture("crontab5-examples")],
    );
    assert_eq!(
        out.code,
        Some(1),
        "two lines cron itself would reject: {}",
        out.stdout
    );
    let all = jobs(&server);

    let daily = by_title(&all, "$HOME/bin/daily.job >> $HOME/tmp/out 2>&1");
    assert_eq!(daily["enabled"], false, "imported jobs start disabled");
    assert_eq!(
        daily["schedule"],
        json!({"kind": "cron", "expr": "5 0 * * *", "timezone": "Japan"})
    );
    assert_eq!(
        daily["body"], r"exec /bin/bash -c '$HOME/bin/daily.job >> $HOME/tmp/out 2>&1'",
        "SHELL=/bin/bash runs the command in bash"
    );

    // `%`: the command ends at the first one, the rest is stdin.
    let mail = by_title(&all, r#"mail -s "It's 10pm" joe"#);
    assert_eq!(
        mail["body"],
        "(\nexec /bin/bash -c 'mail -s \"It'\\''s 10pm\" joe'\n) <<'CRON_STDIN'\nJoe,\n\nWhere are your kids?\nCRON_STDIN"
    );
    // `\%` is a literal %.
    by_title(&all, r#"test $(date +%u) -eq 6 && echo "2nd Saturday""#);

    // Later lines: SHELL back to sh, TZ and PATH into env and zone, aliases.
    let hourly = by_title(&all, "date >> /tmp/hourly.log");
    assert_eq!(hourly["body"], "date >> /tmp/hourly.log");
    assert_eq!(
        hourly["schedule"],
        json!({"kind": "cron", "expr": "0 * * * *", "timezone": "Europe/Paris"})
    );
    assert_eq!(
        hourly["env"],
        json!({"TZ": "Europe/Paris", "PATH": "/usr/local/bin:/usr/bin:/bin"})
    );
    assert_eq!(
        by_title(&all, "echo happy new year")["schedule"]["expr"],
        "0 0 1 1 *"
    );
    assert_eq!(
        by_title(&all, "find /tmp -mtime +7 -delete")["schedule"]["expr"],
        "0 0 * * 0"
    );
    assert_eq!(
        by_title(&all, "echo quarter-hourly in office hours")["schedule"]["expr"],
        "*/15 9-17 * jan-mar,dec mon-fri"
    );
    assert_eq!(all.len(), 4 + 13);

    for (line, why) in [
        ("line 5: MAILTO=paul", "sends no mail"),
        ("@reboot", "no Backbeat schedule"),
        ("@fortnightly", "not a cron alias"),
        ("RANDOM_DELAY=10", "no equivalent"),
    ] {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.starts_with("skipped") && l.contains(line) && l.contains(why)),
            "{line}: {}",
            out.stdout
        );
    }
    assert!(
        out.stdout
            .contains("FAILED        echo this minute does not exist: schedule.expr"),
        "{}",
        out.stdout
    );

    // Again: nothing new, and a job enabled since stays enabled.
    let id = daily["id"].to_string();
    backbeat(&server, &["jobs", "enable", &id]).ok();
    let out = backbeat(
        &server,
        &["import", "--crontab", &fixture("crontab5-examples")],
    );
    assert!(
        out.stdout.contains("0 created, 0 updated, 13 unchanged"),
        "{}",
        out.stdout
    );
    assert_eq!(
        server.get(&format!("/api/jobs/{id}")).json()["enabled"],
        true
    );
}

#[test]
fn debians_etc_crontab_imports_the_lines_for_this_user() {
    let server = Server::start();
    let text = std::fs::read_to_string(fixture("debian-etc-crontab")).unwrap();
    let out = backbeat_with(
        &server,
        &["import", "--crontab", "-", "--system", "--enable", "--json"],
        &text,
        &[("USER", "root")],
    );
    let report = out.ok().json();
    assert_eq!(report["created"].as_array().unwrap().len(), 4, "{report}");
    let all = jobs(&server);
    let hourly = by_title(&all, "cd / && run-parts --report /etc/cron.hourly");
    assert_eq!(hourly["enabled"], true);
    assert_eq!(hourly["schedule"]["expr"], "17 * * * *");
    let weekly = by_title(
        &all,
        "test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.weekly; }",
    );
    assert_eq!(weekly["schedule"]["expr"], "47 6 * * 7");

    let other = Server::start();
    let out = backbeat_with(
        &other,
        &["import", "--crontab", "-", "--system"],
        &text,
        &[("USER", "me")],
    );
    out.ok();
    assert!(
        out.stdout
            .contains("runs as root; Backbeat runs jobs as you (me)"),
        "{}",
        out.stdout
    );
    assert_eq!(jobs(&other).len(), 4);
}

#[test]
fn sync_is_idempotent_and_prunes_only_the_jobs_it_manages() {
    let server = Server::start();
    let dashboard_job =
        server.create_job(json!({"title": "made in the dashboard", "body": "true"}));
    let file = server.dir.path().join("jobs.json");
    let path = file.to_str().unwrap();
    std::fs::write(&file, r#"{"jobs": {
        "backup": {"title": "Nightly backup", "body": "restic backup ~", "schedule": {"kind": "cron", "expr": "0 3 * * *"}, "env": {"RESTIC_REPOSITORY": "/b"}},
        "hello": {"body": "echo hi", "schedule": {"kind": "manual"}, "timeoutMs": 60000}
    }}"#).unwrap();
    let out = backbeat(&server, &["import", "--sync", path]);
    assert!(
        out.ok()
            .stdout
            .ends_with("2 created, 0 updated, 0 unchanged, 0 deleted, 0 failed\n"),
        "{}",
        out.stdout
    );
    let all = jobs(&server);
    assert_eq!(by_title(&all, "Nightly backup")["managedAs"], "backup");
    assert_eq!(
        by_title(&all, "hello")["timeoutMs"],
        60000,
        "the title defaults to the name"
    );
    assert_eq!(
        by_title(&all, "made in the dashboard")["managedAs"],
        Value::Null
    );

    let out = backbeat(&server, &["import", "--sync", path]);
    assert!(
        out.ok()
            .stdout
            .ends_with("0 created, 0 updated, 2 unchanged, 0 deleted, 0 failed\n"),
        "{}",
        out.stdout
    );

    // An edit in the dashboard is undone; a removed field goes back to its default.
    let hello = by_title(&all, "hello")["id"].clone();
    assert_eq!(
        server
            .patch(
                &format!("/api/jobs/{hello}"),
                json!({"body": "echo changed"})
            )
            .status,
        200
    );
    std::fs::write(&file, r#"{"jobs": {
        "backup": {"title": "Nightly backup", "body": "restic backup ~", "schedule": {"kind": "cron", "expr": "0 3 * * *"}, "env": {"RESTIC_REPOSITORY": "/b"}},
        "hello": {"body": "echo hi", "schedule": {"kind": "manual"}}
    }}"#).unwrap();
    let out = backbeat(&server, &["import", "--sync", path, "--json"]);
    assert_eq!(out.ok().json()["updated"], json!(["hello"]));
    let now = server.get(&format!("/api/jobs/{hello}")).json();
    assert_eq!(now["body"], "echo hi");
    assert_eq!(now["timeoutMs"], Value::Null);

    // Dropped from the file: kept without --prune, deleted with it; the
    // dashboard's job (same kind of job, no marker) is never touched.
    std::fs::write(&file, r#"{"jobs": {"backup": {"title": "Nightly backup", "body": "restic backup ~", "schedule": {"kind": "cron", "expr": "0 3 * * *"}, "env": {"RESTIC_REPOSITORY": "/b"}}}}"#).unwrap();
    let out = backbeat(&server, &["import", "--sync", path]);
    assert!(
        out.ok().stdout.contains("--prune deletes it"),
        "{}",
        out.stdout
    );
    assert_eq!(jobs(&server).len(), 4 + 3);
    let out = backbeat(&server, &["import", "--sync", path, "--prune", "--dry-run"]);
    assert!(
        out.ok().stdout.contains("would delete  hello"),
        "{}",
        out.stdout
    );
    assert_eq!(jobs(&server).len(), 4 + 3);
    let out = backbeat(&server, &["import", "--sync", path, "--prune", "--json"]);
    assert_eq!(out.ok().json()["deleted"], json!(["hello"]));
    let all = jobs(&server);
    assert_eq!(all.len(), 4 + 2);
    assert_eq!(
        by_title(&all, "made in the dashboard")["id"],
        dashboard_job["id"]
    );

    // A bad file is refused as a whole, naming the problem.
    std::fs::write(&file, r#"{"jobs": {"x": {"managedAs": "y"}}}"#).unwrap();
    let out = backbeat(&server, &["import", "--sync", path]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("jobs.x.managedAs"), "{}", out.stderr);
}

/// `nix/jobs-file.nix` (what the NixOS and home-manager modules render
/// from `services.backbeat.jobs`) evaluated by real Nix, then synced.
/// Skipped without `nix-instantiate` unless BACKBEAT_REQUIRE_NIX=1
/// (scripts/test installs Debian's nix-bin and sets it).
#[test]
fn the_nix_modules_jobs_file_syncs() {
    let repo = format!("{}/..", env!("CARGO_MANIFEST_DIR"));
    let nix = std::process::Command::new("nix-instantiate")
        .arg("--version")
        .output();
    if nix.is_err() {
        assert!(
            std::env::var("BACKBEAT_REQUIRE_NIX").is_err(),
            "BACKBEAT_REQUIRE_NIX is set but nix-instantiate is missing"
        );
        eprintln!("SKIPPED: nix-instantiate not installed");
        return;
    }
    for module in [
        "nixos-module.nix",
        "home-manager-module.nix",
        "jobs-option.nix",
        "jobs-file.nix",
    ] {
        let parsed = std::process::Command::new("nix-instantiate")
            .args(["--parse", &format!("{repo}/nix/{module}")])
            .output()
            .unwrap();
        assert!(
            parsed.status.success(),
            "{module}: {}",
            String::from_utf8_lossy(&parsed.stderr)
        );
    }
    // The shape a jobs submodule has after evaluation: every option set,
    // nulls for the unset ones, plus the module system's `_module`.
    let expr = format!(
        r#"import {repo}/nix/jobs-file.nix {{
          nightly-backup = {{ title = "Nightly backup"; type = "script"; body = "restic backup ~/notes";
            schedule = {{ kind = "cron"; expr = "0 3 * * *"; timezone = "Europe/Paris"; }};
            enabled = true; cwd = null; env = {{ RESTIC_REPOSITORY = "/b"; }}; timeoutMs = 3600000;
            overlap = "queue"; catchUp = "none"; retry = {{ attempts = 2; }}; tags = [ "backup" "Nightly" ]; _module = {{ args = {{ }}; }}; }};
          ping = {{ title = null; type = "script"; body = "true"; schedule = {{ kind = "manual"; }};
            enabled = false; cwd = null; env = {{ }}; timeoutMs = null; overlap = "skip"; catchUp = "last"; }};
        }}"#
    );
    let out = std::process::Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json", "-E", &expr])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rendered: String = serde_json::from_slice(&out.stdout).unwrap();

    let server = Server::start();
    let file = server.dir.path().join("jobs.json");
    std::fs::write(&file, &rendered).unwrap();
    let path = file.to_str().unwrap();
    let out = backbeat(&server, &["import", "--sync", path, "--prune", "--json"]);
    assert_eq!(
        out.ok().json()["created"],
        json!(["Nightly backup", "ping"])
    );
    let all = jobs(&server);
    let backup = by_title(&all, "Nightly backup");
    assert_eq!(backup["timeoutMs"], 3600000);
    assert_eq!(backup["managedAs"], "nightly-backup");
    assert_eq!(backup["retry"]["attempts"], 2, "{backup}");
    assert_eq!(backup["tags"], json!(["backup", "nightly"]));
    assert_eq!(by_title(&all, "ping")["overlap"], "skip");
    assert_eq!(by_title(&all, "ping")["catchUp"], "last");
    let out = backbeat(&server, &["import", "--sync", path, "--prune", "--json"]);
    assert_eq!(out.ok().json()["unchanged"].as_array().unwrap().len(), 2);
}

#[test]
fn channels_travel_by_name_and_secrets_are_never_exported() {
    let first = Server::start();
    let ops = crate::notify::create_channel(
        &first,
        json!({"name": "ops", "kind": "command", "config": {"command": "cat >/dev/null"}}),
    );
    let hook = crate::notify::create_channel(
        &first,
        json!({"name": "hook", "kind": "webhook",
               "config": {"url": "http://127.0.0.1:9/x", "secret": "s3cret-value"}}),
    );
    first.create_job(json!({"title": "told", "body": "true",
        "notify": {"channels": [ops], "on": ["failure"]}}));
    first.create_job(json!({"title": "hooked", "body": "true",
        "notify": {"channels": [hook], "on": ["failure"]}}));
    let exported = backbeat(&first, &["export"]);
    assert!(
        !exported.ok().stdout.contains("s3cret-value"),
        "no secret in an export: {}",
        exported.stdout
    );
    let document = exported.json();
    let told = document["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["title"] == "told")
        .unwrap();
    assert_eq!(
        told["notify"]["channels"],
        json!(["ops"]),
        "by name: {told}"
    );
    assert_eq!(document["channels"][0]["name"], "ops");
    assert!(document["channels"][0].get("id").is_none());

    // A second server: the channel without secrets is created and the job
    // points at its id there; the one with a secret must be made by hand.
    let second = Server::start();
    second.create_job(json!({"title": "filler", "body": "true"}));
    crate::notify::create_channel(
        &second,
        json!({"name": "other", "kind": "command", "config": {"command": "true"}}),
    );
    let out = backbeat_with(&second, &["import", "--json"], &exported.stdout, &[]);
    assert_eq!(
        out.code,
        Some(1),
        "a channel could not be made: {}",
        out.stdout
    );
    let report = out.json();
    assert!(
        report["created"]
            .as_array()
            .unwrap()
            .contains(&json!("channel ops")),
        "{report}"
    );
    let failed = &report["failed"];
    assert!(
        failed.to_string().contains("channel hook") && failed.to_string().contains("by hand"),
        "{report}"
    );
    let channels = second.get("/api/channels").json()["channels"].clone();
    let ops_there = channels
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "ops")
        .unwrap()["id"]
        .clone();
    assert_ne!(ops_there, json!(ops), "a different id on this server");
    assert_eq!(
        by_title(&jobs(&second), "told")["notify"]["channels"],
        json!([ops_there])
    );

    // Made by hand with its secret, the round trip is complete and exact.
    crate::notify::create_channel(
        &second,
        json!({"name": "hook", "kind": "webhook",
               "config": {"url": "http://127.0.0.1:9/x", "secret": "another"}}),
    );
    let out = backbeat_with(&second, &["import", "--json"], &exported.stdout, &[]);
    let report = out.ok().json();
    assert_eq!(report["failed"], json!([]), "{report}");
    assert!(
        report["unchanged"]
            .as_array()
            .unwrap()
            .contains(&json!("channel ops")),
        "{report}"
    );
    let again = backbeat(&second, &["export"]).ok().json();
    assert_eq!(again["channels"].as_array().unwrap().len(), 3);
    let told_again = again["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["title"] == "told")
        .unwrap();
    assert_eq!(told_again, told, "the job reads back the same");
}
