//! Exact cron schedules through the real API: `POST /api/cron/preview`, job
//! validation, the live scheduler's `nextRunAt`, and `GET /api/schedule`'s
//! `[from, to)` window (issue 7, defects 10 and 11).

use serde_json::{Value, json};

use crate::fixture::{Reply, Server};

fn preview(server: &Server, expr: &str, timezone: &str, from: &str, count: u32) -> Value {
    let reply = server.post(
        "/api/cron/preview",
        json!({"expr": expr, "timezone": timezone, "from": from, "count": count}),
    );
    assert_eq!(reply.status, 200, "{expr}: {}", reply.body);
    reply.json()
}

fn next(server: &Server, expr: &str, timezone: &str, from: &str, count: u32) -> Vec<String> {
    preview(server, expr, timezone, from, count)["next"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect()
}

fn message(reply: &Reply) -> String {
    reply.json()["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The expression is refused by the preview (field `expr`) and by job
/// creation (field `schedule.expr`), both with a message containing `says`.
fn assert_refused(server: &Server, expr: &str, says: &str) {
    let reply = server.post(
        "/api/cron/preview",
        json!({"expr": expr, "timezone": "UTC"}),
    );
    reply.assert_error(422, "validation_failed", Some("expr"));
    assert!(message(&reply).contains(says), "{expr}: {}", reply.body);
    let reply = server.post(
        "/api/jobs",
        json!({"title": "t", "type": "script", "body": "true",
               "schedule": {"kind": "cron", "expr": expr, "timezone": "UTC"}}),
    );
    reply.assert_error(422, "validation_failed", Some("schedule.expr"));
    assert!(message(&reply).contains(says), "{expr}: {}", reply.body);
}

#[test]
fn sunday_to_sunday_means_sundays() {
    let server = Server::start();
    // 2026-11-29 and 2026-12-06 are Sundays.
    for expr in ["0 0 * * SUN-SUN", "0 0 * * 0-SUN"] {
        assert_eq!(
            next(&server, expr, "UTC", "2026-11-24T00:00:00Z", 2),
            ["2026-11-29T00:00:00.000Z", "2026-12-06T00:00:00.000Z"],
            "{expr}"
        );
        assert_eq!(
            preview(&server, expr, "UTC", "2026-11-24T00:00:00Z", 1)["description"],
            "At 00:00 on Sunday"
        );
    }
}

#[test]
fn a_name_outside_its_own_field_is_refused() {
    let server = Server::start();
    assert_refused(
        &server,
        "MON * * * *",
        "MON is a day-of-week name, not allowed in the minute field (minute must be 0–59)",
    );
    assert_refused(
        &server,
        "0 0 * * JAN",
        "JAN is a month name, not allowed in the day-of-week field",
    );
    assert_refused(
        &server,
        "0 0 JAN * *",
        "JAN is a month name, not allowed in the day-of-month field",
    );
    // In their own fields names are fine, in any case: 1 January or any
    // Monday in January (2027-01-04 is the first).
    assert_eq!(
        next(&server, "0 0 1 jan mon", "UTC", "2026-11-24T00:00:00Z", 2),
        ["2027-01-01T00:00:00.000Z", "2027-01-04T00:00:00.000Z"]
    );
}

#[test]
fn a_spring_forward_gap_on_a_rare_date_fires_that_day_not_a_year_later() {
    let server = Server::start();
    assert_eq!(
        next(
            &server,
            "0,30 2 8 3 *",
            "America/New_York",
            "2025-12-01T00:00:00Z",
            1
        ),
        ["2026-03-08T07:00:00.000Z"]
    );
    assert_eq!(
        next(
            &server,
            "30 1-2 8 3 *",
            "America/New_York",
            "2026-03-08T06:31:00Z",
            1
        ),
        ["2026-03-08T07:00:00.000Z"]
    );
    assert_eq!(
        next(
            &server,
            "0,15 2 3 10 *",
            "Australia/Lord_Howe",
            "2027-10-02T12:00:00Z",
            1
        ),
        ["2027-10-02T15:30:00.000Z"]
    );
}

/// New York's next spring-forward instant after `now` + 1 h: the second
/// Sunday of March, 02:00 EST = 07:00Z (which is also 03:00 EDT).
fn next_new_york_gap(now: i64) -> String {
    use chrono::{Datelike, NaiveDate};
    let year = chrono::DateTime::from_timestamp_millis(now).unwrap().year();
    (year..year + 2)
        .map(|y| {
            let first = NaiveDate::from_ymd_opt(y, 3, 1).unwrap();
            let to_sunday = (7 - first.weekday().num_days_from_sunday()) % 7;
            format!("{y}-03-{:02}T07:00:00.000Z", 1 + to_sunday + 7)
        })
        .find(|at| backbeat::time::parse_rfc3339(at).unwrap() > now + 3_600_000)
        .unwrap()
}

#[test]
fn the_live_scheduler_plans_a_gap_time_on_the_day_of_the_gap() {
    let server = Server::start();
    let gap = next_new_york_gap(backbeat::time::now_ms());
    // 02:00 and 02:30 on the second Sunday of March: both in the gap,
    // every year. They fire once, at 03:00 EDT, that same day.
    let job = server.create_job(json!({
        "title": "gap",
        "body": "true",
        "schedule": {"kind": "cron", "expr": "0,30 2 * 3 0#2", "timezone": "America/New_York"}
    }));
    assert_eq!(job["nextRunAt"], gap.as_str());
}

#[test]
fn a_day_field_starting_with_a_star_is_unrestricted() {
    let server = Server::start();
    assert_eq!(
        next(&server, "0 0 */10 * 0-6", "UTC", "2026-12-01T12:00:00Z", 5),
        [
            "2026-12-11T00:00:00.000Z",
            "2026-12-21T00:00:00.000Z",
            "2026-12-31T00:00:00.000Z",
            "2027-01-01T00:00:00.000Z",
            "2027-01-11T00:00:00.000Z"
        ]
    );
    assert_eq!(
        preview(&server, "0 0 */10 * 0-6", "UTC", "2026-12-01T12:00:00Z", 1)["description"],
        "At 00:00 on days 1, 11, 21 and 31 of the month"
    );
}

#[test]
fn oversized_steps_empty_items_and_plus_are_refused() {
    let server = Server::start();
    assert_refused(&server, "*/60 * * * *", "minute step must be 1–59, got 60");
    assert_refused(
        &server,
        "0-59/100 * * * *",
        "minute step must be 1–59, got 100",
    );
    assert_refused(&server, "1,,2 * * * *", "minute: empty item");
    assert_refused(&server, "0 0 * * +1", "'+' is not supported");
    assert_eq!(
        preview(&server, "*/5 * * * *", "UTC", "2026-12-01T12:00:00Z", 1)["description"],
        "Every 5 minutes"
    );
}

#[test]
fn cron_errors_are_human_and_name_the_field() {
    let server = Server::start();
    assert_refused(&server, "61 * * * *", "minute must be 0–59, got 61");
    assert_refused(&server, "0 24 * * *", "hour must be 0–23, got 24");
    assert_refused(&server, "0 0 32 * *", "day-of-month must be 1–31, got 32");
    assert_refused(
        &server,
        "0 0 * 13 *",
        "month must be 1–12 or JAN–DEC, got 13",
    );
    assert_refused(
        &server,
        "0 0 * * 8",
        "day-of-week must be 0–7 or SUN–SAT (0 and 7 are Sunday), got 8",
    );
    let reply = server.post("/api/cron/preview", json!({"expr": "61 * * * *"}));
    assert!(!message(&reply).contains("Component"), "{}", reply.body);
}

#[test]
fn the_kept_extensions_work() {
    let server = Server::start();
    // November 2026 ends on Monday the 30th; its last Friday is the 27th.
    assert_eq!(
        next(&server, "0 8 L * *", "UTC", "2026-11-24T00:00:00Z", 1),
        ["2026-11-30T08:00:00.000Z"]
    );
    assert_eq!(
        next(&server, "0 8 15W * *", "UTC", "2026-11-01T00:00:00Z", 1),
        ["2026-11-16T08:00:00.000Z"]
    );
    assert_eq!(
        next(&server, "0 8 * * 5L", "UTC", "2026-11-01T00:00:00Z", 1),
        ["2026-11-27T08:00:00.000Z"]
    );
    assert_eq!(
        next(&server, "0 8 ? * 1#2", "UTC", "2026-11-01T00:00:00Z", 1),
        ["2026-11-09T08:00:00.000Z"]
    );
}

#[test]
fn the_calendar_window_includes_from_and_excludes_to() {
    let server = Server::start();
    let weekly = server.create_job(json!({
        "title": "weekly",
        "body": "true",
        "schedule": {"kind": "cron", "expr": "0 0 * * 1", "timezone": "UTC"}
    }));
    // 2030-01-07 and 2030-01-14 are Mondays.
    let week = |from: &str, to: &str| -> Vec<Value> {
        let reply = server.get(&format!("/api/schedule?from={from}&to={to}"));
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()["occurrences"].as_array().unwrap().clone()
    };
    let this_week = week("2030-01-07T00:00:00Z", "2030-01-14T00:00:00Z");
    assert_eq!(this_week.len(), 1, "{this_week:?}");
    assert_eq!(this_week[0]["at"], "2030-01-07T00:00:00.000Z");
    assert_eq!(this_week[0]["jobId"], weekly["id"]);
    let previous_week = week("2029-12-31T00:00:00Z", "2030-01-07T00:00:00Z");
    assert_eq!(previous_week.len(), 1, "{previous_week:?}");
    assert_eq!(previous_week[0]["at"], "2029-12-31T00:00:00.000Z");
    // The preview stays strictly after `from`.
    assert_eq!(
        next(&server, "0 0 * * 1", "UTC", "2030-01-07T00:00:00Z", 1),
        ["2030-01-14T00:00:00.000Z"]
    );
}
