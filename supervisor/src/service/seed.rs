//! First launch: a few disabled example jobs showing a script, an AI
//! instruction, a cron schedule (with a time zone) and a once schedule.

use crate::db::{Connection, jobs};
use crate::model::{JobFields, Schedule};
use crate::time::{Millis, to_rfc3339};

fn example(title: &str, job_type: &str, body: &str, schedule: Schedule) -> JobFields {
    JobFields {
        enabled: false,
        ..JobFields::new(title, job_type, body, schedule)
    }
}

pub fn seed_examples(conn: &Connection, now: Millis) -> rusqlite::Result<()> {
    let examples = [
        example(
            "Example: disk usage report",
            "script",
            "# Prints the five largest directories in your home.\ndu -sh ~/* 2>/dev/null | sort -rh | head -n 5\n",
            Schedule::Manual,
        ),
        example(
            "Example: nightly notes backup",
            "script",
            "# Archives ~/notes into ~/backups, one file per day.\nmkdir -p ~/backups\ntar czf ~/backups/notes-$(date +%F).tgz -C ~ notes\n",
            Schedule::Cron {
                expr: "0 3 * * *".into(),
                timezone: Some("Europe/Paris".into()),
            },
        ),
        example(
            "Example: summarise new issues",
            "ai",
            "Summarise the GitHub issues opened in the last day in this repository and list the three most urgent.",
            Schedule::Cron {
                expr: "0 9 * * 1-5".into(),
                timezone: None,
            },
        ),
        example(
            "Example: one-time reminder",
            "script",
            "echo \"Time to review the quarterly report.\"\n",
            Schedule::Once {
                at: to_rfc3339(now + 7 * 24 * 3600 * 1000),
            },
        ),
    ];
    for job in &examples {
        jobs::insert(conn, job, now)?;
    }
    Ok(())
}
