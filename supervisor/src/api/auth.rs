//! Request security: the Host allow-list (DNS rebinding → 421), the API
//! token (Bearer header or login-session cookie → 401, compared in
//! constant time), the Origin check on state-changing requests (CSRF →
//! 403), and the token file itself.

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::Mutex;

use anyhow::Context;
use hyper::header::{AUTHORIZATION, COOKIE, HOST, ORIGIN};
use hyper::{Method, Request};
use subtle::ConstantTimeEq;

use crate::app::App;
use crate::config::Config;

pub const SESSION_COOKIE: &str = "backbeat_session";

/// `n` random bytes, hex-encoded.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The API token: `BACKBEAT_TOKEN`, else `<config-dir>/token` (created with
/// 32 random bytes, mode 0600, on first start). `None` when auth is off.
pub fn load_token(config: &Config) -> anyhow::Result<Option<String>> {
    if config.auth_disabled {
        return Ok(None);
    }
    if let Some(token) = &config.token_override {
        return Ok(Some(token.clone()));
    }
    let path = config.token_path();
    match fs::read_to_string(&path) {
        Ok(text) if !text.trim().is_empty() => {
            tighten_mode(&path);
            Ok(Some(text.trim().to_string()))
        }
        Ok(_) => anyhow::bail!(
            "{} is empty; delete it and Backbeat will create a new token",
            path.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let token = random_hex(32);
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .with_context(|| format!("creating {}", path.display()))?;
            file.write_all(format!("{token}\n").as_bytes())?;
            file.sync_all()?;
            Ok(Some(token))
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn tighten_mode(path: &Path) {
    if let Ok(meta) = fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o600));
    }
}

/// A fingerprint of the token (not the token): sessions issued under
/// another token are void.
pub fn token_fingerprint(token: Option<&str>) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    token.unwrap_or("").hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// Login sessions, mirrored from the store for cheap checks.
#[derive(Default)]
pub struct Sessions {
    ids: Mutex<HashSet<String>>,
}

impl Sessions {
    pub fn insert(&self, id: String) {
        self.ids
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id);
    }

    pub fn contains(&self, id: &str) -> bool {
        self.ids
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(id)
    }
}

/// Splits `host[:port]` (with `[v6]` brackets) and lower-cases the name.
fn host_name(authority: &str) -> String {
    let authority = authority.trim();
    let name = if let Some(rest) = authority.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        authority
            .rsplit_once(':')
            .map(|(h, _)| h)
            .unwrap_or(authority)
    };
    name.to_ascii_lowercase()
}

fn name_allowed(config: &Config, name: &str) -> bool {
    let bound = config
        .host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    matches!(name, "localhost" | "127.0.0.1" | "::1")
        || name == bound
        || config.extra_allowed_hosts.iter().any(|h| h == name)
}

/// DNS-rebinding guard: the Host header must name this server.
pub fn host_allowed<B>(config: &Config, req: &Request<B>) -> bool {
    let host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()));
    host.map(|h| name_allowed(config, &host_name(h)))
        .unwrap_or(false)
}

/// CSRF guard: a state-changing request with an `Origin` must come from
/// `http://<allowed host>:<our port>`; requests without one pass.
pub fn origin_allowed<B>(app: &App, req: &Request<B>) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let Some(origin) = req.headers().get(ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let Some(authority) = origin.strip_prefix("http://") else {
        return false;
    };
    if authority.contains('/') {
        return false;
    }
    let port_ok = match authority.rsplit_once(':') {
        Some((_, port)) if !port.ends_with(']') => port.parse::<u16>().ok() == Some(app.port()),
        _ => app.port() == 80,
    };
    port_ok && name_allowed(&app.config, &host_name(authority))
}

pub fn cookie_value<B>(req: &Request<B>, name: &str) -> Option<String> {
    req.headers()
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then(|| value.to_string())
        })
}

pub fn token_matches(app: &App, candidate: &str) -> bool {
    match &app.token {
        Some(token) => bool::from(token.as_bytes().ct_eq(candidate.as_bytes())),
        None => true,
    }
}

/// Bearer token or a valid session cookie (always true with auth off).
pub fn authorized<B>(app: &App, req: &Request<B>) -> bool {
    if app.token.is_none() {
        return true;
    }
    if let Some(value) = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        && let Some(candidate) = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
    {
        return token_matches(app, candidate.trim());
    }
    has_session(app, req)
}

pub fn has_session<B>(app: &App, req: &Request<B>) -> bool {
    app.token.is_none()
        || cookie_value(req, SESSION_COOKIE).is_some_and(|id| app.sessions.contains(&id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_drop_ports_and_brackets() {
        assert_eq!(host_name("localhost:3786"), "localhost");
        assert_eq!(host_name("[::1]:3786"), "::1");
        assert_eq!(host_name("Example.COM"), "example.com");
        assert_eq!(host_name("127.0.0.1"), "127.0.0.1");
    }
}
