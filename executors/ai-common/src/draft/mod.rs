//! AI authoring (`draft` and `refine` tasks): the request read from
//! `start`, the JSON Schema the CLI must answer with, the prompts, and the
//! `draft` message. The answer is normalised in [`normalize`].
//!
//! The schema is written for OpenAI's strict structured output (every
//! property required, `additionalProperties: false`, `null` for "none"),
//! which claude's `--json-schema` accepts as well.

mod normalize;
mod prompt;

pub use normalize::{Draft, normalize, parse_answer_text};

use backbeat_protocol::{ExecutorMessage, LineWriter, RunResult, Start, Task};
use serde_json::{Map, Value, json};

use crate::clock::Now;

/// Fields of the current job shown to the model for `refine`. Never the
/// job's `env` (it may hold secrets) nor its AI settings.
const SHOWN_FIELDS: &[&str] = &["title", "type", "body", "schedule", "cwd", "timeoutMs"];

/// What the user asked for, read from a `draft` or `refine` start message.
#[derive(Debug, Clone)]
pub struct Request {
    pub task: Task,
    /// `draft`: the plain-language description.
    pub description: String,
    /// `refine`: the current job (only [`SHOWN_FIELDS`]).
    pub current: Map<String, Value>,
    /// `refine`: the requested change.
    pub instruction: String,
    pub now: Now,
}

impl Request {
    pub fn from_start(start: &Start) -> Result<Request, String> {
        let text = |key: &str| {
            start
                .job
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        let now = Now::from_settings(&start.settings);
        match start.task {
            Task::Draft => {
                let description = text("description");
                if description.is_empty() {
                    return Err("nothing to draft: the description is empty".into());
                }
                Ok(Request {
                    task: start.task,
                    description,
                    current: Map::new(),
                    instruction: String::new(),
                    now,
                })
            }
            Task::Refine => {
                let instruction = text("instruction");
                if instruction.is_empty() {
                    return Err("nothing to refine: the instruction is empty".into());
                }
                let current = SHOWN_FIELDS
                    .iter()
                    .filter_map(|key| start.job.get(*key).map(|v| ((*key).to_owned(), v.clone())))
                    .collect();
                Ok(Request {
                    task: start.task,
                    description: String::new(),
                    current,
                    instruction,
                    now,
                })
            }
            Task::Run => Err("not an authoring task".into()),
        }
    }

    /// The job type to use when the model gives none: `script` for a new
    /// job, the current type when refining.
    pub fn default_type(&self) -> &str {
        self.current
            .get("type")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .unwrap_or("script")
    }

    /// Instructions for the model (claude: `--append-system-prompt`).
    pub fn system_prompt(&self) -> String {
        prompt::system(self)
    }

    /// The user's part: the description, or the current job and the change.
    pub fn user_prompt(&self) -> String {
        prompt::user(self)
    }

    /// Both in one text, for CLIs without a system prompt flag (codex).
    pub fn combined_prompt(&self) -> String {
        format!("{}\n\n---\n\n{}", self.system_prompt(), self.user_prompt())
    }

    /// Normalises the model's answer into a draft (see [`normalize`]).
    pub fn normalize(&self, answer: &Value) -> Result<Draft, String> {
        normalize(answer, self.default_type())
    }
}

/// The JSON Schema of the model's answer.
pub fn schema() -> Value {
    let nullable =
        |kind: &str, description: &str| json!({"type": [kind, "null"], "description": description});
    json!({
        "type": "object",
        "properties": {
            "title": {"type": "string", "description": "Short name of the job, at most 60 characters"},
            "type": {"type": "string", "enum": ["script", "ai"],
                     "description": "script: body is a POSIX sh script; ai: body is an instruction for an AI agent"},
            "body": {"type": "string", "description": "The sh script, or the AI instruction"},
            "schedule": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": ["cron", "once", "manual"]},
                    "expr": nullable("string", "kind cron: a 5-field crontab expression or @daily-style alias; else null"),
                    "timezone": nullable("string", "kind cron: IANA time zone name, or null for the machine's zone"),
                    "at": nullable("string", "kind once: RFC 3339 timestamp with UTC offset; else null"),
                },
                "required": ["kind", "expr", "timezone", "at"],
                "additionalProperties": false,
            },
            "cwd": nullable("string", "Absolute working directory, or null for the user's home directory"),
            "timeoutMs": nullable("integer", "Time limit in milliseconds (1000 to 604800000), or null for the default"),
            "notes": {"type": "string", "description": "One or two sentences for the user: assumptions, things to check"},
        },
        "required": ["title", "type", "body", "schedule", "cwd", "timeoutMs", "notes"],
        "additionalProperties": false,
    })
}

/// Sends the `draft` message; the caller then reports success.
pub fn send(out: &LineWriter, draft: Draft) -> RunResult {
    let message = ExecutorMessage::Draft {
        draft: draft.draft,
        notes: draft.notes,
    };
    match out.send(&message) {
        Ok(()) => RunResult::success(),
        Err(e) => RunResult::failure(None, format!("could not send the draft: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use backbeat_protocol::decode_supervisor_line;

    fn start(line: &str) -> Start {
        match decode_supervisor_line(line.as_bytes()).unwrap() {
            backbeat_protocol::Decoded::Message(backbeat_protocol::SupervisorMessage::Start(s)) => {
                *s
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn strict_schema_requires_every_property() {
        fn check(schema: &Value) {
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                assert_eq!(required.len(), props.len());
                assert!(props.keys().all(|k| required.contains(&k.as_str())));
                assert_eq!(schema["additionalProperties"], false);
                props.values().for_each(check);
            }
        }
        check(&schema());
    }

    #[test]
    fn refine_shows_the_job_without_its_env() {
        let s = start(
            r#"{"type":"start","protocol":1,"task":"refine","job":{"title":"T","type":"ai","body":"b",
            "schedule":{"kind":"manual"},"env":{"TOKEN":"secret"},"instruction":"daily at 9"},"settings":{}}"#,
        );
        let request = Request::from_start(&s).unwrap();
        assert_eq!(request.default_type(), "ai");
        let prompt = request.user_prompt();
        assert!(
            prompt.contains("daily at 9") && prompt.contains("\"title\": \"T\""),
            "{prompt}"
        );
        assert!(!prompt.contains("secret"));
    }

    #[test]
    fn empty_requests_are_refused() {
        let s = start(r#"{"type":"start","protocol":1,"task":"draft","job":{"description":"  "}}"#);
        assert!(Request::from_start(&s).unwrap_err().contains("empty"));
    }
}
