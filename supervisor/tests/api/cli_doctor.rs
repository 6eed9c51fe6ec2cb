//! `backbeat doctor` on a healthy and a broken setup; completions and the
//! man page.

use std::os::unix::fs::PermissionsExt;

use crate::cli::{backbeat, backbeat_with};
use crate::fixture::Server;

fn line<'a>(stdout: &'a str, check: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.split("  ").map(str::trim).any(|c| c == check))
        .unwrap_or_else(|| panic!("no {check:?} line in:\n{stdout}"))
}

#[test]
fn doctor_passes_on_a_healthy_setup_and_fails_on_a_broken_one() {
    let server = Server::start();
    let out = backbeat(&server, &["doctor"]);
    out.ok();
    for (check, says) in [
        ("config dir", "writable"),
        ("data dir", "writable"),
        ("lock", "held by backbeat pid"),
        ("port", "answers at"),
        ("token", "accepted by the server"),
        ("executor script", "sh-runner"),
        ("disk", "MiB free"),
    ] {
        let l = line(&out.stdout, check);
        assert!(l.starts_with("ok") && l.contains(says), "{l}");
    }
    assert!(line(&out.stdout, "ai cli claude").contains("claude"));
    let json = backbeat(&server, &["doctor", "--json"]).ok().json();
    assert_eq!(json["ok"], true);
    assert!(json["checks"].as_array().unwrap().len() >= 9);

    // Broken: a wrong token, a token file others can read, no server.
    let out = backbeat_with(&server, &["doctor"], "", &[("BACKBEAT_TOKEN", "wrong")]);
    assert_eq!(out.code, Some(1));
    assert!(
        line(&out.stdout, "token").starts_with("FAIL"),
        "{}",
        out.stdout
    );

    let token_file = server.config_dir().join("token");
    std::fs::write(&token_file, "x\n").unwrap();
    std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut cmd = server.command(&[("PORT", "1")]);
    cmd.env_remove("BACKBEAT_TOKEN").arg("doctor");
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let out = crate::cli::finish(cmd.spawn().unwrap());
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    let port = line(&out.stdout, "port");
    assert!(
        port.starts_with("FAIL") && port.contains("does not answer"),
        "{port}"
    );
    let token = line(&out.stdout, "token");
    assert!(
        token.starts_with("FAIL") && token.contains("chmod 600"),
        "{token}"
    );
}

#[test]
fn completions_and_the_man_page_cover_every_verb() {
    let server = Server::start();
    let bash = backbeat(&server, &["completions", "bash"]);
    for verb in ["jobs", "runs", "logs", "stop", "export", "import", "doctor"] {
        assert!(bash.ok().stdout.contains(verb), "{verb}");
    }
    let zsh = backbeat(&server, &["completions", "zsh"]);
    assert!(zsh.ok().stdout.starts_with("#compdef backbeat"));
    let man = backbeat(&server, &["man"]);
    assert!(man.ok().stdout.contains(".TH backbeat 1"));
    assert!(
        man.stdout.contains("Exit status"),
        "exit codes are documented"
    );
    let bad = backbeat(&server, &["completions", "tcsh"]);
    assert_eq!(bad.code, Some(2));
}
