//! Notification channels: kinds, the validation of each kind's `config`,
//! and the write-only secrets (shown as "••••"; sending "••••" back keeps
//! the stored value).

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::model::notify::check_http_url;
use crate::time::{Millis, to_rfc3339};
use crate::validation::{Fields, Invalid, in_range, one_of};

/// What a secret looks like in responses.
pub const MASK: &str = "••••";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Webhook,
    Command,
    Email,
    Ntfy,
}

impl ChannelKind {
    pub const NAMES: &[&str] = &["webhook", "command", "email", "ntfy"];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Webhook => "webhook",
            ChannelKind::Command => "command",
            ChannelKind::Email => "email",
            ChannelKind::Ntfy => "ntfy",
        }
    }

    pub fn parse(text: &str) -> Option<ChannelKind> {
        match text {
            "webhook" => Some(ChannelKind::Webhook),
            "command" => Some(ChannelKind::Command),
            "email" => Some(ChannelKind::Email),
            "ntfy" => Some(ChannelKind::Ntfy),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    pub id: i64,
    pub name: String,
    pub kind: ChannelKind,
    /// The validated config, secrets included.
    pub config: Value,
    pub enabled: bool,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl Channel {
    /// The API view: secrets masked.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "config": masked(self.kind, &self.config),
            "enabled": self.enabled,
            "createdAt": to_rfc3339(self.created_at),
            "updatedAt": to_rfc3339(self.updated_at),
        })
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.config.get(key).and_then(Value::as_str)
    }
}

/// The fields of a channel from a POST body.
#[derive(Debug)]
pub struct NewChannel {
    pub name: String,
    pub kind: ChannelKind,
    pub config: Value,
    pub enabled: bool,
}

const WRITABLE: &[&str] = &["name", "kind", "config", "enabled"];
const READ_ONLY: &[&str] = &["id", "createdAt", "updatedAt", "usedBy", "default"];

pub fn parse_create(body: &Value) -> Result<NewChannel, Invalid> {
    let fields = Fields::of(body, "")?;
    fields.reject_unknown(WRITABLE, READ_ONLY)?;
    let kind_name = fields.req_str("kind")?;
    let kind = ChannelKind::parse(kind_name).ok_or_else(|| {
        Invalid::value(
            "kind",
            format!("must be \"webhook\", \"command\", \"email\" or \"ntfy\", got {kind_name:?}"),
        )
    })?;
    let config = fields
        .opt_object("config")?
        .ok_or_else(|| Invalid::value("config", "is required"))?;
    Ok(NewChannel {
        name: parse_name(fields.req_str("name")?)?,
        kind,
        config: parse_config(kind, &config, None)?,
        enabled: fields.opt_bool("enabled")?.unwrap_or(true),
    })
}

/// `existing` with a PATCH body applied. `config`, when present, replaces
/// the whole config; secrets sent as "••••" keep their stored value.
pub fn parse_patch(existing: &Channel, body: &Value) -> Result<Channel, Invalid> {
    let fields = Fields::of(body, "")?;
    fields.reject_unknown(WRITABLE, READ_ONLY)?;
    let mut channel = existing.clone();
    if let Some(kind) = fields.opt_str("kind")?
        && kind != existing.kind.as_str()
    {
        return Err(Invalid::value(
            "kind",
            "cannot be changed; create a new channel of the other kind",
        ));
    }
    for key in ["name", "config", "enabled"] {
        if matches!(fields.raw(key), Some(Value::Null)) {
            return Err(Invalid::value(key, "cannot be null"));
        }
    }
    if let Some(name) = fields.opt_str("name")? {
        channel.name = parse_name(name)?;
    }
    if let Some(config) = fields.opt_object("config")? {
        channel.config = parse_config(existing.kind, &config, Some(&existing.config))?;
    }
    if let Some(enabled) = fields.opt_bool("enabled")? {
        channel.enabled = enabled;
    }
    Ok(channel)
}

fn parse_name(name: &str) -> Result<String, Invalid> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Invalid::value("name", "must be 1 to 100 characters"));
    }
    Ok(name.to_string())
}

/// A secret: the new value, or the stored one when "••••" comes back.
fn secret(config: &Fields, key: &str, stored: Option<&Value>) -> Result<Option<String>, Invalid> {
    match config.opt_str(key)? {
        None | Some("") => Ok(None),
        Some(MASK) => match stored.and_then(Value::as_str) {
            Some(value) => Ok(Some(value.to_string())),
            None => Err(Invalid::value(
                config.path(key),
                "no secret is stored yet: send the secret itself, not \"••••\"",
            )),
        },
        Some(value) => Ok(Some(value.to_string())),
    }
}

fn optional(out: &mut Map<String, Value>, key: &str, value: Option<String>) {
    if let Some(value) = value {
        out.insert(key.into(), Value::String(value));
    }
}

fn parse_config(
    kind: ChannelKind,
    config: &Fields,
    stored: Option<&Value>,
) -> Result<Value, Invalid> {
    let stored_key = |key: &str| stored.and_then(|s| s.get(key));
    let mut out = Map::new();
    match kind {
        ChannelKind::Webhook => {
            config.reject_unknown(&["url", "secret", "format", "headers"], &[])?;
            let url = config.req_str("url")?.trim();
            check_http_url("config.url", url)?;
            out.insert("url".into(), url.into());
            optional(
                &mut out,
                "secret",
                secret(config, "secret", stored_key("secret"))?,
            );
            let format = config.opt_str("format")?.unwrap_or("json");
            one_of("config.format", format, &["json", "slack", "discord"])?;
            out.insert("format".into(), format.into());
            if let Some(headers) = config.opt_object("headers")? {
                let stored_headers = stored_key("headers");
                let mut map = Map::new();
                for name in headers.keys() {
                    let valid = !name.is_empty()
                        && name
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
                    if !valid {
                        return Err(Invalid::value(
                            headers.path(name),
                            "is not a header name: use letters, digits, - and _",
                        ));
                    }
                    let value = secret(&headers, name, stored_headers.and_then(|h| h.get(name)))?
                        .unwrap_or_default();
                    if value.chars().any(|c| c.is_control()) {
                        return Err(Invalid::value(
                            headers.path(name),
                            "must not contain control characters",
                        ));
                    }
                    map.insert(name.clone(), value.into());
                }
                if !map.is_empty() {
                    out.insert("headers".into(), Value::Object(map));
                }
            }
        }
        ChannelKind::Command => {
            config.reject_unknown(&["command"], &[])?;
            let command = config.req_str("command")?;
            if command.trim().is_empty() || command.contains('\0') {
                return Err(Invalid::value(
                    "config.command",
                    "must be a non-empty shell command",
                ));
            }
            out.insert("command".into(), command.into());
        }
        ChannelKind::Email => {
            config.reject_unknown(
                &[
                    "host",
                    "port",
                    "security",
                    "username",
                    "password",
                    "from",
                    "to",
                    "tlsCaFile",
                ],
                &[],
            )?;
            let host = config.req_str("host")?.trim();
            if host.is_empty() || host.contains(char::is_whitespace) {
                return Err(Invalid::value("config.host", "must be an SMTP server name"));
            }
            out.insert("host".into(), host.into());
            let security = config.opt_str("security")?.unwrap_or("starttls");
            one_of("config.security", security, &["starttls", "tls", "none"])?;
            out.insert("security".into(), security.into());
            let port = match config.opt_i64("port")? {
                Some(port) => {
                    in_range("config.port", port, 1, 65535)?;
                    port
                }
                None => match security {
                    "tls" => 465,
                    "starttls" => 587,
                    _ => 25,
                },
            };
            out.insert("port".into(), port.into());
            optional(
                &mut out,
                "username",
                config.opt_str("username")?.map(str::to_string),
            );
            optional(
                &mut out,
                "password",
                secret(config, "password", stored_key("password"))?,
            );
            let from = config.req_str("from")?.trim();
            check_mailbox("config.from", from)?;
            out.insert("from".into(), from.into());
            let to = config
                .opt_array("to")?
                .filter(|to| !to.is_empty())
                .ok_or_else(|| Invalid::value("config.to", "needs at least one address"))?;
            let mut list = Vec::new();
            for (index, item) in to.iter().enumerate() {
                let field = format!("config.to[{index}]");
                let address = item
                    .as_str()
                    .ok_or_else(|| Invalid::wrong_type(field.clone(), "an email address string"))?
                    .trim();
                check_mailbox(&field, address)?;
                list.push(Value::from(address));
            }
            out.insert("to".into(), Value::Array(list));
            if let Some(ca) = config
                .opt_str("tlsCaFile")?
                .map(str::trim)
                .filter(|c| !c.is_empty())
            {
                if !std::path::Path::new(ca).is_absolute() {
                    return Err(Invalid::value(
                        "config.tlsCaFile",
                        "must be an absolute path to a PEM file",
                    ));
                }
                out.insert("tlsCaFile".into(), ca.into());
            }
        }
        ChannelKind::Ntfy => {
            config.reject_unknown(&["url", "token", "priority"], &[])?;
            let url = config.req_str("url")?.trim();
            check_http_url("config.url", url)?;
            out.insert("url".into(), url.into());
            optional(
                &mut out,
                "token",
                secret(config, "token", stored_key("token"))?,
            );
            match config.raw("priority") {
                None | Some(Value::Null) => {}
                Some(Value::Number(_)) => {
                    let priority = config.opt_i64("priority")?.unwrap_or(3);
                    in_range("config.priority", priority, 1, 5)?;
                    out.insert("priority".into(), priority.into());
                }
                Some(Value::String(name)) => {
                    one_of(
                        "config.priority",
                        name,
                        &["min", "low", "default", "high", "max", "urgent"],
                    )?;
                    out.insert("priority".into(), name.as_str().into());
                }
                Some(_) => {
                    return Err(Invalid::wrong_type(
                        "config.priority",
                        "1 to 5 or a priority name",
                    ));
                }
            }
        }
    }
    Ok(Value::Object(out))
}

fn check_mailbox(field: &str, address: &str) -> Result<(), Invalid> {
    address
        .parse::<lettre::message::Mailbox>()
        .map(|_| ())
        .map_err(|_| {
            Invalid::value(
                field,
                format!("{address:?} is not an email address like \"Backbeat <me@example.com>\""),
            )
        })
}

/// `config` with every secret replaced by [`MASK`].
fn masked(kind: ChannelKind, config: &Value) -> Value {
    let mut config = config.clone();
    let keys: &[&str] = match kind {
        ChannelKind::Webhook => &["secret"],
        ChannelKind::Email => &["password"],
        ChannelKind::Ntfy => &["token"],
        ChannelKind::Command => &[],
    };
    if let Value::Object(map) = &mut config {
        for key in keys {
            if let Some(value) = map.get_mut(*key) {
                *value = MASK.into();
            }
        }
        if let Some(Value::Object(headers)) = map.get_mut("headers") {
            for value in headers.values_mut() {
                *value = MASK.into();
            }
        }
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_and_kept_when_sent_back_masked() {
        let new = parse_create(&json!({
            "name": "hook", "kind": "webhook",
            "config": {"url": "https://example.com/h", "secret": "s3cret", "headers": {"Authorization": "Bearer t"}}
        }))
        .unwrap();
        let channel = Channel {
            id: 1,
            name: new.name,
            kind: new.kind,
            config: new.config,
            enabled: true,
            created_at: 0,
            updated_at: 0,
        };
        let shown = channel.to_json().to_string();
        assert!(
            !shown.contains("s3cret") && !shown.contains("Bearer t"),
            "{shown}"
        );
        let patched = parse_patch(&channel, &channel.to_json()).unwrap();
        assert_eq!(patched.config, channel.config);
    }

    #[test]
    fn invalid_configs_name_the_field() {
        let err = |body: Value| parse_create(&body).unwrap_err().field().to_string();
        assert_eq!(
            err(
                json!({"name": "m", "kind": "email", "config": {"host": "h", "from": "me@x.org", "to": ["nope"]}})
            ),
            "config.to[0]"
        );
        assert_eq!(
            err(json!({"name": "n", "kind": "ntfy", "config": {"url": "ftp://x"}})),
            "config.url"
        );
        assert_eq!(
            err(json!({"name": "n", "kind": "sms", "config": {}})),
            "kind"
        );
    }
}
