//! How the client prints for people: aligned tables, local times,
//! humanised durations; and pretty JSON for scripts.

use chrono::{DateTime, Local};
use serde_json::Value;

/// A table whose columns are as wide as their widest cell; the last
/// column is not padded.
pub struct Table {
    headers: Vec<&'static str>,
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// `headers` starting with `>` are right-aligned (numbers).
    pub fn new(headers: &[&'static str]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.trim_start_matches('>')).collect(),
            right: headers.iter().map(|h| h.starts_with('>')).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let width = |s: &str| s.chars().count();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(width(cell));
            }
        }
        let mut out = String::new();
        let headers: Vec<String> = self.headers.iter().map(|h| h.to_string()).collect();
        for row in std::iter::once(&headers).chain(&self.rows) {
            let last = row.len() - 1;
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                let pad = " ".repeat(widths[i] - width(cell));
                if i > 0 {
                    line.push_str("  ");
                }
                if self.right[i] {
                    line.push_str(&pad);
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    if i < last {
                        line.push_str(&pad);
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    pub fn print(&self) {
        print!("{}", self.render());
    }
}

/// An RFC 3339 time as local `YYYY-MM-DD HH:MM:SS`; `-` when absent.
pub fn local_time(value: &Value) -> String {
    value
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| {
            t.with_timezone(&Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|| "-".into())
}

/// Milliseconds for people: `850ms`, `4.2s`, `3m 05s`, `1h 02m`, `2d 03h`.
pub fn duration(ms: i64) -> String {
    let s = ms / 1000;
    if ms < 1_000 {
        format!("{}ms", ms.max(0))
    } else if ms < 60_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else if ms < 3_600_000 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else if ms < 86_400_000 {
        format!("{}h {:02}m", s / 3600, s / 60 % 60)
    } else {
        format!("{}d {:02}h", s / 86_400, s / 3600 % 24)
    }
}

/// `duration` of a JSON number of milliseconds, `-` when absent.
pub fn duration_of(value: &Value) -> String {
    value.as_i64().map(duration).unwrap_or_else(|| "-".into())
}

/// A schedule in one short line: `0 3 * * * Europe/Paris`, `once …`, `manual`.
pub fn schedule(schedule: &Value) -> String {
    match schedule["kind"].as_str() {
        Some("cron") => {
            let expr = schedule["expr"].as_str().unwrap_or("");
            match schedule["timezone"].as_str() {
                Some(tz) => format!("{expr} ({tz})"),
                None => expr.to_string(),
            }
        }
        Some("once") => format!("once {}", local_time(&schedule["at"])),
        other => other.unwrap_or("?").to_string(),
    }
}

pub fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("JSON values serialize")
    );
}

/// A JSON string field, or `-`.
pub fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_a_person_would_say_them() {
        assert_eq!(duration(850), "850ms");
        assert_eq!(duration(4_210), "4.2s");
        assert_eq!(duration(185_000), "3m 05s");
        assert_eq!(duration(3_720_000), "1h 02m");
        assert_eq!(duration(183_600_000), "2d 03h");
    }

    #[test]
    fn columns_align_on_the_widest_cell() {
        let mut t = Table::new(&[">ID", "NAME", "NOTE"]);
        t.row(vec!["7".into(), "é-long-name".into(), "x".into()]);
        t.row(vec!["123".into(), "b".into(), String::new()]);
        assert_eq!(
            t.render(),
            " ID  NAME         NOTE\n  7  é-long-name  x\n123  b\n"
        );
    }
}
