//! The client's HTTP side: where Backbeat is (BACKBEAT_URL or HOST/PORT),
//! which token to send (BACKBEAT_TOKEN or the token file, read only —
//! never created), and turning error replies into messages and exit codes.

use std::io::Read;
use std::time::Duration;

use serde_json::Value;

use super::{Exit, exit};
use crate::config::Config;

#[derive(Clone)]
pub struct Client {
    pub base: String,
    token: Option<String>,
    /// Where the token came from, for 401 messages.
    token_source: String,
    agent: ureq::Agent,
}

/// The token the client sends, and where it came from; `None` when auth
/// is off or there is none yet. Only reads.
pub fn client_token(config: &Config) -> anyhow::Result<(Option<String>, String)> {
    if config.auth_disabled {
        return Ok((None, "BACKBEAT_AUTH=off".into()));
    }
    if let Some(token) = &config.token_override {
        return Ok((Some(token.clone()), "BACKBEAT_TOKEN".into()));
    }
    let path = config.token_path();
    let source = path.display().to_string();
    match std::fs::read_to_string(&path) {
        Ok(text) if !text.trim().is_empty() => Ok((Some(text.trim().to_string()), source)),
        Ok(_) => Ok((None, format!("{source} (empty)"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok((None, format!("{source} (missing)")))
        }
        Err(e) => Err(anyhow::anyhow!("reading {source}: {e}")),
    }
}

/// `BACKBEAT_URL`, else `http://HOST:PORT` of the configuration.
pub fn base_url(config: &Config) -> String {
    if let Ok(url) = std::env::var("BACKBEAT_URL")
        && !url.trim().is_empty()
    {
        return url.trim().trim_end_matches('/').to_string();
    }
    crate::dashboard_url(config, config.port, None)
        .trim_end_matches('/')
        .to_string()
}

impl Client {
    pub fn new(config: &Config) -> anyhow::Result<Client> {
        let (token, token_source) = client_token(config)?;
        Ok(Client::with_base(base_url(config), token, token_source))
    }

    /// A client of the server at `base` (no trailing slash) with `token`,
    /// which came from `token_source` (named in 401 messages).
    pub fn with_base(base: String, token: Option<String>, token_source: String) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(5)))
            .build()
            .into();
        Client {
            base,
            token,
            token_source,
            agent,
        }
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<ureq::http::Response<ureq::Body>> {
        let url = format!("{}{path}", self.base);
        let auth = self
            .token
            .as_ref()
            .map(|t| format!("Bearer {t}"))
            .unwrap_or_default();
        let with_body = |b: ureq::RequestBuilder<ureq::typestate::WithBody>| match body {
            Some(body) => b
                .header("Authorization", &auth)
                .header("Content-Type", "application/json")
                .send(body.to_string()),
            None => b.header("Authorization", &auth).send_empty(),
        };
        let result = match method {
            "GET" => self.agent.get(&url).header("Authorization", &auth).call(),
            "DELETE" => self
                .agent
                .delete(&url)
                .header("Authorization", &auth)
                .call(),
            "POST" => with_body(self.agent.post(&url)),
            "PATCH" => with_body(self.agent.patch(&url)),
            other => unreachable!("no {other} requests"),
        };
        let response = result.map_err(|e| {
            exit(
                Exit::UNREACHABLE,
                format!(
                    "cannot reach Backbeat at {}: is it running? Start it with `backbeat`, or set BACKBEAT_URL ({e})",
                    self.base
                ),
            )
        })?;
        if response.status().as_u16() >= 400 {
            return Err(self.error_of(response));
        }
        Ok(response)
    }

    /// A JSON request; `Null` for an empty reply (204).
    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> anyhow::Result<Value> {
        let mut response = self.request(method, path, body)?;
        let text = response.body_mut().read_to_string().unwrap_or_default();
        if text.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!("{} answered {path} with something not JSON: {e}", self.base)
        })
    }

    pub fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.call("GET", path, None)
    }

    /// A streamed GET (log text, server-sent events).
    pub fn stream(&self, path: &str) -> anyhow::Result<impl Read + use<>> {
        Ok(self.request("GET", path, None)?.into_body().into_reader())
    }

    fn error_of(&self, mut response: ureq::http::Response<ureq::Body>) -> anyhow::Error {
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let message = value["error"]["message"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("HTTP {status}: {}", text.trim()));
        match status {
            401 => match &self.token {
                None => exit(
                    Exit::UNAUTHORISED,
                    format!(
                        "no token ({}): start Backbeat once so it creates one, or set BACKBEAT_TOKEN",
                        self.token_source
                    ),
                ),
                Some(_) => exit(
                    Exit::UNAUTHORISED,
                    format!(
                        "{} refused the token from {}: it is not the server's token (did the server start with another BACKBEAT_TOKEN or config dir?)",
                        self.base, self.token_source
                    ),
                ),
            },
            404 => exit(Exit::NOT_FOUND, message),
            400 | 422 => {
                let list: Vec<&str> = value["errors"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e["message"].as_str())
                    .collect();
                if list.len() > 1 {
                    exit(Exit::USAGE, format!("invalid:\n  {}", list.join("\n  ")))
                } else {
                    exit(Exit::USAGE, message)
                }
            }
            _ => exit(Exit::FAILURE, message),
        }
    }
}
