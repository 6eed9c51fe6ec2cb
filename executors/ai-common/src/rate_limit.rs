//! Recognising a CLI's rate-limit and usage-limit errors and when they
//! reset. Shapes handled (see tests/ai-mock/fixtures):
//! - claude: an API 429 (`api_error_status: 429`, assistant `error:
//!   "rate_limit"`), "Claude AI usage limit reached|<unix seconds>", and
//!   "… limit … resets [at] 3pm (Europe/Paris)";
//! - codex: "You’ve hit your usage limit. … try again at Jan 1st, 2100
//!   12:00 AM." (in the machine's zone), "… try again in 2 hours 5
//!   minutes", and errors naming HTTP 429 / `usage_limit` / rate limits.

use backbeat_protocol::RunResult;
use chrono::{
    DateTime, Duration, Local, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, TimeZone, Utc,
};

use crate::guard::kind;

/// The failure for a rate-limited run: kind `rate_limited`, and `retryAt`
/// when the message says when the limit resets.
pub fn rate_limited(exit_code: Option<i32>, message: impl Into<String>) -> RunResult {
    let message = message.into();
    let retry_at =
        reset_time(&message, Utc::now()).map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true));
    RunResult {
        error_kind: Some(kind::RATE_LIMITED.into()),
        retry_at: retry_at.map(String::into_boxed_str),
        ..RunResult::failure(exit_code, message)
    }
}

/// Whether an error message is about a rate or usage limit.
pub fn is_rate_limit(message: &str) -> bool {
    let lower = message.to_lowercase();
    [
        "rate limit",
        "rate_limit",
        "usage limit",
        "usage_limit",
        "limit reached",
        "hit your limit",
        "429",
        "too many requests",
    ]
    .iter()
    .any(|needle| lower.contains(needle))
}

/// When the limit named in `message` resets, if it says so.
pub fn reset_time(message: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    epoch_suffix(message)
        .or_else(|| try_again_at(message))
        .or_else(|| try_again_in(message, now))
        .or_else(|| resets_clock_time(message, now))
}

/// `…|1735689600`: the old claude usage-limit form.
fn epoch_suffix(message: &str) -> Option<DateTime<Utc>> {
    let (_, tail) = message.trim().rsplit_once('|')?;
    let seconds: i64 = tail.trim().parse().ok()?;
    Utc.timestamp_opt(seconds, 0).single()
}

/// codex: `try again at Jan 1st, 2100 12:00 AM.` in the local zone.
fn try_again_at(message: &str) -> Option<DateTime<Utc>> {
    let rest = after(message, "try again at ")?;
    let words: Vec<&str> = rest.split_whitespace().take(5).collect();
    if words.len() < 5 {
        return None;
    }
    let day = words[1]
        .trim_end_matches(',')
        .trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let text = format!(
        "{} {} {} {} {}",
        words[0],
        day,
        words[2].trim_end_matches(','),
        words[3],
        words[4].trim_end_matches('.')
    );
    let naive = NaiveDateTime::parse_from_str(&text, "%b %d %Y %I:%M %p").ok()?;
    Some(Local.from_local_datetime(&naive).earliest()?.to_utc())
}

/// codex: `try again in 2 hours 5 minutes` / `in 3 days 1 hour`.
fn try_again_in(message: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let rest = after(message, "try again in ")?;
    let words: Vec<&str> = rest
        .split(|c: char| c.is_whitespace() || c == ',' || c == '.')
        .filter(|w| !w.is_empty())
        .collect();
    let mut total = Duration::zero();
    let mut found = false;
    for pair in words.windows(2) {
        let Ok(n) = pair[0].parse::<i64>() else {
            continue;
        };
        let unit = pair[1].to_lowercase();
        let step = match unit.trim_end_matches('s') {
            "day" => Duration::days(n),
            "hour" => Duration::hours(n),
            "minute" | "min" => Duration::minutes(n),
            "second" | "sec" => Duration::seconds(n),
            _ => continue,
        };
        total += step;
        found = true;
    }
    found.then(|| now + total)
}

/// claude: `resets 3pm (Europe/Paris)`, `resets at 15:30`, `resets at
/// 3:30 PM (UTC)`: the next such time, in the named zone or the local one.
fn resets_clock_time(message: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let rest = after(message, "resets ")?;
    let rest = rest.strip_prefix("at ").unwrap_or(rest);
    let mut words = rest.split_whitespace();
    let mut clock = words.next()?.trim_end_matches([',', '.']).to_lowercase();
    let mut next = words.next();
    if let Some(meridiem) = next.map(|w| w.trim_end_matches([',', '.']).to_lowercase())
        && (meridiem == "am" || meridiem == "pm")
    {
        clock.push_str(&meridiem);
        next = words.next();
    }
    let time = parse_clock(&clock)?;
    let zone = next
        .filter(|w| w.starts_with('('))
        .map(|w| w.trim_matches(|c| c == '(' || c == ')' || c == '.' || c == ','));
    let date = |zone_now: NaiveDate, days: i64| zone_now + Duration::days(days);
    match zone.and_then(|z| z.parse::<chrono_tz::Tz>().ok()) {
        Some(tz) => {
            let today = now.with_timezone(&tz).date_naive();
            (0..2).find_map(|days| {
                let at = tz
                    .from_local_datetime(&date(today, days).and_time(time))
                    .earliest()?
                    .to_utc();
                (at > now).then_some(at)
            })
        }
        None => {
            let today = now.with_timezone(&Local).date_naive();
            (0..2).find_map(|days| {
                let at = Local
                    .from_local_datetime(&date(today, days).and_time(time))
                    .earliest()?
                    .to_utc();
                (at > now).then_some(at)
            })
        }
    }
}

/// `3pm`, `3:30pm`, `15:00`.
fn parse_clock(text: &str) -> Option<NaiveTime> {
    let (digits, offset) = match (text.strip_suffix("am"), text.strip_suffix("pm")) {
        (Some(d), _) => (d, Some(0)),
        (_, Some(d)) => (d, Some(12)),
        _ => (text, None),
    };
    let (hour, minute) = match digits.split_once(':') {
        Some((h, m)) => (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?),
        None => (digits.parse::<u32>().ok()?, 0),
    };
    let hour = match offset {
        Some(offset) if (1..=12).contains(&hour) => hour % 12 + offset,
        Some(_) => return None,
        None => hour,
    };
    NaiveTime::from_hms_opt(hour, minute, 0)
}

/// The text after the first case-insensitive `needle`.
fn after<'a>(message: &'a str, needle: &str) -> Option<&'a str> {
    let lower = message.to_ascii_lowercase();
    let at = lower.find(needle)?;
    message.get(at + needle.len()..)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn recognises_limit_messages() {
        assert!(is_rate_limit(
            "API Error: Request rejected (429) · This request would exceed your account's rate limit."
        ));
        assert!(is_rate_limit("You’ve hit your usage limit. Upgrade to Pro"));
        assert!(!is_rate_limit("API Error: 400 prompt is invalid"));
    }

    #[test]
    fn reads_reset_times() {
        let now = utc("2026-11-30T10:00:00Z");
        assert_eq!(
            reset_time("Claude AI usage limit reached|4102444800", now),
            Some(utc("2100-01-01T00:00:00Z"))
        );
        assert_eq!(
            reset_time("You've hit your limit · resets 3pm (UTC)", now),
            Some(utc("2026-11-30T15:00:00Z"))
        );
        assert_eq!(
            reset_time(
                "5-hour limit reached · resets at 9:30 am (Europe/Paris)",
                now
            ),
            Some(utc("2026-12-01T08:30:00Z"))
        );
        assert_eq!(
            reset_time("usage limit; try again in 2 hours 5 minutes.", now),
            Some(utc("2026-11-30T12:05:00Z"))
        );
        assert_eq!(reset_time("rate limited (429)", now), None);
    }

    #[test]
    fn reads_codex_try_again_at_in_the_local_zone() {
        let message = "You’ve hit your usage limit. Upgrade to Pro (https://chatgpt.com/explore/pro), visit https://chatgpt.com/settings/usage to purchase more credits or try again at Jan 1st, 2100 12:00 AM.";
        let naive = NaiveDate::from_ymd_opt(2100, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let expected = Local
            .from_local_datetime(&naive)
            .earliest()
            .unwrap()
            .to_utc();
        assert_eq!(try_again_at(message), Some(expected));
    }
}
