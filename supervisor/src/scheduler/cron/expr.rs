//! The text of a cron expression → which local wall-clock minutes match.
//! Five fields (or an `@alias`), Vixie cron semantics, plus the documented
//! day extensions (`L`, `LW`, `nW`, `nL`, `n#k`, `?`). Every error names the
//! field and what it allows. Time zones are not this file's business.

use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Weekday};

/// The `@` shorthands and the five fields each stands for (shared with
/// `backbeat import --crontab`).
pub(crate) const ALIASES: &[(&str, &str)] = &[
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 1 *"),
    ("@monthly", "0 0 1 * *"),
    ("@weekly", "0 0 * * 0"),
    ("@daily", "0 0 * * *"),
    ("@midnight", "0 0 * * *"),
    ("@hourly", "0 * * * *"),
];

const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// The Gregorian calendar repeats every 400 years (146097 days, a whole
/// number of weeks): a pattern with no match in that span never matches.
const HORIZON_DAYS: u64 = 146_097;

/// One of the five fields: its name in messages and its numeric range.
#[derive(Clone, Copy, PartialEq)]
enum Field {
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
}

impl Field {
    const ALL: [Field; 5] = [
        Field::Minute,
        Field::Hour,
        Field::DayOfMonth,
        Field::Month,
        Field::DayOfWeek,
    ];

    fn name(self) -> &'static str {
        match self {
            Field::Minute => "minute",
            Field::Hour => "hour",
            Field::DayOfMonth => "day-of-month",
            Field::Month => "month",
            Field::DayOfWeek => "day-of-week",
        }
    }

    /// Lowest and highest value written (day-of-week 7 is Sunday again).
    fn bounds(self) -> (u32, u32) {
        match self {
            Field::Minute => (0, 59),
            Field::Hour => (0, 23),
            Field::DayOfMonth => (1, 31),
            Field::Month => (1, 12),
            Field::DayOfWeek => (0, 7),
        }
    }

    /// How many distinct values the field has (a step must be smaller).
    fn size(self) -> u32 {
        match self {
            Field::DayOfWeek => 7,
            _ => self.bounds().1 - self.bounds().0 + 1,
        }
    }

    fn allowed(self) -> &'static str {
        match self {
            Field::Minute => "0–59",
            Field::Hour => "0–23",
            Field::DayOfMonth => "1–31",
            Field::Month => "1–12 or JAN–DEC",
            Field::DayOfWeek => "0–7 or SUN–SAT (0 and 7 are Sunday)",
        }
    }

    fn names(self) -> &'static [&'static str] {
        match self {
            Field::Month => &MONTH_NAMES,
            Field::DayOfWeek => &DAY_NAMES,
            _ => &[],
        }
    }

    fn out_of_range(self, got: &str) -> String {
        format!("{} must be {}, got {got}", self.name(), self.allowed())
    }
}

/// A parsed expression: the matching values of each field as bit sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronExpr {
    pub minutes: u64,
    pub hours: u32,
    /// Plain days of the month, bits 1–31.
    pub days: u32,
    /// `L`: the last day of the month.
    pub last_day: bool,
    /// `LW`: the last weekday (Monday–Friday) of the month.
    pub last_weekday: bool,
    /// `nW`: the weekday nearest day n, within its month (bits 1–31).
    pub nearest_weekday: u32,
    /// Months, bits 1–12.
    pub months: u16,
    /// Weekdays, bits 0–6 (Sunday = 0).
    pub weekdays: u8,
    /// `n#k`: for each weekday, bits 1–5 for the k-th of the month.
    pub nth_weekday: [u8; 7],
    /// `nL`: the last such weekday of the month, bits 0–6.
    pub last_of_weekday: u8,
    /// The day-of-month text starts with `*` (or is `?`): unrestricted in
    /// Vixie's sense, so the day fields are AND-ed.
    pub dom_star: bool,
    pub dow_star: bool,
    /// The hour field is `*` or a step: times follow real elapsed time.
    pub hour_elapsed: bool,
    /// `*` (1) or `*/n` (n) in the minute field, for the description.
    pub minute_every: Option<u32>,
    /// `*` (1) or `*/n` (n) in the hour field, for the description.
    pub hour_every: Option<u32>,
}

impl CronExpr {
    /// Parses five fields or an `@alias`; the error says what to fix.
    pub fn parse(text: &str) -> Result<CronExpr, String> {
        let text = text.trim();
        let expanded = if text.starts_with('@') {
            ALIASES
                .iter()
                .find(|(alias, _)| alias.eq_ignore_ascii_case(text))
                .map(|(_, fields)| *fields)
                .ok_or_else(|| {
                    let names: Vec<&str> = ALIASES.iter().map(|(a, _)| *a).collect();
                    format!("unknown alias {text:?}; use one of {}", names.join(", "))
                })?
        } else {
            text
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(format!(
                "expected 5 fields, got {} (minute hour day-of-month month day-of-week)",
                fields.len()
            ));
        }
        let mut sets = [0u64; 5];
        let mut expr = CronExpr {
            minutes: 0,
            hours: 0,
            days: 0,
            last_day: false,
            last_weekday: false,
            nearest_weekday: 0,
            months: 0,
            weekdays: 0,
            nth_weekday: [0; 7],
            last_of_weekday: 0,
            dom_star: fields[2].starts_with('*') || fields[2] == "?",
            dow_star: fields[4].starts_with('*') || fields[4] == "?",
            hour_elapsed: fields[1].starts_with('*') || fields[1].contains('/'),
            minute_every: every(fields[0]),
            hour_every: every(fields[1]),
        };
        for (i, (field, text)) in Field::ALL.iter().zip(&fields).enumerate() {
            sets[i] = parse_field(*field, text, &mut expr)?;
        }
        expr.minutes = sets[0];
        expr.hours = sets[1] as u32;
        expr.days = sets[2] as u32;
        expr.months = sets[3] as u16;
        // Day-of-week 7 is Sunday.
        expr.weekdays = ((sets[4] & 0x7f) | (sets[4] >> 7 & 1)) as u8;
        Ok(expr)
    }

    /// Vixie cron: if either day field is unrestricted (its text starts
    /// with `*`), both must match; otherwise either one.
    fn matches_day(&self, date: NaiveDate) -> bool {
        let day = date.day();
        let length = month_length(date);
        let weekday = date.weekday().num_days_from_sunday() as usize;
        let dom = self.days >> day & 1 == 1
            || (self.last_day && day == length)
            || (self.last_weekday && day == last_weekday_of_month(date))
            || self.is_nearest_weekday(date);
        let dow = self.weekdays >> weekday & 1 == 1
            || self.nth_weekday[weekday] >> day.div_ceil(7) & 1 == 1
            || (self.last_of_weekday >> weekday & 1 == 1 && day + 7 > length);
        if self.dom_star || self.dow_star {
            dom && dow
        } else {
            dom || dow
        }
    }

    /// `nW`: day n if it is a weekday, else the nearest weekday in the
    /// same month (Saturday → Friday, Sunday → Monday, never crossing the
    /// month's edge). A month without day n has no such day.
    fn is_nearest_weekday(&self, date: NaiveDate) -> bool {
        if self.nearest_weekday == 0 || date.weekday().num_days_from_monday() >= 5 {
            return false;
        }
        let (day, length) = (date.day(), month_length(date));
        (day.saturating_sub(2).max(1)..=(day + 2).min(length))
            .filter(|n| self.nearest_weekday >> n & 1 == 1)
            .any(|n| {
                let wanted = date.with_day(n).expect("a day of this month");
                let target = match wanted.weekday() {
                    Weekday::Sat if n > 1 => n - 1,
                    Weekday::Sat => n + 2,
                    Weekday::Sun if n < length => n + 1,
                    Weekday::Sun => n - 2,
                    _ => n,
                };
                target == day
            })
    }

    /// The first matching local minute at or after `from` (seconds
    /// dropped, rounding up), within 400 years.
    pub fn next_local(&self, from: NaiveDateTime) -> Option<NaiveDateTime> {
        let mut from = from;
        if from.second() != 0 || from.nanosecond() != 0 {
            from = from.with_second(0)?.with_nanosecond(0)? + chrono::Duration::minutes(1);
        }
        let start = from.date();
        let mut date = start;
        let end = start.checked_add_days(Days::new(HORIZON_DAYS))?;
        while date <= end {
            if self.months >> date.month() & 1 == 0 {
                date = date.with_day(1)?.checked_add_months(Months::new(1))?;
                continue;
            }
            if self.matches_day(date) {
                let (h0, m0) = if date == start {
                    (from.hour(), from.minute())
                } else {
                    (0, 0)
                };
                if let Some((h, m)) = self.first_time_from(h0, m0) {
                    return Some(date.and_time(NaiveTime::from_hms_opt(h, m, 0)?));
                }
            }
            date = date.succ_opt()?;
        }
        None
    }

    /// The first matching (hour, minute) at or after `hour:minute` of a day.
    fn first_time_from(&self, hour: u32, minute: u32) -> Option<(u32, u32)> {
        if self.hours >> hour & 1 == 1
            && let Some(m) = next_bit(self.minutes, minute)
        {
            return Some((hour, m));
        }
        let h = next_bit(self.hours as u64, hour + 1)?;
        Some((h, next_bit(self.minutes, 0)?))
    }
}

/// The lowest set bit at or above `from`.
fn next_bit(bits: u64, from: u32) -> Option<u32> {
    if from >= 64 {
        return None;
    }
    let rest = bits >> from;
    (rest != 0).then(|| from + rest.trailing_zeros())
}

pub fn month_length(date: NaiveDate) -> u32 {
    let first = date.with_day(1).expect("day 1 exists");
    let next = first
        .checked_add_months(Months::new(1))
        .expect("a representable month");
    (next - first).num_days() as u32
}

fn last_weekday_of_month(date: NaiveDate) -> u32 {
    let length = month_length(date);
    let last = date.with_day(length).expect("the last day exists");
    match last.weekday() {
        Weekday::Sat => length - 1,
        Weekday::Sun => length - 2,
        _ => length,
    }
}

/// `Some(1)` for `*`, `Some(n)` for `*/n`, else `None`.
fn every(text: &str) -> Option<u32> {
    match text.strip_prefix('*')? {
        "" => Some(1),
        rest => rest.strip_prefix('/')?.parse().ok(),
    }
}

/// Parses one field into a bit set of plain values; day extensions go
/// straight into `expr`.
fn parse_field(field: Field, text: &str, expr: &mut CronExpr) -> Result<u64, String> {
    if text.contains('+') {
        return Err(format!(
            "{}: '+' is not supported (it would switch day matching to AND); \
             Backbeat follows Vixie cron: two restricted day fields match either one",
            field.name()
        ));
    }
    let (lo, hi) = field.bounds();
    if text == "?" {
        return match field {
            Field::DayOfMonth | Field::DayOfWeek => Ok(range_bits(lo, hi, 1)),
            _ => Err(format!(
                "{}: '?' is only allowed in the day fields; use * here",
                field.name()
            )),
        };
    }
    let mut bits = 0u64;
    for item in text.split(',') {
        if item.is_empty() {
            return Err(format!(
                "{}: empty item in {text:?}; separate values with single commas",
                field.name()
            ));
        }
        if parse_day_extension(field, item, expr)? {
            continue;
        }
        bits |= parse_item(field, item)?;
    }
    Ok(bits)
}

/// `*`, `a`, `a-b`, each optionally `/step` (`a/step` means `a-max/step`).
fn parse_item(field: Field, item: &str) -> Result<u64, String> {
    let (lo, hi) = field.bounds();
    let (base, step) = match item.split_once('/') {
        Some((base, step)) => (base, Some(parse_step(field, step)?)),
        None => (item, None),
    };
    let (start, end) = if base == "*" {
        let last = match field {
            Field::DayOfWeek => 6,
            _ => hi,
        };
        (lo, last)
    } else if let Some((a, b)) = base.split_once('-') {
        let start = parse_value(field, a)?;
        let end = parse_value(field, b)?;
        // SUN as the end of a range means the Sunday that ends the week
        // (FRI-SUN); SUN-SUN and 0-SUN are just Sunday.
        let end = if field == Field::DayOfWeek && end == 0 && start > 0 && is_name(b) {
            7
        } else {
            end
        };
        if start > end {
            return Err(format!(
                "{} range {base} runs backwards; write it from low to high ({end}-{start}) \
                 or as a list",
                field.name()
            ));
        }
        (start, end)
    } else {
        let value = parse_value(field, base)?;
        let last = match field {
            Field::DayOfWeek => 6,
            _ => hi,
        };
        (
            value,
            if step.is_some() {
                last.max(value)
            } else {
                value
            },
        )
    };
    Ok(range_bits(start, end, step.unwrap_or(1)))
}

fn parse_step(field: Field, text: &str) -> Result<u32, String> {
    let max = field.size() - 1;
    let bad = || {
        format!(
            "{} step must be a whole number 1–{max}, got {text:?}",
            field.name()
        )
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match text.parse::<u32>() {
        Ok(step) if (1..=max).contains(&step) => Ok(step),
        _ => Err(format!(
            "{} step must be 1–{max}, got {text} (a step as large as the field \
             would only ever match its first value)",
            field.name()
        )),
    }
}

fn is_name(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_alphabetic())
}

/// A number in the field's range, or one of its own names.
fn parse_value(field: Field, text: &str) -> Result<u32, String> {
    let (lo, hi) = field.bounds();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<u32>() {
            Ok(v) if (lo..=hi).contains(&v) => Ok(v),
            _ => Err(field.out_of_range(text)),
        };
    }
    let upper = text.to_ascii_uppercase();
    if let Some(i) = field.names().iter().position(|n| *n == upper) {
        let first = if field == Field::Month { 1 } else { 0 };
        return Ok(i as u32 + first);
    }
    let other = if MONTH_NAMES.contains(&upper.as_str()) {
        Some("a month name")
    } else if DAY_NAMES.contains(&upper.as_str()) {
        Some("a day-of-week name")
    } else {
        None
    };
    Err(match other {
        Some(kind) => format!(
            "{text} is {kind}, not allowed in the {} field ({} must be {})",
            field.name(),
            field.name(),
            field.allowed()
        ),
        None if text.is_empty() => format!(
            "{}: a range or step is missing a value; {} must be {}",
            field.name(),
            field.name(),
            field.allowed()
        ),
        None => format!(
            "{}: {text:?} is not valid; {} must be {}{}",
            field.name(),
            field.name(),
            field.allowed(),
            extensions_hint(field)
        ),
    })
}

fn extensions_hint(field: Field) -> &'static str {
    match field {
        Field::DayOfMonth => ", L (last day), LW (last weekday) or nW (weekday nearest day n)",
        Field::DayOfWeek => ", nL (last such weekday of the month) or n#k (k-th, 1–5)",
        _ => "",
    }
}

/// The day extensions; `Ok(false)` when `item` is not one of them.
fn parse_day_extension(field: Field, item: &str, expr: &mut CronExpr) -> Result<bool, String> {
    let upper = item.to_ascii_uppercase();
    match field {
        Field::DayOfMonth => {
            if upper == "L" {
                expr.last_day = true;
            } else if upper == "LW" {
                expr.last_weekday = true;
            } else if let Some(day) = upper.strip_suffix('W') {
                let day = parse_value(field, day)?;
                expr.nearest_weekday |= 1 << day;
            } else {
                return Ok(false);
            }
            Ok(true)
        }
        Field::DayOfWeek => {
            if let Some((day, nth)) = upper.split_once('#') {
                let weekday = parse_value(field, day)? % 7;
                let nth = match nth.parse::<u32>() {
                    Ok(n) if (1..=5).contains(&n) => n,
                    _ => {
                        return Err(format!(
                            "day-of-week: in {item:?} the number after # must be 1–5 \
                             (1#2 is the second Monday of the month)"
                        ));
                    }
                };
                expr.nth_weekday[weekday as usize] |= 1 << nth;
            } else if upper == "L" {
                return Err(
                    "day-of-week: L needs a weekday before it (5L is the last Friday of the month)"
                        .to_string(),
                );
            } else if let Some(day) = upper.strip_suffix('L')
                && !DAY_NAMES.contains(&upper.as_str())
            {
                let weekday = parse_value(field, day)? % 7;
                expr.last_of_weekday |= 1 << weekday;
            } else {
                return Ok(false);
            }
            Ok(true)
        }
        _ => Ok(false),
    }
}

fn range_bits(start: u32, end: u32, step: u32) -> u64 {
    (start..=end)
        .step_by(step as usize)
        .fold(0u64, |bits, v| bits | 1 << v)
}
