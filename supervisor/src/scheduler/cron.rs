//! Cron expressions: standard 5-field crontab (or an `@alias`) parsed by
//! `croner`, evaluated in an IANA time zone (chrono-tz), with next-fire
//! times guaranteed to move strictly forward.

use std::str::FromStr;
use std::sync::OnceLock;

use chrono::{Offset, TimeZone};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

use crate::time::{Millis, to_datetime};
use crate::validation::Invalid;

const ALIASES: &[&str] = &[
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@hourly",
];

#[derive(Debug, Clone)]
pub struct CronSchedule {
    cron: Cron,
    tz: Tz,
    /// The hour field is `*` or a step: times follow real elapsed time
    /// across DST (both instances of a repeated hour fire; a skipped hour
    /// simply does not happen). Otherwise the hour is fixed: a repeated
    /// time fires once (first instance) and times skipped by a jump fire
    /// once at the first valid instant after it.
    elapsed_hours: bool,
    /// Fixed minute and hour with every day, month and weekday: described
    /// as "… every day".
    daily: bool,
}

impl CronSchedule {
    /// Parses and checks `expr` in `timezone` (default: the machine's
    /// zone), refusing patterns that never fire. Errors name
    /// `schedule.expr` or `schedule.timezone`.
    pub fn parse(expr: &str, timezone: Option<&str>) -> Result<CronSchedule, Invalid> {
        let schedule = Self::compile(expr, timezone)?;
        // A pattern that can never match (e.g. 30 February) is useless.
        if schedule.next_after(crate::time::now_ms()).is_none() {
            return Err(Invalid::value(
                "schedule.expr",
                format!("{:?} never fires", expr.trim()),
            ));
        }
        Ok(schedule)
    }

    /// Parses without the "ever fires" check (for already-validated jobs).
    pub fn compile(expr: &str, timezone: Option<&str>) -> Result<CronSchedule, Invalid> {
        let tz = match timezone {
            Some(name) => parse_timezone(name)?,
            None => local_timezone(),
        };
        let expr = expr.trim();
        let fixed = |field: &str| !field.contains('*') && !field.contains('/');
        let mut daily = expr.eq_ignore_ascii_case("@daily");
        let elapsed_hours = if expr.starts_with('@') {
            if !ALIASES.iter().any(|a| a.eq_ignore_ascii_case(expr)) {
                return Err(Invalid::value(
                    "schedule.expr",
                    format!("unknown alias {expr:?}; use one of {}", ALIASES.join(", ")),
                ));
            }
            expr.eq_ignore_ascii_case("@hourly")
        } else {
            let fields: Vec<&str> = expr.split_whitespace().collect();
            if fields.len() != 5 {
                return Err(Invalid::value(
                    "schedule.expr",
                    format!(
                        "expected 5 fields, got {} (minute hour day-of-month month day-of-week)",
                        fields.len()
                    ),
                ));
            }
            daily = fixed(fields[0]) && fixed(fields[1]) && fields[2..].iter().all(|f| *f == "*");
            fields[1] == "*" || fields[1].contains('/')
        };
        let parser = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build();
        let cron = parser.parse(expr).map_err(|e| {
            Invalid::value(
                "schedule.expr",
                format!("invalid cron expression {expr:?}: {e}"),
            )
        })?;
        Ok(CronSchedule {
            cron,
            tz,
            elapsed_hours,
            daily,
        })
    }

    /// The first fire time strictly after `after`, or `None` if there is
    /// none, with the DST rules of api.md. Never returns a time at or
    /// before `after`, whatever the library does around DST changes.
    pub fn next_after(&self, after: Millis) -> Option<Millis> {
        let mut from = after;
        for _ in 0..16 {
            let next = self.library_next(from)?;
            let local = to_datetime(next).with_timezone(&self.tz).naive_local();
            let wall_clock_match = self.cron.is_time_matching(&local).unwrap_or(false);
            if self.elapsed_hours {
                if wall_clock_match {
                    return Some(next);
                }
                // Shifted out of a spring-forward gap: that hour did not
                // happen in real time, so neither does this occurrence.
                from = next;
                continue;
            }
            if wall_clock_match && self.is_repeat_of_earlier_instant(next) {
                from = next; // fall-back: the repeated time already fired
                continue;
            }
            return Some(self.gap_fire_before(after, next).unwrap_or(next));
        }
        None
    }

    /// croner's next occurrence strictly after `after`, guarded forward.
    fn library_next(&self, after: Millis) -> Option<Millis> {
        let mut from = to_datetime(after).with_timezone(&self.tz);
        for _ in 0..4 {
            let next = self.cron.find_next_occurrence(&from, false).ok()?;
            let ms = next.timestamp_millis();
            if ms > after {
                return Some(ms);
            }
            from = to_datetime(after.max(ms) + 1000).with_timezone(&self.tz);
        }
        None
    }

    /// True when `at` is the second instance of a local time that occurs
    /// twice (the clock went back).
    fn is_repeat_of_earlier_instant(&self, at: Millis) -> bool {
        let local = to_datetime(at).with_timezone(&self.tz).naive_local();
        match self.tz.from_local_datetime(&local) {
            chrono::LocalResult::Ambiguous(first, second) => {
                second.timestamp_millis() == at && first.timestamp_millis() != at
            }
            _ => false,
        }
    }

    /// The latest fire time at or before `now`, if any (catch-up).
    pub fn latest_at_or_before(&self, now: Millis) -> Option<Millis> {
        let at = to_datetime(now).with_timezone(&self.tz);
        let prev = self
            .cron
            .find_previous_occurrence(&at, true)
            .ok()?
            .timestamp_millis();
        (prev <= now).then_some(prev)
    }

    /// If the clock springs forward in (after, next] and some wall-clock
    /// time skipped by the jump matches the pattern, those occurrences
    /// collapse into one fire at the first valid instant after the gap.
    fn gap_fire_before(&self, after: Millis, next: Millis) -> Option<Millis> {
        let offset = |ms: Millis| {
            to_datetime(ms)
                .with_timezone(&self.tz)
                .offset()
                .fix()
                .local_minus_utc()
        };
        let (before, later) = (offset(after), offset(next));
        if later <= before {
            return None;
        }
        // Binary search the transition instant to the second.
        let (mut lo, mut hi) = (after, next);
        while hi - lo > 1000 {
            let mid = lo + (hi - lo) / 2;
            if offset(mid) == before {
                lo = mid
            } else {
                hi = mid
            }
        }
        let transition = hi - hi.rem_euclid(1000);
        let transition = if offset(transition) == before {
            transition + 1000
        } else {
            transition
        };
        let gap_start =
            to_datetime(transition).naive_utc() + chrono::Duration::seconds(before as i64);
        let gap_minutes = (later - before) / 60;
        let skipped_match = (0..gap_minutes)
            .map(|m| gap_start + chrono::Duration::minutes(m as i64))
            .any(|naive| self.cron.is_time_matching(&naive).unwrap_or(false));
        (skipped_match && transition > after && transition < next).then_some(transition)
    }

    /// In words, e.g. "At 03:00 every day" (croner's text, without its
    /// full stop).
    pub fn describe(&self) -> String {
        let text = self.cron.describe();
        let text = text.trim_end_matches('.').to_string();
        if self.daily && !text.contains("day") {
            format!("{text} every day")
        } else {
            text
        }
    }

    pub fn timezone(&self) -> Tz {
        self.tz
    }
}

pub fn parse_timezone(name: &str) -> Result<Tz, Invalid> {
    Tz::from_str(name.trim()).map_err(|_| {
        Invalid::value(
            "schedule.timezone",
            format!("unknown time zone {name:?}; use an IANA name such as \"Europe/Paris\""),
        )
    })
}

/// The machine's IANA zone (honours `TZ`), UTC when it cannot be found.
pub fn local_timezone() -> Tz {
    static LOCAL: OnceLock<Tz> = OnceLock::new();
    *LOCAL.get_or_init(|| {
        if let Ok(tz) = std::env::var("TZ")
            && let Ok(parsed) = Tz::from_str(tz.trim_start_matches(':'))
        {
            return parsed;
        }
        iana_time_zone::get_timezone()
            .ok()
            .and_then(|name| Tz::from_str(&name).ok())
            .unwrap_or(Tz::UTC)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{parse_rfc3339, to_rfc3339};

    fn next_n(expr: &str, tz: &str, from: &str, n: usize) -> Vec<String> {
        let s = CronSchedule::parse(expr, Some(tz)).unwrap();
        let mut at = parse_rfc3339(from).unwrap();
        let mut out = Vec::new();
        for _ in 0..n {
            at = s.next_after(at).unwrap();
            out.push(to_rfc3339(at));
        }
        out
    }

    #[test]
    fn rejects_wrong_field_counts_and_bad_values() {
        let err = CronSchedule::parse("* * *", Some("UTC")).unwrap_err();
        assert_eq!(err.field(), "schedule.expr");
        assert!(err.to_string().contains("expected 5 fields"), "{err}");
        assert!(
            CronSchedule::parse("0 * * * * *", Some("UTC")).is_err(),
            "6 fields are refused"
        );
        assert!(CronSchedule::parse("61 * * * *", Some("UTC")).is_err());
        assert!(CronSchedule::parse("@reboot", Some("UTC")).is_err());
        assert_eq!(
            CronSchedule::parse("0 3 * * *", Some("Mars/Olympus"))
                .unwrap_err()
                .field(),
            "schedule.timezone"
        );
    }

    #[test]
    fn standard_syntax_names_aliases_and_sunday() {
        // 2026-11-24 is a Tuesday.
        assert_eq!(
            next_n("0 9 * * MON-FRI", "UTC", "2026-11-27T10:00:00Z", 1),
            ["2026-11-30T09:00:00.000Z"]
        );
        assert_eq!(
            next_n("0 0 * * 0", "UTC", "2026-11-24T00:00:00Z", 1),
            ["2026-11-29T00:00:00.000Z"]
        );
        assert_eq!(
            next_n("0 0 * * 7", "UTC", "2026-11-24T00:00:00Z", 1),
            ["2026-11-29T00:00:00.000Z"]
        );
        assert_eq!(
            next_n("@daily", "UTC", "2026-11-24T10:00:00Z", 1),
            ["2026-11-25T00:00:00.000Z"]
        );
        assert_eq!(
            next_n("*/20 * * * *", "UTC", "2026-11-24T10:00:00Z", 3),
            [
                "2026-11-24T10:20:00.000Z",
                "2026-11-24T10:40:00.000Z",
                "2026-11-24T11:00:00.000Z"
            ]
        );
        assert_eq!(
            next_n("0 0 1 jan *", "UTC", "2026-11-24T10:00:00Z", 1),
            ["2027-01-01T00:00:00.000Z"]
        );
    }

    #[test]
    fn day_of_month_or_day_of_week_like_vixie_cron() {
        // The 1st of the month OR any Monday.
        assert_eq!(
            next_n("0 0 1 * 1", "UTC", "2026-11-24T00:00:00Z", 3),
            [
                "2026-11-30T00:00:00.000Z",
                "2026-12-01T00:00:00.000Z",
                "2026-12-07T00:00:00.000Z"
            ]
        );
    }

    #[test]
    fn results_are_strictly_after_from() {
        assert_eq!(
            next_n("0 9 * * *", "UTC", "2026-11-24T09:00:00Z", 1),
            ["2026-11-25T09:00:00.000Z"]
        );
        assert_eq!(
            next_n("* * * * *", "UTC", "2026-11-24T09:00:00.500Z", 1),
            ["2026-11-24T09:01:00.000Z"]
        );
    }

    #[test]
    fn time_zones_apply() {
        assert_eq!(
            next_n("0 3 * * *", "Europe/Paris", "2026-11-24T00:00:00Z", 1),
            ["2026-11-24T02:00:00.000Z"]
        );
        assert_eq!(
            next_n("0 3 * * *", "America/New_York", "2026-11-24T00:00:00Z", 1),
            ["2026-11-24T08:00:00.000Z"]
        );
    }

    #[test]
    fn spring_forward_gap_fires_once_at_the_first_valid_instant() {
        // Europe/Paris jumps 02:00 → 03:00 on 2026-03-29.
        assert_eq!(
            next_n("30 2 * * *", "Europe/Paris", "2026-03-28T12:00:00Z", 2),
            [
                "2026-03-29T01:00:00.000Z", // 03:00 CEST, same day
                "2026-03-30T00:30:00.000Z"
            ]
        );
        // Four occurrences inside the gap collapse into one run at 03:00.
        assert_eq!(
            next_n("*/15 2 * * *", "Europe/Paris", "2026-03-28T12:00:00Z", 2),
            ["2026-03-29T01:00:00.000Z", "2026-03-30T00:00:00.000Z"]
        );
    }

    #[test]
    fn fall_back_fixed_time_fires_once_and_hourly_follows_elapsed_time() {
        // Europe/Paris repeats 02:00–03:00 on 2026-10-25 (CEST → CET).
        assert_eq!(
            next_n("30 2 * * *", "Europe/Paris", "2026-10-24T12:00:00Z", 2),
            [
                "2026-10-25T00:30:00.000Z", // first 02:30 (CEST)
                "2026-10-26T01:30:00.000Z"
            ]
        );
        assert_eq!(
            next_n("30 * * * *", "Europe/Paris", "2026-10-24T23:45:00Z", 4),
            [
                "2026-10-25T00:30:00.000Z", // 02:30 CEST
                "2026-10-25T01:30:00.000Z", // 02:30 CET: an hour of real time later
                "2026-10-25T02:30:00.000Z",
                "2026-10-25T03:30:00.000Z"
            ]
        );
    }

    #[test]
    fn dst_rules_depend_on_whether_the_hour_is_fixed() {
        // Spring forward (Paris, 2026-03-29 02:00 → 03:00): hourly and
        // stepped hours follow real time; the skipped hour just does not happen.
        assert_eq!(
            next_n("30 * * * *", "Europe/Paris", "2026-03-29T00:00:00Z", 2),
            ["2026-03-29T00:30:00.000Z", "2026-03-29T01:30:00.000Z"]
        );
        assert_eq!(
            next_n("0 */2 * * *", "Europe/Paris", "2026-03-28T22:30:00Z", 2),
            ["2026-03-28T23:00:00.000Z", "2026-03-29T02:00:00.000Z"]
        );
        // Fall back (2026-10-25 03:00 → 02:00): listed or ranged fixed
        // hours fire once per local time, at the first instance.
        assert_eq!(
            next_n("0,30 2 * * *", "Europe/Paris", "2026-10-24T12:00:00Z", 3),
            [
                "2026-10-25T00:00:00.000Z",
                "2026-10-25T00:30:00.000Z",
                "2026-10-26T01:00:00.000Z"
            ]
        );
        assert_eq!(
            next_n("30 1-3 * * *", "Europe/Paris", "2026-10-24T22:00:00Z", 3),
            [
                "2026-10-24T23:30:00.000Z", // 01:30 CEST
                "2026-10-25T00:30:00.000Z", // 02:30 CEST, once
                "2026-10-25T02:30:00.000Z"  // 03:30 CET
            ]
        );
    }

    #[test]
    fn latest_occurrence_for_catch_up() {
        let s = CronSchedule::parse("* * * * *", Some("UTC")).unwrap();
        let now = parse_rfc3339("2026-11-24T10:23:30Z").unwrap();
        assert_eq!(
            s.latest_at_or_before(now).map(to_rfc3339).as_deref(),
            Some("2026-11-24T10:23:00.000Z")
        );
    }

    #[test]
    fn describes_in_words() {
        let describe = |expr: &str| CronSchedule::parse(expr, Some("UTC")).unwrap().describe();
        assert_eq!(describe("0 3 * * *"), "At 03:00 every day");
        assert_eq!(describe("@daily"), "At 00:00 every day");
        assert!(!describe("0 9 * * 1-5").contains("every day"));
        assert!(!describe("*/5 * * * *").ends_with('.'));
    }
}
