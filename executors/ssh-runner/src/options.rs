//! The `executorOptions` of `ssh` jobs (`host`, `cwd`, `shell`), their
//! JSON Schema for `--describe`, and how `host` becomes ssh's destination.

use serde::Deserialize;
use serde_json::{Value, json};

pub const DEFAULT_SHELL: &str = "/bin/sh";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    pub host: String,
    #[serde(default)]
    pub cwd: String,
    #[serde(default)]
    pub shell: Option<String>,
}

impl Options {
    pub fn parse(options: &serde_json::Map<String, Value>) -> Result<Options, String> {
        serde_json::from_value(Value::Object(options.clone()))
            .map_err(|e| format!("bad executorOptions: {e}"))
    }

    pub fn shell(&self) -> &str {
        match self.shell.as_deref().map(str::trim) {
            Some(shell) if !shell.is_empty() => shell,
            _ => DEFAULT_SHELL,
        }
    }
}

/// The options' JSON Schema (the supervisor validates jobs against it and
/// the dashboard renders its form from it).
pub fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "host": {
                "type": "string",
                "title": "Host",
                "description": "An alias from ~/.ssh/config, or user@host[:port]",
                "minLength": 1,
                "pattern": "^[^-\\s][^\\s]*$"
            },
            "cwd": {
                "type": "string",
                "title": "Remote directory",
                "description": "Where the body runs on the host (default: the remote user's home; ~/… allowed)"
            },
            "shell": {
                "type": "string",
                "title": "Shell",
                "description": "Runs the body on the host as <shell> -c <body>",
                "default": DEFAULT_SHELL,
                "minLength": 1
            }
        },
        "required": ["host"],
        "additionalProperties": false
    })
}

/// Where ssh connects: its destination argument and `-p` port.
#[derive(Debug, PartialEq, Eq)]
pub struct Destination {
    pub target: String,
    pub port: Option<u16>,
}

/// `alias`, `user@host`, `user@host:port`, `host:port`, `[v6addr]:port`.
pub fn destination(host: &str) -> Result<Destination, String> {
    let host = host.trim();
    if host.is_empty() || host.starts_with('-') || host.contains(char::is_whitespace) {
        return Err(format!(
            "executorOptions.host {host:?} is not an ssh host: use an alias from ~/.ssh/config or user@host[:port]"
        ));
    }
    let Some((left, right)) = host.rsplit_once(':') else {
        return Ok(Destination {
            target: host.into(),
            port: None,
        });
    };
    let (user, address) = match left.rsplit_once('@') {
        Some((user, address)) => (Some(user), address),
        None => (None, left),
    };
    let bracketed = address.starts_with('[') && address.ends_with(']');
    if !bracketed && address.contains(':') {
        // A bare IPv6 address: no port.
        return Ok(Destination {
            target: host.into(),
            port: None,
        });
    }
    let port = right
        .parse::<u16>()
        .ok()
        .filter(|&p| p != 0 && right.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| format!("executorOptions.host {host:?}: the port must be 1-65535"))?;
    let address = address.trim_start_matches('[').trim_end_matches(']');
    let target = match user {
        Some(user) => format!("{user}@{address}"),
        None => address.to_string(),
    };
    Ok(Destination {
        target,
        port: Some(port),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dest(target: &str, port: Option<u16>) -> Result<Destination, String> {
        Ok(Destination {
            target: target.into(),
            port,
        })
    }

    #[test]
    fn hosts_become_a_destination_and_a_port() {
        assert_eq!(destination("build-box"), dest("build-box", None));
        assert_eq!(destination("me@10.0.0.2"), dest("me@10.0.0.2", None));
        assert_eq!(
            destination("me@10.0.0.2:2222"),
            dest("me@10.0.0.2", Some(2222))
        );
        assert_eq!(destination("box:22"), dest("box", Some(22)));
        assert_eq!(destination("me@[::1]:2200"), dest("me@::1", Some(2200)));
        assert_eq!(destination("::1"), dest("::1", None));
    }

    #[test]
    fn option_like_or_malformed_hosts_are_refused() {
        for bad in [
            "-oProxyCommand=x",
            "a b",
            "",
            "box:0",
            "box:ssh",
            "box:70000",
        ] {
            let error = destination(bad).unwrap_err();
            assert!(error.starts_with("executorOptions.host"), "{error}");
        }
    }
}
