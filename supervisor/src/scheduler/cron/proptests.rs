//! Property tests of the cron engine against brute-force reference models:
//! random expressions are generated as structures whose matching sets are
//! known without the parser, rendered to text, and the engine's successive
//! fire times are compared with a minute-by-minute scan.

use chrono::{DateTime, Datelike, LocalResult, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::CronSchedule;
use crate::time::Millis;

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;

/// One comma-separated item of a field.
#[derive(Debug, Clone)]
enum Item {
    Star,
    StarStep(u32),
    Value(u32),
    Range(u32, u32),
    RangeStep(u32, u32, u32),
}

#[derive(Debug, Clone)]
struct FieldGen {
    items: Vec<Item>,
    /// Render values as names (months, weekdays).
    names: bool,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "dec",
];
/// 7 (Sunday again) stays a number: `SUN-SUN` is only Sunday.
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "sat"];

impl FieldGen {
    fn render(&self, lo: u32, names: Option<&[&str]>) -> String {
        let value = |v: u32| match names {
            Some(n) if self.names && (v as usize) < n.len() + lo as usize => {
                n[(v - lo) as usize].to_string()
            }
            _ => v.to_string(),
        };
        let items: Vec<String> = self
            .items
            .iter()
            .map(|item| match item {
                Item::Star => "*".to_string(),
                Item::StarStep(s) => format!("*/{s}"),
                Item::Value(v) => value(*v),
                Item::Range(a, b) => format!("{}-{}", value(*a), value(*b)),
                Item::RangeStep(a, b, s) => format!("{}-{}/{s}", value(*a), value(*b)),
            })
            .collect();
        items.join(",")
    }

    /// The matching values, computed from the structure alone.
    fn set(&self, lo: u32, hi: u32, size: u32) -> Vec<bool> {
        let mut set = vec![false; hi as usize + 1];
        for item in &self.items {
            let (a, b, s) = match *item {
                // `*` in day-of-week is 0–6; 7 only when written.
                Item::Star => (lo, hi.min(lo + size - 1), 1),
                Item::StarStep(s) => (lo, hi.min(lo + size - 1), s),
                Item::Value(v) => (v, v, 1),
                Item::Range(a, b) => (a, b, 1),
                Item::RangeStep(a, b, s) => (a, b, s),
            };
            let mut v = a;
            while v <= b {
                set[v as usize] = true;
                v += s;
            }
        }
        set
    }

    fn starts_with_star(&self) -> bool {
        matches!(self.items[0], Item::Star | Item::StarStep(_))
    }
}

/// Items for a field of `size` distinct values, with values and range
/// ends drawn from `values` (steps stay below the field size).
fn field(
    values: std::ops::RangeInclusive<u32>,
    size: u32,
    star_weight: u32,
) -> impl Strategy<Value = FieldGen> {
    let item = prop_oneof![
        1 => Just(Item::Star),
        1 => (1..size).prop_map(Item::StarStep),
        3 => values.clone().prop_map(Item::Value),
        2 => (values.clone(), values.clone()).prop_map(|(a, b)| Item::Range(a.min(b), a.max(b))),
        1 => (values.clone(), values, 1..size)
            .prop_map(|(a, b, s)| Item::RangeStep(a.min(b), a.max(b), s)),
    ];
    prop_oneof![
        star_weight => Just(FieldGen { items: vec![Item::Star], names: false }),
        4 => (prop::collection::vec(item, 1..4), any::<bool>())
            .prop_map(|(items, names)| FieldGen { items, names }),
    ]
}

#[derive(Debug, Clone)]
struct ExprGen {
    minute: FieldGen,
    hour: FieldGen,
    dom: FieldGen,
    month: FieldGen,
    dow: FieldGen,
}

impl ExprGen {
    fn text(&self) -> String {
        format!(
            "{} {} {} {} {}",
            self.minute.render(0, None),
            self.hour.render(0, None),
            self.dom.render(1, None),
            self.month.render(1, Some(&MONTHS)),
            self.dow.render(0, Some(&DAYS)),
        )
    }

    fn reference(&self) -> Reference {
        let mut dow = self.dow.set(0, 7, 7);
        dow[0] |= dow[7];
        Reference {
            minute: self.minute.set(0, 59, 60),
            hour: self.hour.set(0, 23, 24),
            dom: self.dom.set(1, 31, 31),
            month: self.month.set(1, 12, 12),
            dow,
            either_day: !self.dom.starts_with_star() && !self.dow.starts_with_star(),
        }
    }
}

/// `hours`: where hour values are drawn from; `star_weight`: how often the
/// day and month fields are a plain `*`.
fn expr(hours: std::ops::RangeInclusive<u32>, star_weight: u32) -> impl Strategy<Value = ExprGen> {
    (
        field(0..=59, 60, 2),
        field(hours, 24, 2),
        field(1..=31, 31, star_weight),
        field(1..=12, 12, star_weight),
        field(0..=7, 7, star_weight),
    )
        .prop_map(|(minute, hour, dom, month, dow)| ExprGen {
            minute,
            hour,
            dom,
            month,
            dow,
        })
}

/// Vixie cron's matching rule, written from the man page.
struct Reference {
    minute: Vec<bool>,
    hour: Vec<bool>,
    dom: Vec<bool>,
    month: Vec<bool>,
    dow: Vec<bool>,
    either_day: bool,
}

impl Reference {
    fn day_matches(&self, t: &NaiveDateTime) -> bool {
        let dom = self.dom[t.day() as usize];
        let dow = self.dow[t.weekday().num_days_from_sunday() as usize];
        self.month[t.month() as usize]
            && if self.either_day {
                dom || dow
            } else {
                dom && dow
            }
    }

    fn matches(&self, t: &NaiveDateTime) -> bool {
        self.day_matches(t) && self.hour[t.hour() as usize] && self.minute[t.minute() as usize]
    }

    /// Fire times in UTC in (after, until], scanning minute by minute
    /// (skipping whole days that cannot match).
    fn utc_fires(&self, after: Millis, until: Millis, max: usize) -> Vec<Millis> {
        let mut out = Vec::new();
        let mut t = after.div_euclid(MINUTE) * MINUTE + MINUTE;
        while t <= until && out.len() < max {
            let local = DateTime::<Utc>::from_timestamp_millis(t)
                .unwrap()
                .naive_utc();
            if !self.day_matches(&local) {
                t = (t.div_euclid(DAY) + 1) * DAY;
                continue;
            }
            if self.matches(&local) {
                out.push(t);
            }
            t += MINUTE;
        }
        out
    }

    /// Fire times in `tz` in (after, until] by the DST rules of api.md,
    /// scanning real time minute by minute: a matching wall-clock minute
    /// fires when it happens (fixed hours: only its first instance), and
    /// with a fixed hour, matching minutes skipped by a jump fire at the
    /// instant after the jump.
    fn zoned_fires(&self, tz: Tz, elapsed: bool, after: Millis, until: Millis) -> Vec<Millis> {
        let local = |t: Millis| {
            tz.from_utc_datetime(
                &DateTime::<Utc>::from_timestamp_millis(t)
                    .unwrap()
                    .naive_utc(),
            )
            .naive_local()
        };
        let mut out = Vec::new();
        let mut t = after.div_euclid(MINUTE) * MINUTE + MINUTE;
        while t <= until {
            let now = local(t);
            let before = local(t - MINUTE);
            let mut fire = self.matches(&now)
                && (elapsed
                    || !matches!(tz.from_local_datetime(&now),
                        LocalResult::Ambiguous(a, _) if a.timestamp_millis() != t));
            if !elapsed && now - before > chrono::Duration::minutes(1) {
                let mut skipped = before + chrono::Duration::minutes(1);
                while skipped < now {
                    fire |= self.matches(&skipped);
                    skipped += chrono::Duration::minutes(1);
                }
            }
            if fire {
                out.push(t);
            }
            t += MINUTE;
        }
        out
    }
}

fn engine_fires(schedule: &CronSchedule, after: Millis, until: Millis, max: usize) -> Vec<Millis> {
    let mut out = Vec::new();
    let mut at = after;
    while out.len() < max {
        match schedule.next_after(at) {
            Some(next) if next <= until => {
                out.push(next);
                at = next;
            }
            _ => break,
        }
    }
    out
}

fn strictly_increasing(fires: &[Millis], after: Millis) -> bool {
    let mut last = after;
    fires.iter().all(|t| {
        let ok = *t > last;
        last = *t;
        ok
    })
}

// 2020-01-01 … 2040-01-01
const EPOCH_2020: Millis = 1_577_836_800_000;
const YEARS_20: Millis = 20 * 365 * DAY;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    /// In UTC, successive next-fire times are strictly increasing and are
    /// exactly the minutes a brute-force scan finds.
    #[test]
    fn utc_fires_equal_a_minute_by_minute_scan(pattern in expr(0..=23, 6), offset in 0..YEARS_20, seconds in 0..120_000i64) {
        let text = pattern.text();
        let schedule = CronSchedule::compile(&text, Some("UTC"))
            .unwrap_or_else(|e| panic!("{text:?} refused: {e}"));
        let after = EPOCH_2020 + offset / MINUTE * MINUTE + seconds - 60_000;
        let until = after + 2 * 366 * DAY;
        let expected = pattern.reference().utc_fires(after, until, 6);
        let got = engine_fires(&schedule, after, until, 6);
        prop_assert!(strictly_increasing(&got, after), "{text}: {got:?}");
        prop_assert_eq!(got, expected, "{}", text);
    }

    /// Around real DST changes (New York, Paris, Lord Howe's half-hour
    /// shift, Santiago at midnight), the engine agrees with a real-time
    /// scan that applies api.md's rules literally.
    #[test]
    fn dst_fires_equal_a_real_time_scan(
        pattern in prop_oneof![expr(0..=4, 1000), expr(22..=23, 1000)],
        change in 0..CHANGES.len(),
        before in 0..(2 * DAY / MINUTE),
    ) {
        let (zone, at) = CHANGES[change];
        let tz: Tz = zone.parse().unwrap();
        let text = pattern.text();
        let schedule = CronSchedule::compile(&text, Some(zone)).unwrap();
        let change_at = crate::time::parse_rfc3339(at).unwrap();
        let after = change_at - before * MINUTE - 7_000;
        let until = change_at + DAY / 2;
        let elapsed = text.split_whitespace().nth(1).is_some_and(|h| h.starts_with('*') || h.contains('/'));
        let expected = pattern.reference().zoned_fires(tz, elapsed, after, until);
        let got = engine_fires(&schedule, after, until, usize::MAX);
        prop_assert!(strictly_increasing(&got, after), "{text}: {got:?}");
        prop_assert_eq!(got, expected, "{} in {}", text, zone);
    }

    /// The catch-up search finds the latest fire at or before a moment:
    /// it is a fire, and no fire lies between it and that moment.
    #[test]
    fn latest_at_or_before_is_the_last_fire_up_to_now(
        pattern in expr(0..=23, 6),
        change in 0..CHANGES.len(),
        before in 0..(2 * DAY / MINUTE),
    ) {
        let (zone, at) = CHANGES[change];
        let text = pattern.text();
        let schedule = CronSchedule::compile(&text, Some(zone)).unwrap();
        let now = crate::time::parse_rfc3339(at).unwrap() - before * MINUTE + 30_000;
        if let Some(latest) = schedule.latest_at_or_before(now) {
            prop_assert!(latest <= now);
            prop_assert_eq!(schedule.next_after(latest - 1), Some(latest), "{} in {}", text, zone);
            prop_assert!(schedule.next_after(latest).is_none_or(|next| next > now), "{} in {}", text, zone);
        } else {
            // Nothing in 400 years: then nothing ever (the calendar repeats).
            prop_assert_eq!(schedule.next_after(now), None, "{} in {}", text, zone);
        }
    }
}

/// DST changes (UTC instants) the property above straddles.
const CHANGES: &[(&str, &str)] = &[
    ("America/New_York", "2026-03-08T07:00:00Z"),
    ("America/New_York", "2026-11-01T06:00:00Z"),
    ("Europe/Paris", "2026-03-29T01:00:00Z"),
    ("Europe/Paris", "2026-10-25T01:00:00Z"),
    ("Australia/Lord_Howe", "2026-10-03T15:30:00Z"),
    ("Australia/Lord_Howe", "2026-04-04T15:00:00Z"),
    ("America/Santiago", "2026-09-06T04:00:00Z"),
    ("America/Santiago", "2026-04-05T03:00:00Z"),
];
