//! Cron schedules in an IANA time zone: when an expression ([`expr`])
//! fires in real time, with the DST rules of api.md, and its description
//! in words ([`words`]). Written here rather than on a cron crate so that
//! Vixie's day rule, the DST rules and the error messages are exact.

pub(crate) mod expr;
#[cfg(test)]
mod proptests;
mod words;

use std::str::FromStr;
use std::sync::OnceLock;

use chrono::{LocalResult, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

use crate::time::{Millis, to_datetime};
use crate::validation::Invalid;
use expr::CronExpr;

const HOUR_MS: i64 = 3_600_000;
/// Fall-back folds are shorter than this (in practice one hour, or 30
/// minutes on Lord Howe Island).
const MAX_FOLD_MS: i64 = 6 * HOUR_MS;

#[derive(Debug, Clone)]
pub struct CronSchedule {
    expr: CronExpr,
    tz: Tz,
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
        let expr = CronExpr::parse(expr).map_err(|e| Invalid::value("schedule.expr", e))?;
        Ok(CronSchedule { expr, tz })
    }

    /// The first fire time strictly after `after`, or `None` if there is
    /// none, with the DST rules of api.md:
    /// - an hour field of `*` or a step follows real elapsed time: a
    ///   matching wall-clock time fires each time it happens (twice in a
    ///   fall-back fold, never in a spring-forward gap);
    /// - any other hour field is a fixed time: a repeated time fires once,
    ///   at its first instance, and matching times skipped by a gap fire
    ///   once, at the first valid instant after the gap.
    pub fn next_after(&self, after: Millis) -> Option<Millis> {
        let elapsed = self.expr.hour_elapsed;
        // Only the second instance of a folded time can come after `after`
        // with a wall-clock time before `after`'s: look back when a fold is
        // near (elapsed mode only; fixed mode never fires second instances).
        let fold_ahead = elapsed && self.offset_ms(after + MAX_FOLD_MS) < self.offset_ms(after);
        let start = self.local(after - if fold_ahead { MAX_FOLD_MS } else { 0 });
        let mut best: Option<Millis> = None;
        let mut cursor = start;
        loop {
            let Some(local) = self.expr.next_local(cursor) else {
                return best;
            };
            cursor = local + chrono::Duration::minutes(1);
            let (first, second) = match self.tz.from_local_datetime(&local) {
                LocalResult::Single(t) => (Some(t.timestamp_millis()), None),
                LocalResult::Ambiguous(a, b) => (
                    Some(a.timestamp_millis()),
                    elapsed.then(|| b.timestamp_millis()),
                ),
                LocalResult::None if elapsed => (None, None),
                LocalResult::None => (Some(self.end_of_gap(local)), None),
            };
            if let Some(second) = second.filter(|t| *t > after) {
                best = Some(best.map_or(second, |b| b.min(second)));
            }
            // First instances grow with the wall clock: the first one after
            // `after` ends the search (later ones, and their second
            // instances, are later still).
            if let Some(first) = first.filter(|t| *t > after) {
                return Some(best.map_or(first, |b| b.min(first)));
            }
        }
    }

    /// The latest fire time at or before `now`, if any (catch-up), found
    /// by bisection on [`Self::next_after`] over the past 400 years.
    pub fn latest_at_or_before(&self, now: Millis) -> Option<Millis> {
        let fires_by_now = |from: Millis| self.next_after(from).is_some_and(|t| t <= now);
        // 400 Gregorian years: every pattern that fires at all repeats.
        let mut lo = now - 146_097 * 24 * HOUR_MS;
        let mut hi = now;
        if !fires_by_now(lo) {
            return None;
        }
        // Invariant: some fire in (lo, now], none in (hi, now].
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if fires_by_now(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        self.next_after(lo)
    }

    /// In words, e.g. "At 03:00 every day".
    pub fn describe(&self) -> String {
        words::describe(&self.expr)
    }

    pub fn timezone(&self) -> Tz {
        self.tz
    }

    fn offset_ms(&self, at: Millis) -> i64 {
        let offset = to_datetime(at).with_timezone(&self.tz).offset().fix();
        offset.local_minus_utc() as i64 * 1000
    }

    /// The wall-clock time at instant `at`.
    fn local(&self, at: Millis) -> NaiveDateTime {
        to_datetime(at).with_timezone(&self.tz).naive_local()
    }

    /// The instant the clock jumps over `gap_time`, a wall-clock time that
    /// does not exist: the first instant whose wall-clock time is later.
    fn end_of_gap(&self, gap_time: NaiveDateTime) -> Millis {
        let as_utc = gap_time.and_utc().timestamp_millis();
        // Offsets lie within −12 h…+14 h, so these bracket the jump.
        let (mut lo, mut hi) = (as_utc - 15 * HOUR_MS, as_utc + 15 * HOUR_MS);
        while hi - lo > 1000 {
            let mid = lo + (hi - lo) / 2000 * 1000;
            if self.local(mid) > gap_time {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
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
        assert_eq!(describe("0 9 * * 1-5"), "At 09:00 on Monday through Friday");
        assert_eq!(describe("*/5 * * * *"), "Every 5 minutes");
        assert_eq!(describe("* * * * *"), "Every minute");
        assert_eq!(describe("0 * * * *"), "At minute 0 past every hour");
        assert_eq!(describe("0 */2 * * *"), "At minute 0 past every 2nd hour");
        assert_eq!(describe("0 */12 * * *"), "At 00:00 and 12:00 every day");
        assert_eq!(
            describe("*/15 9-17 * * MON-FRI"),
            "Every 15 minutes during hours 9–17 on Monday through Friday"
        );
        assert_eq!(
            describe("* 3 * * *"),
            "Every minute from 03:00 through 03:59"
        );
        assert_eq!(describe("0,30 2 * * *"), "At 02:00 and 02:30 every day");
        // A step that does not divide the hour is described by what it does.
        assert_eq!(
            describe("*/25 * * * *"),
            "At minutes 0, 25 and 50 past every hour"
        );
        assert_eq!(
            describe("0 0 */10 * 0-6"),
            "At 00:00 on days 1, 11, 21 and 31 of the month"
        );
        assert_eq!(
            describe("0 0 1 * 1"),
            "At 00:00 on day 1 of the month or on Monday"
        );
        assert_eq!(
            describe("0 0 */2 * 1"),
            "At 00:00 on days 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29 and 31 of the month, if it is Monday"
        );
        assert_eq!(describe("0 0 1 1 *"), "At 00:00 on January 1");
        assert_eq!(describe("0 0 29 2 *"), "At 00:00 on February 29");
        assert_eq!(
            describe("0 0 1 1 MON"),
            "At 00:00 on day 1 of the month or on Monday in January"
        );
        assert_eq!(
            describe("0 0,12 1 */2 *"),
            "At 00:00 and 12:00 on day 1 of the month in January, March, May, July, September and November"
        );
        assert_eq!(
            describe("0 8 L * *"),
            "At 08:00 on the last day of the month"
        );
        assert_eq!(
            describe("0 8 15W * *"),
            "At 08:00 on the weekday nearest day 15 of the month"
        );
        assert_eq!(
            describe("0 8 * * 5L"),
            "At 08:00 on the last Friday of the month"
        );
        assert_eq!(
            describe("0 8 ? * 1#2"),
            "At 08:00 on the second Monday of the month"
        );
        assert_eq!(describe("0 0 * * SUN-SUN"), "At 00:00 on Sunday");
        assert_eq!(
            describe("0 12 * JUN-AUG SAT,SUN"),
            "At 12:00 on Saturday and Sunday in June through August"
        );
    }

    fn error_of(expr: &str) -> String {
        let err = CronSchedule::parse(expr, Some("UTC")).unwrap_err();
        assert_eq!(err.field(), "schedule.expr", "{expr}");
        err.to_string()
    }

    #[test]
    fn errors_name_the_field_and_what_it_allows() {
        assert_eq!(
            error_of("61 * * * *"),
            "schedule.expr: minute must be 0–59, got 61"
        );
        assert_eq!(
            error_of("0 24 * * *"),
            "schedule.expr: hour must be 0–23, got 24"
        );
        assert_eq!(
            error_of("0 0 0 * *"),
            "schedule.expr: day-of-month must be 1–31, got 0"
        );
        assert_eq!(
            error_of("0 0 1 13 *"),
            "schedule.expr: month must be 1–12 or JAN–DEC, got 13"
        );
        assert_eq!(
            error_of("0 0 * * 8"),
            "schedule.expr: day-of-week must be 0–7 or SUN–SAT (0 and 7 are Sunday), got 8"
        );
        assert!(error_of("1,,2 * * * *").contains("minute: empty item"));
        assert!(error_of("1, * * * *").contains("minute: empty item"));
        assert!(error_of("0 5-2 * * *").contains("hour range 5-2 runs backwards"));
        assert!(error_of("0 x * * *").contains("hour must be 0–23"));
        assert!(error_of("0 0 * * 1-").contains("day-of-week"));
        assert!(error_of("0 0 30 2 *").contains("never fires"));
    }

    #[test]
    fn names_are_valid_only_in_their_own_field() {
        assert_eq!(
            error_of("MON * * * *"),
            "schedule.expr: MON is a day-of-week name, not allowed in the minute field (minute must be 0–59)"
        );
        assert!(
            error_of("0 0 * * JAN")
                .contains("JAN is a month name, not allowed in the day-of-week field")
        );
        assert!(
            error_of("0 0 JAN * *")
                .contains("JAN is a month name, not allowed in the day-of-month field")
        );
        assert!(error_of("0 0 * MON *").contains("not allowed in the month field"));
        assert!(error_of("0 JAN-FEB * * *").contains("hour field"));
        // In their own fields, names work in any case and in ranges.
        assert_eq!(
            next_n("0 0 1 feb *", "UTC", "2026-11-24T00:00:00Z", 1),
            ["2027-02-01T00:00:00.000Z"]
        );
    }

    #[test]
    fn sunday_ranges_mean_sundays() {
        // 2026-11-29 and 2026-12-06 are Sundays.
        for expr in [
            "0 0 * * SUN-SUN",
            "0 0 * * 0-SUN",
            "0 0 * * 7",
            "0 0 * * 0-0",
        ] {
            assert_eq!(
                next_n(expr, "UTC", "2026-11-24T00:00:00Z", 2),
                ["2026-11-29T00:00:00.000Z", "2026-12-06T00:00:00.000Z"],
                "{expr}"
            );
        }
        // SUN closing a range is the end of the week: Friday to Sunday.
        assert_eq!(
            next_n("0 0 * * FRI-SUN", "UTC", "2026-11-24T00:00:00Z", 4),
            [
                "2026-11-27T00:00:00.000Z",
                "2026-11-28T00:00:00.000Z",
                "2026-11-29T00:00:00.000Z",
                "2026-12-04T00:00:00.000Z"
            ]
        );
    }

    #[test]
    fn a_day_field_starting_with_a_star_is_unrestricted() {
        // Vixie: `*/10` is "unrestricted", so the day fields are AND-ed.
        assert_eq!(
            next_n("0 0 */10 * 0-6", "UTC", "2026-12-01T12:00:00Z", 4),
            [
                "2026-12-11T00:00:00.000Z",
                "2026-12-21T00:00:00.000Z",
                "2026-12-31T00:00:00.000Z",
                "2027-01-01T00:00:00.000Z"
            ]
        );
        // The 1st of the month AND a Sunday, Wednesday or Saturday.
        assert_eq!(
            next_n("0 0 1 * */3", "UTC", "2026-11-24T00:00:00Z", 1),
            ["2027-05-01T00:00:00.000Z"]
        );
        assert_eq!(
            next_n("0 0 */2 * 1", "UTC", "2026-11-24T00:00:00Z", 2),
            ["2026-12-07T00:00:00.000Z", "2026-12-21T00:00:00.000Z"]
        );
    }

    #[test]
    fn steps_larger_than_the_field_are_refused() {
        assert!(error_of("*/60 * * * *").contains("minute step must be 1–59, got 60"));
        assert!(error_of("0-59/100 * * * *").contains("minute step must be 1–59, got 100"));
        assert!(error_of("0 */24 * * *").contains("hour step must be 1–23"));
        assert!(error_of("0 0 */31 * *").contains("day-of-month step must be 1–30"));
        assert!(error_of("0 0 * */12 *").contains("month step must be 1–11"));
        assert!(error_of("0 0 * * */7").contains("day-of-week step must be 1–6"));
        assert!(error_of("*/0 * * * *").contains("minute step must be 1–59, got 0"));
        // `a/n` starts at a and runs to the end of the field.
        assert_eq!(
            next_n("50/5 * * * *", "UTC", "2026-11-24T10:00:00Z", 3),
            [
                "2026-11-24T10:50:00.000Z",
                "2026-11-24T10:55:00.000Z",
                "2026-11-24T11:50:00.000Z"
            ]
        );
    }

    #[test]
    fn documented_extensions_work_and_plus_is_refused() {
        // November 2026: last day Monday 30th; 2026-11-27 the last Friday.
        assert_eq!(
            next_n("0 8 L * *", "UTC", "2026-11-24T00:00:00Z", 2),
            ["2026-11-30T08:00:00.000Z", "2026-12-31T08:00:00.000Z"]
        );
        assert_eq!(
            next_n("0 8 LW * *", "UTC", "2027-01-01T00:00:00Z", 1),
            ["2027-01-29T08:00:00.000Z"] // 31 Jan 2027 is a Sunday
        );
        assert_eq!(
            next_n("0 8 15W * *", "UTC", "2026-11-01T00:00:00Z", 2),
            ["2026-11-16T08:00:00.000Z", "2026-12-15T08:00:00.000Z"] // 15 Nov is a Sunday
        );
        assert_eq!(
            next_n("0 8 1W * *", "UTC", "2026-07-25T00:00:00Z", 1),
            ["2026-08-03T08:00:00.000Z"] // 1 Aug is a Saturday: Monday the 3rd
        );
        assert_eq!(
            next_n("0 8 * * 5L", "UTC", "2026-11-01T00:00:00Z", 1),
            ["2026-11-27T08:00:00.000Z"]
        );
        assert_eq!(
            next_n("0 8 ? * MON#2", "UTC", "2026-11-01T00:00:00Z", 2),
            ["2026-11-09T08:00:00.000Z", "2026-12-14T08:00:00.000Z"]
        );
        assert!(error_of("0 0 * * +1").contains("'+' is not supported"));
        assert!(error_of("0 0 1 * +MON").contains("'+' is not supported"));
        assert!(error_of("? * * * *").contains("'?' is only allowed in the day fields"));
        assert!(error_of("0 0 * * L").contains("L needs a weekday"));
        assert!(error_of("0 0 * * 1#6").contains("must be 1–5"));
        assert!(error_of("0 0 5L * *").contains("day-of-month"));
        assert!(error_of("0 L * * *").contains("hour must be 0–23"));
    }

    #[test]
    fn spring_forward_gap_on_a_rare_date_fires_the_same_day() {
        // New York jumps 02:00 → 03:00 on 2026-03-08 (07:00Z).
        assert_eq!(
            next_n(
                "0,30 2 8 3 *",
                "America/New_York",
                "2025-12-01T00:00:00Z",
                2
            ),
            ["2026-03-08T07:00:00.000Z", "2027-03-08T07:00:00.000Z"]
        );
        assert_eq!(
            next_n(
                "30 1-2 8 3 *",
                "America/New_York",
                "2026-03-08T06:31:00Z",
                2
            ),
            ["2026-03-08T07:00:00.000Z", "2027-03-08T06:30:00.000Z"]
        );
        // Lord Howe jumps half an hour, 02:00 → 02:30, on 2027-10-03.
        assert_eq!(
            next_n(
                "0,15 2 3 10 *",
                "Australia/Lord_Howe",
                "2027-10-02T12:00:00Z",
                1
            ),
            ["2027-10-02T15:30:00.000Z"]
        );
        // The time after a gap is caught up by the previous-occurrence search too.
        let s = CronSchedule::parse("0,30 2 8 3 *", Some("America/New_York")).unwrap();
        assert_eq!(
            s.latest_at_or_before(parse_rfc3339("2026-03-08T07:00:30Z").unwrap())
                .map(to_rfc3339)
                .as_deref(),
            Some("2026-03-08T07:00:00.000Z")
        );
    }
}
