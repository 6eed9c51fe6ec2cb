//! `email` channels: one plain-text message over SMTP (lettre, rustls),
//! with STARTTLS, implicit TLS or none, optional login, and an optional
//! extra CA file to trust (for a private mail server's own certificate).

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Message as Email, SmtpTransport, Transport};

use super::channel::Channel;
use super::message::Message;

pub fn send(channel: &Channel, message: &Message) -> Result<(), String> {
    let config = &channel.config;
    let host = channel.str("host").ok_or("the channel has no host")?;
    let port = config.get("port").and_then(|p| p.as_u64()).unwrap_or(587) as u16;
    let from: Mailbox = channel
        .str("from")
        .unwrap_or_default()
        .parse()
        .map_err(|e| format!("from: {e}"))?;
    let mut builder = Email::builder()
        .from(from)
        .subject(format!("[Backbeat] {}", message.title()))
        .header(ContentType::TEXT_PLAIN);
    for to in config
        .get("to")
        .and_then(|t| t.as_array())
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str())
    {
        builder = builder.to(to.parse().map_err(|e| format!("to {to}: {e}"))?);
    }
    let email = builder
        .body(message.text())
        .map_err(|e| format!("building the message: {e}"))?;

    let tls = match channel.str("security").unwrap_or("starttls") {
        "none" => Tls::None,
        security => {
            let mut params = TlsParameters::builder(host.to_string());
            if let Some(path) = channel.str("tlsCaFile") {
                let pem =
                    std::fs::read(path).map_err(|e| format!("reading tlsCaFile {path}: {e}"))?;
                let certificate =
                    Certificate::from_pem(&pem).map_err(|e| format!("tlsCaFile {path}: {e}"))?;
                params = params.add_root_certificate(certificate);
            }
            let params = params
                .build_rustls()
                .map_err(|e| format!("TLS setup: {e}"))?;
            if security == "tls" {
                Tls::Wrapper(params)
            } else {
                Tls::Required(params)
            }
        }
    };
    let mut transport = SmtpTransport::builder_dangerous(host)
        .port(port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(20)));
    if let (Some(user), Some(password)) = (channel.str("username"), channel.str("password")) {
        transport = transport.credentials(Credentials::new(user.into(), password.into()));
    }
    transport
        .build()
        .send(&email)
        .map(|_| ())
        .map_err(|e| format!("SMTP {host}:{port}: {e}"))
}
