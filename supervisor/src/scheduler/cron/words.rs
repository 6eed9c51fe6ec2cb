//! A cron expression in English ("At 03:00 every day", "Every 5 minutes
//! on Monday through Friday"), built from what the expression matches, so
//! the words never promise more than the schedule does.

use super::expr::CronExpr;

const ALL_DAYS: u64 = ((1 << 32) - 1) & !1;
const ALL_MONTHS: u64 = ((1 << 13) - 1) & !1;
const ALL_WEEKDAYS: u64 = (1 << 7) - 1;

const MONTHS: [&str; 13] = [
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

pub fn describe(expr: &CronExpr) -> String {
    let (time, fixed_times) = time_phrase(expr);
    if let Some(date) = date_phrase(expr) {
        return format!("{time} on {date}");
    }
    let days = day_phrase(expr);
    let months = (expr.months as u64 != ALL_MONTHS).then(|| {
        format!(
            "in {}",
            join(runs(expr.months as u64).map(|(a, b)| span(MONTHS[a], MONTHS[b], " through ")))
        )
    });
    let mut text = time;
    match (days, &months) {
        (None, None) if fixed_times => text.push_str(" every day"),
        (None, _) => {}
        (Some(days), _) => {
            text.push(' ');
            text.push_str(&days);
        }
    }
    if let Some(months) = months {
        text.push(' ');
        text.push_str(&months);
    }
    text
}

/// The time of day, and whether it names fixed clock times.
fn time_phrase(expr: &CronExpr) -> (String, bool) {
    let minutes = expr.minutes;
    let hours = expr.hours as u64;
    // `*/n` reads "every n" only when n divides the field evenly.
    let minute_every = expr.minute_every.filter(|n| 60 % n == 0);
    let hour_every = expr.hour_every.filter(|n| 24 % n == 0);
    let hour_count = hours.count_ones();
    if minutes.count_ones() * hour_count <= 4 {
        let times = bits(hours).flat_map(|h| bits(minutes).map(move |m| format!("{h:02}:{m:02}")));
        return (format!("At {}", join(times)), true);
    }
    let (minute_text, during) = match minute_every {
        Some(1) => ("Every minute".to_string(), "during"),
        Some(n) => (format!("Every {n} minutes"), "during"),
        None => (
            format!("At {} {}", plural(minutes, "minute"), numbers(minutes)),
            "past",
        ),
    };
    let text = match hour_every {
        Some(1) if minute_every.is_some() => minute_text,
        Some(1) => format!("{minute_text} past every hour"),
        Some(n) => format!("{minute_text} {during} every {} hour", nth(n)),
        None if hour_count == 1 && minute_every.is_some() => {
            let h = hours.trailing_zeros();
            let first = minutes.trailing_zeros();
            let last = 63 - minutes.leading_zeros();
            format!("{minute_text} from {h:02}:{first:02} through {h:02}:{last:02}")
        }
        None => format!(
            "{minute_text} {during} {} {}",
            plural(hours, "hour"),
            numbers(hours)
        ),
    };
    (text, false)
}

fn plural(set: u64, word: &str) -> String {
    if set.count_ones() == 1 {
        word.to_string()
    } else {
        format!("{word}s")
    }
}

/// "February 29", "January 1 and 15": one month, plain days of the month
/// and no weekday condition.
fn date_phrase(expr: &CronExpr) -> Option<String> {
    let plain_days = !(expr.last_day || expr.last_weekday || expr.nearest_weekday != 0);
    let one_month = expr.months.count_ones() == 1;
    if !plain_days || !one_month || dom_phrase(expr).is_none() {
        return None;
    }
    // Day-of-week must neither narrow the days (AND) nor widen them (OR
    // with a weekday list that covers the week: every day).
    if dow_phrase(expr).is_some() || (!expr.dom_star && !expr.dow_star) {
        return None;
    }
    let month = MONTHS[expr.months.trailing_zeros() as usize];
    Some(format!("{month} {}", numbers(expr.days as u64)))
}

/// "on …" for the day fields, `None` when every day matches.
fn day_phrase(expr: &CronExpr) -> Option<String> {
    let dom = dom_phrase(expr);
    let dow = dow_phrase(expr);
    let either = !expr.dom_star && !expr.dow_star;
    match (dom, dow) {
        (None, None) => None,
        // OR with an unrestricted field: every day.
        (Some(_), None) | (None, Some(_)) if either => None,
        (Some(dom), None) => Some(format!("on {dom}")),
        (None, Some(dow)) => Some(format!("on {dow}")),
        (Some(dom), Some(dow)) if either => Some(format!("on {dom} or on {dow}")),
        (Some(dom), Some(dow)) => Some(format!("on {dom}, if it is {dow}")),
    }
}

fn dom_phrase(expr: &CronExpr) -> Option<String> {
    let days = expr.days as u64;
    let extensions = expr.last_day || expr.last_weekday || expr.nearest_weekday != 0;
    if days == ALL_DAYS && !extensions {
        return None;
    }
    let mut parts = Vec::new();
    if days != 0 {
        let label = if days.count_ones() == 1 {
            "day"
        } else {
            "days"
        };
        parts.push(format!("{label} {}", numbers(days)));
    }
    for n in bits(expr.nearest_weekday as u64) {
        parts.push(format!("the weekday nearest day {n}"));
    }
    if expr.last_weekday {
        parts.push("the last weekday".to_string());
    }
    if expr.last_day {
        parts.push("the last day".to_string());
    }
    Some(format!("{} of the month", join(parts.into_iter())))
}

fn dow_phrase(expr: &CronExpr) -> Option<String> {
    let weekdays = expr.weekdays as u64;
    let nth = expr.nth_weekday.iter().any(|n| *n != 0);
    if weekdays == ALL_WEEKDAYS && !nth && expr.last_of_weekday == 0 {
        return None;
    }
    // The week reads Monday to Sunday when it has both weekend days.
    let monday_first = weekdays & 0b100_0001 == 0b100_0001;
    let week = if monday_first {
        weekdays >> 1 | 1 << 6
    } else {
        weekdays
    };
    let name = |i: usize| WEEKDAYS[if monday_first { (i + 1) % 7 } else { i }];
    let mut parts: Vec<String> = runs(week)
        .map(|(a, b)| span(name(a), name(b), " through "))
        .collect();
    for (day, nths) in expr.nth_weekday.iter().enumerate() {
        for n in bits(*nths as u64) {
            parts.push(format!("the {} {} of the month", ordinal(n), WEEKDAYS[day]));
        }
    }
    for day in bits(expr.last_of_weekday as u64) {
        parts.push(format!("the last {} of the month", WEEKDAYS[day as usize]));
    }
    Some(join(parts.into_iter()))
}

/// "1, 3 and 5–7"
fn numbers(set: u64) -> String {
    join(runs(set).map(|(a, b)| span(a, b, "–")))
}

fn span(a: impl std::fmt::Display, b: impl std::fmt::Display, sep: &str) -> String {
    let (a, b) = (a.to_string(), b.to_string());
    if a == b { a } else { format!("{a}{sep}{b}") }
}

/// Runs of consecutive set bits as (first, last); runs of two are split.
fn runs(set: u64) -> impl Iterator<Item = (usize, usize)> {
    let mut out = Vec::new();
    let mut values = bits(set).map(|v| v as usize).peekable();
    while let Some(start) = values.next() {
        let mut end = start;
        while values.peek() == Some(&(end + 1)) {
            end = values.next().unwrap_or(end);
        }
        if end == start + 1 {
            out.push((start, start));
            out.push((end, end));
        } else {
            out.push((start, end));
        }
    }
    out.into_iter()
}

fn bits(set: u64) -> impl Iterator<Item = u32> {
    (0..64).filter(move |i| set >> i & 1 == 1)
}

/// "a", "a and b", "a, b and c"
fn join(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// "first" … "fifth" (for the k-th weekday of a month).
fn ordinal(n: u32) -> &'static str {
    ["", "first", "second", "third", "fourth", "fifth"][n as usize]
}

/// "2nd", "3rd", "12th" (for every n-th hour).
fn nth(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}
