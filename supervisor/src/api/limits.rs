//! How much the HTTP server gives each client: the request-head timeout
//! (which also bounds idle keep-alive waits), the connection cap, and the
//! limits on the request line and headers. Read from the environment
//! (`BACKBEAT_HTTP_*`, see README) so tests can use short values.

use std::time::Duration;

use anyhow::{Context, bail};

/// A request line (method, URI, version) longer than this is 414.
pub const MAX_URI_BYTES: usize = 16 * 1024;
/// Request headers (names and values) larger than this in total are 431.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// More headers than this are 431.
pub const MAX_HEADERS: usize = 200;
/// hyper's own limits sit well above ours, so that our JSON 414/431
/// answers them; only a request head beyond these (a URI over 64 KiB, a
/// head over 512 KiB, over 400 headers) gets hyper's bare status line.
pub const HYPER_MAX_BUF: usize = 512 * 1024;
pub const HYPER_MAX_HEADERS: usize = 2 * MAX_HEADERS;

#[derive(Debug, Clone, PartialEq)]
pub struct HttpLimits {
    /// `BACKBEAT_HTTP_HEADER_TIMEOUT_MS` (default 20000, at most 30000): a
    /// client must send a complete request head within this, counted from
    /// the accept or from the end of the previous response on a kept-alive
    /// connection. So it is also the idle keep-alive timeout. A response
    /// being streamed (SSE) is not idle.
    pub header_timeout: Duration,
    /// `BACKBEAT_HTTP_MAX_CONNECTIONS` (default: half the open-file limit,
    /// at most 4096): while this many connections are open, new ones wait
    /// in the listen backlog.
    pub max_connections: usize,
}

impl HttpLimits {
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<HttpLimits> {
        let number = |key: &str| -> anyhow::Result<Option<u64>> {
            match get(key).filter(|v| !v.trim().is_empty()) {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .map(Some)
                    .with_context(|| format!("{key} must be a whole number, got {v:?}")),
            }
        };
        let header_ms = number("BACKBEAT_HTTP_HEADER_TIMEOUT_MS")?.unwrap_or(20_000);
        if !(100..=30_000).contains(&header_ms) {
            bail!("BACKBEAT_HTTP_HEADER_TIMEOUT_MS must be between 100 and 30000, got {header_ms}");
        }
        let max_connections = match number("BACKBEAT_HTTP_MAX_CONNECTIONS")? {
            Some(0) => bail!("BACKBEAT_HTTP_MAX_CONNECTIONS must be at least 1"),
            Some(n) => n as usize,
            None => (open_file_limit() / 2).clamp(16, 4096) as usize,
        };
        Ok(HttpLimits {
            header_timeout: Duration::from_millis(header_ms),
            max_connections,
        })
    }
}

/// The soft `RLIMIT_NOFILE` of this process.
fn open_file_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes into the struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
        limit.rlim_cur
    } else {
        1024
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(vars: &[(&str, &str)]) -> anyhow::Result<HttpLimits> {
        HttpLimits::from_lookup(|key| {
            vars.iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn reads_the_environment_and_refuses_nonsense() {
        let defaults = limits(&[]).unwrap();
        assert_eq!(defaults.header_timeout, Duration::from_secs(20));
        assert!(defaults.max_connections >= 16);
        let set = limits(&[
            ("BACKBEAT_HTTP_HEADER_TIMEOUT_MS", "500"),
            ("BACKBEAT_HTTP_MAX_CONNECTIONS", "7"),
        ])
        .unwrap();
        assert_eq!(set.header_timeout, Duration::from_millis(500));
        assert_eq!(set.max_connections, 7);
        for (key, value) in [
            ("BACKBEAT_HTTP_HEADER_TIMEOUT_MS", "60000"),
            ("BACKBEAT_HTTP_HEADER_TIMEOUT_MS", "soon"),
            ("BACKBEAT_HTTP_MAX_CONNECTIONS", "0"),
        ] {
            let err = limits(&[(key, value)]).unwrap_err().to_string();
            assert!(err.contains(key), "{err}");
        }
    }
}
