//! The words sent to the model for `draft` and `refine`: what Backbeat is,
//! what each field means (5-field cron, POSIX sh body or AI instruction),
//! today's date and zone, and the user's request.

use backbeat_protocol::Task;
use serde_json::Value;

use super::Request;

const FIELDS: &str = "\
Fields of the answer:
- title: a short name for the job (at most 60 characters).
- type: \"script\" for anything a shell script can do (backups, clean-ups, syncs, checks, reports from commands). \
Use \"ai\" only when the user wants an AI agent to do the work (summarise, review, write, decide, research).
- body: for \"script\", a POSIX sh script run with /bin/sh in the working directory: no bash-only syntax, \
commands that exist on a typical Linux or macOS machine, absolute paths or paths relative to cwd, quoted \
variables, and `set -e` when later steps depend on earlier ones. For \"ai\", the instruction given to the AI \
agent on every run: a clear, self-contained task.
- schedule: when it runs.
  - kind \"cron\": expr is a standard 5-field crontab expression \"minute hour day-of-month month day-of-week\" \
(no seconds field; *, lists, ranges, steps and month/day names allowed; day-of-week 0 and 7 are Sunday) or one \
of @hourly, @daily, @weekly, @monthly, @yearly. Examples: \"0 9 * * 1-5\" = 09:00 on weekdays, \"*/15 * * * *\" \
= every 15 minutes, \"30 2 1 * *\" = 02:30 on the 1st of each month. timezone is an IANA name (e.g. \
\"Europe/Paris\") only when the user names a zone or place, else null (the machine's zone). at is null.
  - kind \"once\": a single run; at is an RFC 3339 timestamp with UTC offset in the future, computed from the \
current date and time below; expr and timezone are null.
  - kind \"manual\": only when the request gives no time at all; expr, timezone and at are null.
- cwd: an absolute working directory if the request implies one, else null (the user's home directory).
- timeoutMs: a time limit in milliseconds (1000 to 604800000) if the request asks for one, else null.
- notes: one or two sentences for the user: assumptions you made and anything to check before enabling the \
job (tools that must be installed, paths to adjust). Empty if there is nothing to say.";

/// The system prompt (instructions) for the task.
pub fn system(request: &Request) -> String {
    let role = match request.task {
        Task::Refine => {
            "You edit a job of Backbeat, a background job scheduler running on the user's machine. You get the \
             current job as JSON and a requested change. Apply the change and return the complete job; copy every \
             field the change does not touch unchanged from the current job."
        }
        _ => {
            "You turn a plain-language request into a job for Backbeat, a background job scheduler running on \
             the user's machine."
        }
    };
    format!(
        "{role} Answer only with the JSON object described by the schema. Do not run commands, read or change \
         files, or ask questions: make sensible assumptions and mention them in notes.\n\n{}\n\n{FIELDS}",
        request.now.sentence()
    )
}

/// The user's request.
pub fn user(request: &Request) -> String {
    match request.task {
        Task::Refine => {
            let current = serde_json::to_string_pretty(&Value::Object(request.current.clone()))
                .unwrap_or_else(|_| "{}".into());
            format!(
                "Current job:\n{current}\n\nRequested change: {}",
                request.instruction
            )
        }
        _ => format!("Create a job for this request: {}", request.description),
    }
}
