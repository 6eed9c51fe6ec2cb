//! The email channel against a real SMTP server: aiosmtpd (PyPI, installed
//! by `scripts/setup-smtp-server` into a cache venv) with STARTTLS
//! required, using a throw-away CA and server certificate made here with
//! the openssl CLI. Needs `BACKBEAT_SMTP_PYTHON` (the venv's python);
//! skipped without it unless `BACKBEAT_REQUIRE_SMTP=1` (as in CI).

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::fixture::{Server, eventually};
use crate::notify::{create_channel, settled_deliveries};
use crate::receiver::closed_port;

fn smtp_python() -> Option<PathBuf> {
    match std::env::var_os("BACKBEAT_SMTP_PYTHON") {
        Some(path) => Some(PathBuf::from(path)),
        None if std::env::var("BACKBEAT_REQUIRE_SMTP").as_deref() == Ok("1") => {
            panic!("BACKBEAT_SMTP_PYTHON is not set: run scripts/setup-smtp-server")
        }
        None => {
            eprintln!(
                "SKIPPED: BACKBEAT_SMTP_PYTHON is not set (export BACKBEAT_SMTP_PYTHON=\"$(scripts/setup-smtp-server)\")"
            );
            None
        }
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl CLI");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA and a server certificate for 127.0.0.1 signed by it.
fn make_certificates(dir: &Path) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "1",
        "-subj",
        "/CN=Backbeat test CA",
    ]);
    openssl(dir, &ca);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend([
        "-keyout",
        "key.pem",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    openssl(dir, &csr);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "cert.pem",
            "-days",
            "1",
            "-extfile",
            "server.ext",
        ],
    );
}

/// aiosmtpd, killed when dropped.
struct SmtpServer {
    child: Child,
    port: u16,
    maildir: PathBuf,
}

impl SmtpServer {
    fn start(python: &Path, dir: &Path) -> SmtpServer {
        let port = closed_port();
        let maildir = dir.join("maildir");
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["--tlscert", "cert.pem", "--tlskey", "key.pem"])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .current_dir(dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpServer {
            child,
            port,
            maildir,
        }
    }

    fn messages(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        entries
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn email_over_starttls_names_the_job_and_carries_the_error_and_log() {
    let Some(python) = smtp_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    make_certificates(dir.path());
    let smtp = SmtpServer::start(&python, dir.path());
    let server = Server::start();
    let config = |ca: bool| {
        let mut config = json!({"host": "127.0.0.1", "port": smtp.port, "security": "starttls",
            "from": "Backbeat <backbeat@example.com>", "to": ["me@example.com"]});
        if ca {
            config["tlsCaFile"] = json!(dir.path().join("ca.pem").display().to_string());
        }
        config
    };

    // Certificates are verified: without the private CA, nothing is sent.
    let untrusted = create_channel(
        &server,
        json!({"name": "untrusted", "kind": "email", "config": config(false)}),
    );
    let reply = server.send("POST", &format!("/api/channels/{untrusted}/test"), None);
    assert_eq!(reply.json()["status"], "failed", "{}", reply.body);
    assert!(smtp.messages().is_empty());

    let mail = create_channel(
        &server,
        json!({"name": "mail", "kind": "email", "config": config(true)}),
    );
    let reply = server.send("POST", &format!("/api/channels/{mail}/test"), None);
    assert_eq!(reply.json()["status"], "sent", "{}", reply.body);
    eventually(10, "the test message in the maildir", || {
        smtp.messages().len() == 1
    });
    assert!(smtp.messages()[0].contains("Subject: [Backbeat] Test message from Backbeat"));

    let job = server.create_job(json!({"title": "Mailer job",
        "body": "echo 'disk almost full'; exit 4", "notify": {"channels": [mail]}}))["id"]
        .as_i64()
        .unwrap();
    let run = server.wait_finished(server.run_now(job));
    let recorded = settled_deliveries(&server, run["id"].as_i64().unwrap(), 1);
    assert_eq!(recorded[0]["status"], "sent", "{recorded:?}");
    assert_eq!(recorded[0]["kind"], "email");
    eventually(10, "the failure mail", || smtp.messages().len() == 2);
    let message = smtp
        .messages()
        .into_iter()
        .find(|m| m.contains("Mailer job failed"))
        .expect("a mail about the failure");
    assert!(
        message.contains("Subject: [Backbeat] Mailer job failed"),
        "{message}"
    );
    assert!(message.contains("To: me@example.com"), "{message}");
    assert!(message.contains("Error: exit code 4"), "{message}");
    assert!(message.contains("disk almost full"), "{message}");
}
