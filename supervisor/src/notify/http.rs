//! The HTTP deliveries (blocking ureq over rustls, run off the async
//! threads): webhooks in json/slack/discord shape with the HMAC signature,
//! ntfy with its headers, and Healthchecks-style pings.

use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::Event;
use super::channel::Channel;
use super::message::Message;

fn agent() -> &'static ureq::Agent {
    static AGENT: OnceLock<ureq::Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(15)))
            .user_agent(concat!("backbeat/", env!("CARGO_PKG_VERSION")))
            .build()
            .into()
    })
}

/// The outcome of one HTTP request: 2xx is delivered, anything else an
/// error naming the status and the start of the answer.
fn check(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<(), String> {
    let mut response = result.map_err(|e| e.to_string())?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let text = response
        .body_mut()
        .with_config()
        .limit(2048)
        .read_to_string()
        .unwrap_or_default();
    let head: String = text.chars().take(200).collect();
    Err(format!("HTTP {}: {}", status.as_u16(), head.trim()))
}

/// `sha256=<hex HMAC-SHA256 of body>`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

pub fn webhook(channel: &Channel, message: &Message) -> Result<(), String> {
    let url = channel.str("url").ok_or("the channel has no url")?;
    let body = match channel.str("format").unwrap_or("json") {
        "slack" => json!({ "text": message.text() }),
        "discord" => json!({ "content": truncate(&message.text(), 2000) }),
        _ => message.json(),
    }
    .to_string();
    let mut request = agent()
        .post(url)
        .header("Content-Type", "application/json")
        .header("X-Backbeat-Event", message.event.as_str());
    if let Some(Value::Object(headers)) = channel.config.get("headers") {
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str().unwrap_or_default());
        }
    }
    if let Some(secret) = channel.str("secret") {
        request = request.header("X-Backbeat-Signature", signature(secret, body.as_bytes()));
    }
    check(request.send(body))
}

pub fn ntfy(channel: &Channel, message: &Message) -> Result<(), String> {
    let url = channel.str("url").ok_or("the channel has no url")?;
    let priority = match channel.config.get("priority") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(name)) => name.clone(),
        _ => match message.event {
            Event::Failure | Event::Missed => "high".into(),
            _ => "default".into(),
        },
    };
    let tags = match message.event {
        Event::Failure => "x",
        Event::Recovery | Event::Success => "white_check_mark",
        Event::Long | Event::Missed | Event::Budget => "warning",
        Event::Start => "arrow_forward",
        Event::Test => "bell",
    };
    let mut request = agent()
        .post(url)
        .header("Title", header_text(&message.title()))
        .header("Priority", priority)
        .header("Tags", tags)
        .header("Click", message.run_url.as_str());
    if let Some(token) = channel.str("token") {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    check(request.send(truncate(&message.text(), 4000)))
}

/// Which Healthchecks ping a run's event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ping {
    Start,
    Success,
    Fail,
}

pub fn ping(url: &str, kind: Ping, log_tail: &str) -> Result<(), String> {
    let base = url.trim_end_matches('/');
    let result = match kind {
        Ping::Start => agent().get(format!("{base}/start")).call(),
        Ping::Success => agent().post(base).send(log_tail.to_string()),
        Ping::Fail => agent()
            .post(format!("{base}/fail"))
            .send(log_tail.to_string()),
    };
    check(result)
}

/// A header value: ASCII as is, anything else RFC 2047 encoded (ntfy
/// decodes it).
fn header_text(text: &str) -> String {
    if text.chars().all(|c| c.is_ascii() && !c.is_ascii_control()) {
        text.to_string()
    } else {
        let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
        format!("=?UTF-8?B?{encoded}?=")
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(max_chars - 1).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn signature_matches_a_known_hmac() {
        // RFC 4231 test case 2.
        assert_eq!(
            super::signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
