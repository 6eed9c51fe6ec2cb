//! Timestamps: the store keeps milliseconds since the Unix epoch; the API
//! speaks RFC 3339 UTC with milliseconds (`2026-11-24T09:00:00.000Z`).

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

pub fn now_ms() -> Millis {
    Utc::now().timestamp_millis()
}

pub fn to_rfc3339(ms: Millis) -> String {
    to_datetime(ms).to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn to_datetime(ms: Millis) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Parses an RFC 3339 timestamp (any offset) into milliseconds.
pub fn parse_rfc3339(text: &str) -> Option<Millis> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_with_milliseconds_and_parses_offsets() {
        let ms = parse_rfc3339("2026-11-24T10:00:00.5+01:00").unwrap();
        assert_eq!(to_rfc3339(ms), "2026-11-24T09:00:00.500Z");
        assert_eq!(parse_rfc3339("tomorrow"), None);
    }
}
