//! A real OpenSSH server for the `ssh-runner` tests: Debian's `sshd`
//! (installed by `scripts/setup-sshd`, named by `BACKBEAT_SSHD`) run as
//! `sshd -D` on a free loopback port with a throw-away host key, user key,
//! authorized_keys, known_hosts and client config in a temp dir; stopped
//! (and every session it started) when dropped. Skipped without
//! `BACKBEAT_SSHD` unless `BACKBEAT_REQUIRE_SSHD=1` (as in CI).
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The alias for the test server in the client config.
pub const HOST: &str = "box";
/// An alias for the same server with a key it does not accept.
pub const STRANGER: &str = "stranger";

pub struct Sshd {
    child: Child,
    pub dir: tempfile::TempDir,
    pub port: u16,
}

fn sshd_binary() -> Option<PathBuf> {
    match std::env::var_os("BACKBEAT_SSHD") {
        Some(path) => Some(PathBuf::from(path)),
        None if std::env::var("BACKBEAT_REQUIRE_SSHD").as_deref() == Ok("1") => {
            panic!("BACKBEAT_SSHD is not set: run scripts/setup-sshd")
        }
        None => {
            eprintln!(
                "SKIPPED: BACKBEAT_SSHD is not set (export BACKBEAT_SSHD=\"$(scripts/setup-sshd)\")"
            );
            None
        }
    }
}

fn keygen(path: &Path) {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "backbeat-test", "-f"])
        .arg(path)
        .output()
        .expect("ssh-keygen");
    assert!(out.status.success(), "ssh-keygen: {out:?}");
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Sshd {
    /// Starts the server, or `None` (test skipped) without `BACKBEAT_SSHD`.
    pub fn start() -> Option<Sshd> {
        let binary = sshd_binary()?;
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name);
        keygen(&path("host_key"));
        keygen(&path("user_key"));
        keygen(&path("stranger_key"));
        std::fs::copy(path("user_key.pub"), path("authorized_keys")).unwrap();
        std::fs::create_dir_all("/run/sshd").expect("/run/sshd (sshd's privilege separation dir)");
        let port = free_port();
        let server_config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\n\
             AuthorizedKeysFile {keys}\nPidFile none\nStrictModes no\nUsePAM no\n\
             PubkeyAuthentication yes\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n\
             AllowTcpForwarding no\nX11Forwarding no\nLogLevel ERROR\n",
            host_key = path("host_key").display(),
            keys = path("authorized_keys").display(),
        );
        std::fs::write(path("sshd_config"), server_config).unwrap();
        let host_public = std::fs::read_to_string(path("host_key.pub")).unwrap();
        std::fs::write(
            path("known_hosts"),
            format!("[127.0.0.1]:{port} {host_public}"),
        )
        .unwrap();
        let user = whoami();
        let client_config = format!(
            "Host {HOST}\n  HostName 127.0.0.1\n  Port {port}\n  User {user}\n  IdentityFile {user_key}\n\n\
             Host {STRANGER}\n  HostName 127.0.0.1\n  Port {port}\n  User {user}\n  IdentityFile {stranger_key}\n\n\
             Host 127.0.0.1\n  IdentityFile {user_key}\n\n\
             Host *\n  IdentitiesOnly yes\n  IdentityAgent none\n  UserKnownHostsFile {known}\n  \
             GlobalKnownHostsFile /dev/null\n",
            user_key = path("user_key").display(),
            stranger_key = path("stranger_key").display(),
            known = path("known_hosts").display(),
        );
        std::fs::write(path("ssh_config"), client_config).unwrap();
        let child = Command::new(binary)
            .arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(path("sshd_config"))
            .stdin(Stdio::null())
            .stderr(std::fs::File::create(path("sshd.log")).unwrap())
            .spawn()
            .expect("start sshd");
        let sshd = Sshd { child, dir, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "sshd did not listen on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(sshd)
    }

    /// The client config naming [`HOST`] and [`STRANGER`] (for `BACKBEAT_SSH_CONFIG`).
    pub fn client_config(&self) -> String {
        self.dir.path().join("ssh_config").display().to_string()
    }

    /// `user@127.0.0.1:port`: the server without an alias.
    pub fn address(&self) -> String {
        format!("{}@127.0.0.1:{}", whoami(), self.port)
    }
}

fn whoami() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

impl Drop for Sshd {
    fn drop(&mut self) {
        // The listener, its per-connection processes and whatever their
        // sessions started (descendants too, through their parent links).
        process_tree::kill_tree(self.child.id() as i32, Duration::from_secs(5));
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
