//! Start-up configuration from the environment (PORT, HOST, data and config
//! directories with XDG defaults, scheduler switch, token and auth
//! settings, extra allowed hosts).

use std::net::IpAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};

#[derive(Debug, Clone)]
pub struct Config {
    pub host: String,
    /// 0 = pick a free port (tests).
    pub port: u16,
    pub data_dir: PathBuf,
    pub config_dir: PathBuf,
    pub scheduler_enabled: bool,
    /// `BACKBEAT_TOKEN`, used instead of `<config-dir>/token`.
    pub token_override: Option<String>,
    /// `BACKBEAT_AUTH=off`.
    pub auth_disabled: bool,
    /// Host names accepted besides localhost, 127.0.0.1, [::1] and `host`.
    pub extra_allowed_hosts: Vec<String>,
    /// HTTP timeouts and connection cap (`BACKBEAT_HTTP_*`).
    pub http: crate::api::limits::HttpLimits,
}

impl Config {
    /// Reads the configuration from a variable lookup (the process
    /// environment in production, a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Config> {
        let non_empty = |key: &str| get(key).filter(|v| !v.trim().is_empty());
        let port = match non_empty("PORT") {
            Some(p) => p
                .trim()
                .parse::<u16>()
                .with_context(|| format!("PORT must be a number 0–65535, got {p:?}"))?,
            None => 3786,
        };
        let host = non_empty("HOST").unwrap_or_else(|| "127.0.0.1".into());
        let home = non_empty("HOME").map(PathBuf::from);
        let xdg = |var: &str, fallback: &str| -> anyhow::Result<PathBuf> {
            match non_empty(var) {
                Some(dir) => Ok(PathBuf::from(dir)),
                None => home
                    .as_ref()
                    .map(|h| h.join(fallback))
                    .with_context(|| format!("neither {var} nor HOME is set; set BACKBEAT_DATA_DIR and BACKBEAT_CONFIG_DIR")),
            }
        };
        let data_dir = match non_empty("BACKBEAT_DATA_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => xdg("XDG_DATA_HOME", ".local/share")?.join("backbeat"),
        };
        let config_dir = match non_empty("BACKBEAT_CONFIG_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => xdg("XDG_CONFIG_HOME", ".config")?.join("backbeat"),
        };
        let auth_disabled = match non_empty("BACKBEAT_AUTH").as_deref().map(str::trim) {
            None | Some("on") => false,
            Some("off") => true,
            Some(other) => bail!("BACKBEAT_AUTH must be \"off\" or unset, got {other:?}"),
        };
        let extra_allowed_hosts = non_empty("BACKBEAT_ALLOWED_HOSTS")
            .map(|list| {
                list.split(',')
                    .map(|h| h.trim().to_ascii_lowercase())
                    .filter(|h| !h.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Ok(Config {
            host,
            port,
            data_dir,
            config_dir,
            scheduler_enabled: non_empty("BACKBEAT_DISABLE_SCHEDULER")
                .as_deref()
                .map(str::trim)
                != Some("1"),
            token_override: non_empty("BACKBEAT_TOKEN").map(|t| t.trim().to_string()),
            auth_disabled,
            extra_allowed_hosts,
            http: crate::api::limits::HttpLimits::from_lookup(&get)?,
        })
    }

    pub fn from_env() -> anyhow::Result<Config> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// True when `host` is a loopback address or `localhost`.
    pub fn host_is_loopback(&self) -> bool {
        let host = self.host.trim_start_matches('[').trim_end_matches(']');
        host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<IpAddr>()
                .map(|ip| ip.is_loopback())
                .unwrap_or(false)
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("db.sqlite")
    }

    pub fn logs_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    pub fn executors_dir(&self) -> PathBuf {
        self.config_dir.join("executors")
    }

    pub fn preferences_path(&self) -> PathBuf {
        self.config_dir.join("preferences.json")
    }

    pub fn token_path(&self) -> PathBuf {
        self.config_dir.join("token")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> anyhow::Result<Config> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_follow_xdg() {
        let c = config(&[("HOME", "/home/me")]).unwrap();
        assert_eq!(c.port, 3786);
        assert_eq!(c.host, "127.0.0.1");
        assert_eq!(c.data_dir, PathBuf::from("/home/me/.local/share/backbeat"));
        assert_eq!(c.config_dir, PathBuf::from("/home/me/.config/backbeat"));
        assert!(c.scheduler_enabled);
        let c = config(&[
            ("HOME", "/h"),
            ("XDG_DATA_HOME", "/x"),
            ("BACKBEAT_CONFIG_DIR", "/c"),
        ])
        .unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/x/backbeat"));
        assert_eq!(c.config_dir, PathBuf::from("/c"));
    }

    #[test]
    fn rejects_bad_values_with_the_variable_name() {
        let err = config(&[("HOME", "/h"), ("PORT", "http")]).unwrap_err();
        assert!(err.to_string().contains("PORT"), "{err}");
        let err = config(&[("HOME", "/h"), ("BACKBEAT_AUTH", "no")]).unwrap_err();
        assert!(err.to_string().contains("BACKBEAT_AUTH"), "{err}");
    }

    #[test]
    fn knows_loopback_hosts() {
        for host in ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"] {
            assert!(
                config(&[("HOME", "/h"), ("HOST", host)])
                    .unwrap()
                    .host_is_loopback(),
                "{host}"
            );
        }
        assert!(
            !config(&[("HOME", "/h"), ("HOST", "0.0.0.0")])
                .unwrap()
                .host_is_loopback()
        );
    }
}
