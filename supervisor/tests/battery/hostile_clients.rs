//! Hostile clients (RELIABILITY.md, "HTTP: no 5xx, no exhausted server"):
//! hundreds of SSE clients that vanish mid-stream, idle and half-header
//! connections, and a server pushed to its open-file limit. Each test
//! counts the server's descriptors in /proc/<pid>/fd and checks that
//! ordinary requests are still answered.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::fixture::{Server, TOKEN, eventually};

/// The server's descriptors that clients can make it open: sockets and
/// log files (the SQLite pool may grow under load, and that is no leak).
fn client_fds(pid: u32) -> usize {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return 0;
    };
    dir.flatten()
        .filter_map(|entry| std::fs::read_link(entry.path()).ok())
        .filter(|target| {
            let target = target.to_string_lossy();
            target.starts_with("socket:") || target.ends_with(".log")
        })
        .count()
}

/// User + system CPU time of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // Fields after the parenthesised command name; utime and stime are 14
    // and 15 (1-based), so 11 and 12 after the state field.
    let rest = stat.rsplit_once(')').unwrap().1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    stream
}

/// Closes with a TCP reset instead of a FIN, as a killed client would.
fn reset(stream: TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket and a correctly sized option value.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
    drop(stream);
}

/// Reads until the blank line after the response head.
fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// True when the server closed the connection (EOF or reset) within the
/// stream's read timeout, reading and discarding anything sent first.
fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[test]
fn sse_clients_that_vanish_mid_stream_give_back_every_descriptor() {
    let server = Server::start();
    let job = server.script_job("echo started; sleep 60");
    let run_id = server.run_now(job);
    server.wait_run(run_id, 10, |r| r["status"] == "running");
    assert_eq!(server.get("/api/health").status, 200);
    let pid = server.pid();
    let baseline = client_fds(pid);

    let mut clients = Vec::new();
    for i in 0..200 {
        let mut stream = connect(server.port);
        let path = if i % 4 == 0 {
            "/api/events".to_string()
        } else {
            format!("/api/runs/{run_id}/log/stream")
        };
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
        )
        .unwrap();
        clients.push(stream);
    }
    for stream in &mut clients {
        let head = read_head(stream);
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    }
    assert!(
        client_fds(pid) >= baseline + 200,
        "the server holds a socket (and the log file) per stream"
    );
    for (i, stream) in clients.into_iter().enumerate() {
        if i % 2 == 0 {
            reset(stream);
        } else {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
    eventually(
        30,
        "the server's descriptors return to their baseline",
        || client_fds(pid) <= baseline,
    );
    // The run it was streaming is unharmed and the server still serves.
    assert_eq!(server.run(run_id)["status"], "running");
    let reply = server.send("POST", &format!("/api/runs/{run_id}/stop"), None);
    assert_eq!(reply.status, 202, "{}", reply.body);
    assert_eq!(server.wait_finished(run_id)["error"], "stopped by user");
}

#[test]
fn idle_and_half_header_connections_are_closed_while_others_are_served() {
    let server = Server::start_with(&[("BACKBEAT_HTTP_HEADER_TIMEOUT_MS", "1500")]);
    let pid = server.pid();
    assert_eq!(server.get("/api/health").status, 200);
    let baseline = client_fds(pid);

    // A live event stream outlasts the header timeout: streaming is not idle.
    let mut feed = connect(server.port);
    write!(
        feed,
        "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
    )
    .unwrap();
    assert!(read_head(&mut feed).starts_with("HTTP/1.1 200"));

    let opened = Instant::now();
    let mut hostile = Vec::new();
    for i in 0..500 {
        let mut stream = connect(server.port);
        if i % 2 == 1 {
            stream
                .write_all(b"GET /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthor")
                .unwrap();
        }
        hostile.push(stream);
    }
    // Ordinary clients are served meanwhile.
    for _ in 0..5 {
        assert_eq!(server.get("/api/jobs").status, 200);
    }
    // A kept-alive connection that goes quiet after a response is idle too.
    let mut kept = connect(server.port);
    kept.write_all(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    assert!(read_head(&mut kept).starts_with("HTTP/1.1 200"));
    hostile.push(kept);

    for (i, stream) in hostile.iter_mut().enumerate() {
        assert!(
            closed_by_server(stream),
            "connection {i} was not closed by the header timeout"
        );
    }
    assert!(
        opened.elapsed() >= Duration::from_millis(1500),
        "not closed before the timeout"
    );
    eventually(
        10,
        "the server's descriptors return to their baseline",
        || {
            client_fds(pid) <= baseline + 1 // + the event feed
        },
    );

    server.create_job(json!({"title": "after the timeout", "body": "true"}));
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(10);
    while !seen.contains("after the timeout") && Instant::now() < deadline {
        match feed.read(&mut buf) {
            Ok(n) if n > 0 => seen.push_str(&String::from_utf8_lossy(&buf[..n])),
            _ => break,
        }
    }
    assert!(
        seen.contains("event: job"),
        "the event stream was still open after the header timeout: {seen:?}"
    );
}

/// Starts backbeat with at most `limit` open files and stderr in a file.
fn start_with_fd_limit(server: &mut Server, limit: u64, stderr: &std::path::Path) -> Child {
    server.terminate();
    let mut cmd = server.command(&[
        ("BACKBEAT_HTTP_MAX_CONNECTIONS", "100000"),
        ("PORT", &server.port.to_string()),
    ]);
    cmd.stdout(Stdio::null())
        .stderr(std::fs::File::create(stderr).unwrap());
    // SAFETY: setrlimit is async-signal-safe; nothing else runs before exec.
    unsafe {
        cmd.pre_exec(move || {
            let rlimit = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &rlimit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().expect("spawn backbeat");
    eventually(20, "backbeat listens again", || {
        TcpStream::connect(("127.0.0.1", server.port)).is_ok()
    });
    child
}

#[test]
fn at_the_open_file_limit_the_server_waits_instead_of_spinning_and_recovers() {
    let mut server = Server::start();
    let stderr = server.dir.path().join("stderr.log");
    let mut child = start_with_fd_limit(&mut server, 64, &stderr);
    let pid = child.id();
    let _kill_on_exit = KillOnDrop(&mut child);
    assert_eq!(server.get("/api/health").status, 200);

    // More connections than descriptors: the rest wait in the backlog.
    let mut clients: Vec<TcpStream> = (0..120).map(|_| connect(server.port)).collect();
    eventually(10, "the server runs out of descriptors", || {
        std::fs::read_to_string(&stderr)
            .unwrap_or_default()
            .contains("accept failed")
    });
    let cpu_before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(3));
    let cpu_used = cpu_ticks(pid) - cpu_before;
    let log = std::fs::read_to_string(&stderr).unwrap();
    let complaints = log.matches("accept failed").count();
    assert!(
        complaints <= 2,
        "accept errors are reported once per streak, not per attempt ({complaints} times):\n{log}"
    );
    // 3 s of waiting; a busy loop would use most of it (100 ticks/s).
    assert!(
        cpu_used < 100,
        "the server spun while out of descriptors: {cpu_used} ticks in 3 s"
    );

    for stream in clients.drain(..) {
        reset(stream);
    }
    eventually(20, "ordinary requests are served again", || {
        health_answers(server.port)
    });
    let reply = server.post(
        "/api/cron/preview",
        json!({"expr": "0 3 * * *", "count": 1}),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    eventually(5, "the recovery is reported", || {
        std::fs::read_to_string(&stderr)
            .unwrap_or_default()
            .contains("accepting connections again")
    });
}

/// One `GET /api/health` on a fresh connection; false on any failure.
fn health_answers(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let sent = stream
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_ok();
    sent && read_head(&mut stream).starts_with("HTTP/1.1 200")
}

struct KillOnDrop<'a>(&'a mut Child);

impl Drop for KillOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
