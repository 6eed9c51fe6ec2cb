//! Host allow-list, token and session cookie, Origin check, body limits,
//! and the start-up refusals.

use std::os::unix::fs::PermissionsExt;

use serde_json::json;

use crate::fixture::{Server, TOKEN};

#[test]
fn health_is_open_but_the_api_needs_the_token() {
    let server = Server::start();
    let health = server.get_with("/api/health", &[]);
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");
    assert_eq!(health.json()["scheduler"], "running");

    server
        .get_with("/api/jobs", &[])
        .assert_error(401, "unauthorized", None);
    server
        .get_with("/api/jobs", &[("Authorization", "Bearer wrong")])
        .assert_error(401, "unauthorized", None);
    assert_eq!(server.get("/api/jobs").status, 200);
}

#[test]
fn browser_login_sets_a_session_cookie_that_is_not_the_token() {
    let server = Server::start();
    let login = server.get_with("/", &[]);
    assert_eq!(login.status, 200);
    assert!(
        login.body.contains("backbeat url"),
        "the login page says how to get in: {}",
        login.body
    );

    let wrong = server.raw(
        &format!(
            "GET /?token=nope HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            server.port
        ),
        b"",
    );
    assert_eq!(wrong.status, 401);
    assert!(
        wrong.header("set-cookie").is_none(),
        "no cookie for a wrong token"
    );

    let ok = server.raw(
        &format!(
            "GET /?token={TOKEN} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            server.port
        ),
        b"",
    );
    assert_eq!(ok.status, 303);
    assert_eq!(ok.header("location"), Some("/"));
    let cookie = ok.header("set-cookie").expect("a session cookie");
    assert!(cookie.starts_with("backbeat_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    let pair = cookie.split(';').next().unwrap();
    assert!(!pair.contains(TOKEN), "the cookie must not carry the token");

    let jobs = server.get_with("/api/jobs", &[("Cookie", pair)]);
    assert_eq!(jobs.status, 200, "the session cookie authorises the API");
    let app = server.get_with("/", &[("Cookie", pair)]);
    assert_eq!(app.status, 200);
    assert!(
        !app.body.contains("backbeat url") || app.body.contains("<script"),
        "the app, not the login page"
    );
    let forged = server.get_with("/api/jobs", &[("Cookie", "backbeat_session=forged")]);
    assert_eq!(forged.status, 401);
}

#[test]
fn foreign_host_headers_are_misdirected() {
    let server = Server::start_with(&[("BACKBEAT_ALLOWED_HOSTS", "backbeat.lan")]);
    let request = |host: &str| {
        server.raw(
            &format!("GET /api/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
            b"",
        )
    };
    request("evil.example:80").assert_error(421, "misdirected_request", None);
    assert_eq!(request(&format!("localhost:{}", server.port)).status, 200);
    assert_eq!(request("[::1]:1234").status, 200);
    assert_eq!(
        request("backbeat.lan").status,
        200,
        "BACKBEAT_ALLOWED_HOSTS adds names"
    );
    // Static files are guarded too.
    let page = server.raw(
        "GET / HTTP/1.1\r\nHost: attacker.test\r\nConnection: close\r\n\r\n",
        b"",
    );
    assert_eq!(page.status, 421);
}

#[test]
fn cross_origin_writes_are_forbidden() {
    let server = Server::start();
    let body =
        json!({"title": "x", "type": "script", "body": "true", "schedule": {"kind": "manual"}})
            .to_string();
    let post = |origin: Option<&str>| {
        let origin = origin
            .map(|o| format!("Origin: {o}\r\n"))
            .unwrap_or_default();
        server.raw(
            &format!(
                "POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Bearer {TOKEN}\r\n{origin}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                server.port,
                body.len()
            ),
            body.as_bytes(),
        )
    };
    post(Some("http://evil.example")).assert_error(403, "forbidden_origin", None);
    post(Some("null")).assert_error(403, "forbidden_origin", None);
    post(Some(&format!("http://127.0.0.1:{}", server.port + 1))).assert_error(
        403,
        "forbidden_origin",
        None,
    );
    post(Some(&format!("https://127.0.0.1:{}", server.port))).assert_error(
        403,
        "forbidden_origin",
        None,
    );
    assert_eq!(
        post(Some(&format!("http://localhost:{}", server.port))).status,
        201
    );
    assert_eq!(post(None).status, 201, "scripts without Origin pass");
    let jobs = server.get("/api/jobs").json();
    assert_eq!(
        jobs["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|j| j["title"] == "x")
            .count(),
        2,
        "refused requests changed nothing"
    );
}

#[test]
fn bodies_must_be_json_and_small() {
    let server = Server::start();
    let send = |content_type: &str, body: &[u8]| {
        server.raw(
            &format!(
                "POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                server.port,
                body.len()
            ),
            body,
        )
    };
    send("text/plain", b"title=x").assert_error(415, "unsupported_media_type", None);
    let huge = format!("{{\"title\":\"{}\"}}", "a".repeat(1024 * 1024 + 10));
    send("application/json", huge.as_bytes()).assert_error(413, "payload_too_large", None);
    send("application/json", b"{not json").assert_error(400, "bad_request", None);
    send("application/json; charset=utf-8", b"[1,2]").assert_error(400, "bad_request", None);
}

#[test]
fn the_token_file_is_created_private_and_backbeat_url_prints_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let mut server = Server::start_with(&[
        ("BACKBEAT_CONFIG_DIR", config.to_str().unwrap()),
        ("BACKBEAT_TOKEN", ""),
    ]);
    let token_path = config.join("token");
    let token = std::fs::read_to_string(&token_path)
        .unwrap()
        .trim()
        .to_string();
    assert!(
        token.len() >= 64 && token.chars().all(|c| c.is_ascii_hexdigit()),
        "32+ random bytes, hex: {token}"
    );
    assert_eq!(
        std::fs::metadata(&token_path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(
        server.stdout.contains(&format!("/?token={token}")),
        "the start banner has the login URL: {}",
        server.stdout
    );
    let reply = server.get_with(
        "/api/jobs",
        &[("Authorization", &format!("Bearer {token}"))],
    );
    assert_eq!(reply.status, 200);
    server.kill9();
    let output = server
        .command(&[
            ("BACKBEAT_CONFIG_DIR", config.to_str().unwrap()),
            ("BACKBEAT_TOKEN", ""),
            ("PORT", "3786"),
        ])
        .arg("url")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("http://127.0.0.1:3786/?token={token}")
    );
}

#[test]
fn auth_off_is_refused_off_loopback_and_works_on_it() {
    let server = Server::start_with(&[("BACKBEAT_AUTH", "off")]);
    assert_eq!(
        server.get_with("/api/jobs", &[]).status,
        200,
        "no token needed with auth off on loopback"
    );
    let output = server
        .command(&[("BACKBEAT_AUTH", "off"), ("HOST", "0.0.0.0")])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("BACKBEAT_AUTH=off") && stderr.contains("0.0.0.0"),
        "{stderr}"
    );
}

#[test]
fn only_one_supervisor_per_data_directory() {
    let server = Server::start();
    let output = server.command(&[]).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("already using"), "{stderr}");
    assert_eq!(
        server.get("/api/health").status,
        200,
        "the first one keeps running"
    );
}

#[test]
fn unknown_routes_are_404_with_the_error_shape() {
    let server = Server::start();
    server.get("/api/nope").assert_error(404, "not_found", None);
    server
        .get("/api/jobs/999")
        .assert_error(404, "not_found", None);
    server
        .get("/api/jobs/abc")
        .assert_error(404, "not_found", None);
    server
        .get("/api/runs/999")
        .assert_error(404, "not_found", None);
    server
        .get_with("/assets/../../etc/passwd", &[])
        .assert_error(404, "not_found", None);
}

#[test]
fn sessions_survive_restarts_but_not_a_new_token() {
    let mut server = Server::start();
    let login = |server: &Server, token: &str| {
        let reply = server.raw(
            &format!(
                "GET /?token={token} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                server.port
            ),
            b"",
        );
        reply
            .header("set-cookie")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    };
    let cookie = login(&server, TOKEN);
    server.kill9();
    server.boot();
    assert_eq!(
        server.get_with("/api/jobs", &[("Cookie", &cookie)]).status,
        200,
        "still logged in after a restart"
    );
    server.kill9();
    server.set_env("BACKBEAT_TOKEN", "a-brand-new-token");
    server.boot();
    assert_eq!(
        server.get_with("/api/jobs", &[("Cookie", &cookie)]).status,
        401,
        "a new token logs everyone out"
    );
}
