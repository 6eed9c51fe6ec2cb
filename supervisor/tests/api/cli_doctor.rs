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

#[test]
fn scripts_install_puts_a_working_backbeat_and_its_runners_in_local_bin() {
    let server = Server::start();
    let home = tempfile::tempdir().unwrap();
    let built = crate::fixture::backbeat_bin()
        .parent()
        .unwrap()
        .to_path_buf();
    let script = format!("{}/../scripts/install", env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(&script)
        .args(["--from", built.to_str().unwrap(), "--systemd"])
        .env("HOME", home.path())
        .env_remove("PREFIX")
        .env_remove("XDG_CONFIG_HOME")
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(".local/bin is not on your PATH"),
        "{stderr}"
    );
    let bindir = home.path().join(".local/bin");
    let unit =
        std::fs::read_to_string(home.path().join(".config/systemd/user/backbeat.service")).unwrap();
    assert!(
        unit.contains(&format!("ExecStart={}/backbeat serve", bindir.display())),
        "{unit}"
    );

    // The installed `backbeat` finds its runners beside it, and `url` works.
    std::fs::create_dir_all(server.config_dir()).unwrap();
    let token = server.config_dir().join("token");
    std::fs::write(&token, crate::fixture::TOKEN).unwrap();
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).unwrap();
    let installed = |args: &[&str]| {
        let mut cmd = server.command(&[("PORT", &server.port.to_string())]);
        cmd.env_remove("BACKBEAT_TOKEN")
            .env("PATH", format!("{}:/usr/bin:/bin", bindir.display()))
            .args(args);
        // Run the installed binary, not the one under target/.
        let mut installed = std::process::Command::new(bindir.join("backbeat"));
        installed.args(args);
        for (key, value) in cmd.get_envs() {
            match value {
                Some(value) => installed.env(key, value),
                None => installed.env_remove(key),
            };
        }
        installed
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        crate::cli::finish(installed.spawn().unwrap())
    };
    let out = installed(&["url"]);
    assert_eq!(
        out.ok().stdout.trim(),
        format!("{}/?token={}", server.base, crate::fixture::TOKEN)
    );
    let out = installed(&["doctor"]);
    out.ok();
    let script_line = line(&out.stdout, "executor script");
    assert!(
        script_line.contains(&format!("{}/sh-runner", bindir.display())),
        "{script_line}"
    );
}
