//! Turning a JSON body into the writable fields of a job (create or PATCH
//! merge), with every check of api.md: 400 for wrong JSON types, 422 for
//! invalid values, each naming its field.

use std::collections::BTreeMap;

use serde_json::Value;

use super::executor_options::{self, ExecutorOptions};
use super::job::{AiOverrides, Job, Overlap, Schedule};
use super::limits::{CatchUp, JobLimits};
use super::notify::{NotifySettings, parse_notify, parse_ping_url};
use crate::preferences::{
    AI_MODES, CLAUDE_EFFORTS, CODEX_EFFORTS, PERMISSION_MODES, Preferences, SANDBOXES,
};
use crate::scheduler::cron::CronSchedule;
use crate::time::{Millis, parse_rfc3339, to_rfc3339};
use crate::validation::{Collected, Fields, Invalid, in_range, one_of};

const WRITABLE: &[&str] = &[
    "title",
    "type",
    "body",
    "schedule",
    "enabled",
    "cwd",
    "env",
    "timeoutMs",
    "ai",
    "executorOptions",
    "overlap",
    "catchUp",
    "managedAs",
    "retry",
    "stallTimeoutMs",
    "longRunMs",
    "notify",
    "pingUrl",
    "tags",
];
/// Job fields the server computes: rejected on input, left out of an export.
pub const READ_ONLY: &[&str] = &[
    "id",
    "createdAt",
    "updatedAt",
    "nextRunAt",
    "lastRun",
    "usageTotals",
    "spentTodayUsd",
];
const MAX_TITLE_CHARS: usize = 200;
/// At most this many tags per job, each 1–`MAX_TAG_CHARS` of `[a-z0-9._-]`.
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 32;

/// What validation needs from the outside world.
pub struct ValidationContext<'a> {
    pub now: Millis,
    pub prefs: &'a Preferences,
    /// Is a runner binary of this name installed right now?
    pub executor_exists: &'a dyn Fn(&str) -> bool,
    /// The ids of the notification channels that exist.
    pub channel_ids: &'a [i64],
}

/// The writable fields of a job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobFields {
    pub title: String,
    pub job_type: String,
    pub body: String,
    pub schedule: Schedule,
    pub enabled: bool,
    pub cwd: Option<String>,
    pub env: BTreeMap<String, String>,
    pub timeout_ms: Option<i64>,
    pub ai: Option<AiOverrides>,
    pub executor_options: ExecutorOptions,
    pub overlap: Overlap,
    pub catch_up: CatchUp,
    pub limits: JobLimits,
    pub managed_as: Option<String>,
    pub notify: Option<NotifySettings>,
    pub ping_url: Option<String>,
    pub tags: Vec<String>,
}

impl JobFields {
    /// An enabled job with every optional field at its default.
    pub fn new(title: &str, job_type: &str, body: &str, schedule: Schedule) -> JobFields {
        JobFields {
            title: title.into(),
            job_type: job_type.into(),
            body: body.into(),
            schedule,
            enabled: true,
            cwd: None,
            env: Default::default(),
            timeout_ms: None,
            ai: None,
            executor_options: Default::default(),
            overlap: Overlap::Queue,
            catch_up: Default::default(),
            limits: Default::default(),
            managed_as: None,
            notify: None,
            ping_url: None,
            tags: Vec::new(),
        }
    }

    /// The stored job these fields make with `id`, created (and anchored) at `at`.
    #[cfg(test)]
    pub(crate) fn into_job(self, id: i64, at: Millis) -> Job {
        Job {
            id,
            title: self.title,
            job_type: self.job_type,
            body: self.body,
            schedule: self.schedule,
            enabled: self.enabled,
            cwd: self.cwd,
            env: self.env,
            timeout_ms: self.timeout_ms,
            ai: self.ai,
            executor_options: self.executor_options,
            overlap: self.overlap,
            catch_up: self.catch_up,
            limits: self.limits,
            notify: self.notify,
            ping_url: self.ping_url,
            created_at: at,
            updated_at: at,
            anchor_at: at,
            managed_as: self.managed_as,
            tags: self.tags,
        }
    }

    pub fn from_job(job: &Job) -> JobFields {
        JobFields {
            title: job.title.clone(),
            job_type: job.job_type.clone(),
            body: job.body.clone(),
            schedule: job.schedule.clone(),
            enabled: job.enabled,
            cwd: job.cwd.clone(),
            env: job.env.clone(),
            timeout_ms: job.timeout_ms,
            ai: job.ai.clone(),
            executor_options: job.executor_options.clone(),
            overlap: job.overlap,
            catch_up: job.catch_up,
            managed_as: job.managed_as.clone(),
            limits: job.limits,
            notify: job.notify.clone(),
            ping_url: job.ping_url.clone(),
            tags: job.tags.clone(),
        }
    }

    /// A new job from a POST body.
    pub fn parse_create(body: &Value, ctx: &ValidationContext) -> Result<JobFields, Invalid> {
        let fields = Fields::of(body, "")?;
        let mut errors = Collected::default();
        errors.take(fields.reject_unknown(WRITABLE, READ_ONLY));
        let job = JobFields {
            title: errors.take(fields.req_str("title").and_then(parse_title)),
            job_type: errors.take(fields.req_str("type").and_then(parse_type)),
            body: errors.take(fields.req_str("body").and_then(parse_body)),
            schedule: errors.take_or(
                fields.opt_object("schedule").and_then(|schedule| {
                    let schedule =
                        schedule.ok_or_else(|| Invalid::value("schedule", "is required"))?;
                    parse_schedule(&schedule, ctx.now)
                }),
                Schedule::Manual,
            ),
            enabled: errors.take(fields.opt_bool("enabled")).unwrap_or(true),
            cwd: errors.take(parse_cwd(&fields)),
            env: errors.take(parse_env(&fields)),
            timeout_ms: errors.take(parse_timeout(&fields)),
            ai: errors.take(parse_ai(&fields, ctx.prefs)),
            executor_options: errors.take(executor_options::parse(&fields)),
            overlap: errors
                .take(parse_overlap(&fields))
                .unwrap_or(Overlap::Queue),
            catch_up: errors
                .take(CatchUp::from_field(&fields))
                .unwrap_or_default(),
            limits: {
                let mut limits = JobLimits::default();
                errors.take(limits.merge(&fields));
                limits
            },
            managed_as: errors.take(parse_managed_as(&fields)),
            notify: errors.take(parse_notify(&fields, ctx.channel_ids)),
            ping_url: errors.take(parse_ping_url(&fields)),
            tags: errors.take(parse_tags(&fields)),
        };
        if !job.job_type.is_empty() {
            errors.take(job.check_executor(ctx));
        }
        errors.finish()?;
        Ok(job)
    }

    /// `existing` with the fields present in a PATCH body replaced.
    pub fn parse_patch(
        existing: &Job,
        body: &Value,
        ctx: &ValidationContext,
    ) -> Result<JobFields, Invalid> {
        let fields = Fields::of(body, "")?;
        let mut errors = Collected::default();
        errors.take(fields.reject_unknown(WRITABLE, READ_ONLY));
        let mut job = JobFields::from_job(existing);
        for key in [
            "title", "type", "body", "schedule", "enabled", "env", "overlap", "catchUp",
        ] {
            if let Some(Value::Null) = fields.raw(key) {
                errors.push(Invalid::value(key, "cannot be null"));
            }
        }
        if let Some(title) = errors.take(fields.opt_str("title")) {
            job.title = errors.take_or(parse_title(title), job.title);
        }
        let mut executor_changed = false;
        if let Some(job_type) = errors.take(fields.opt_str("type")) {
            executor_changed |= job_type != job.job_type;
            job.job_type = errors.take_or(parse_type(job_type), job.job_type);
        }
        if let Some(body) = errors.take(fields.opt_str("body")) {
            job.body = errors.take_or(parse_body(body), job.body);
        }
        if let Some(schedule) = errors.take(fields.opt_object("schedule")) {
            // Sending back the schedule a job already has (e.g. a GET
            // result of a fired once-job) is not a change to validate.
            let unchanged = fields
                .raw("schedule")
                .and_then(|v| serde_json::from_value::<Schedule>(v.clone()).ok())
                == Some(existing.schedule.clone());
            if !unchanged {
                job.schedule = errors.take_or(parse_schedule(&schedule, ctx.now), job.schedule);
            }
        }
        if let Some(enabled) = errors.take(fields.opt_bool("enabled")) {
            if enabled
                && !existing.enabled
                && let Schedule::Once { at } = &job.schedule
                && parse_rfc3339(at).is_some_and(|at| at <= ctx.now)
            {
                errors.push(Invalid::value(
                    "schedule.at",
                    format!(
                        "{at} has passed; set a new time in schedule.at to enable this job again"
                    ),
                ));
            }
            job.enabled = enabled;
        }
        if fields.has("cwd") {
            job.cwd = errors.take_or(parse_cwd(&fields), job.cwd);
        }
        if fields.has("env") {
            job.env = errors.take_or(parse_env(&fields), job.env);
        }
        if fields.has("timeoutMs") {
            job.timeout_ms = errors.take_or(parse_timeout(&fields), job.timeout_ms);
        }
        if fields.has("ai") {
            let ai = errors.take_or(parse_ai(&fields, ctx.prefs), job.ai.clone());
            executor_changed |= ai.as_ref().and_then(|a| a.mode.clone())
                != job.ai.as_ref().and_then(|a| a.mode.clone());
            job.ai = ai;
        }
        if fields.has("executorOptions") {
            job.executor_options =
                errors.take_or(executor_options::parse(&fields), job.executor_options);
        }
        if let Some(overlap) = errors.take(parse_overlap(&fields)) {
            job.overlap = overlap;
        }
        if let Some(catch_up) = errors.take(CatchUp::from_field(&fields)) {
            job.catch_up = catch_up;
        }
        if fields.has("managedAs") {
            job.managed_as = errors.take_or(parse_managed_as(&fields), job.managed_as);
        }
        errors.take(job.limits.merge(&fields));
        if fields.has("notify") {
            job.notify = errors.take_or(parse_notify(&fields, ctx.channel_ids), job.notify);
        }
        if fields.has("pingUrl") {
            job.ping_url = errors.take_or(parse_ping_url(&fields), job.ping_url);
        }
        if fields.has("tags") {
            job.tags = errors.take_or(parse_tags(&fields), job.tags);
        }
        if executor_changed && errors.is_empty() {
            errors.take(job.check_executor(ctx));
        }
        errors.finish()?;
        Ok(job)
    }

    fn check_executor(&self, ctx: &ValidationContext) -> Result<(), Invalid> {
        let binary =
            crate::runner::registry::runner_binary_for(&self.job_type, self.ai.as_ref(), ctx.prefs);
        if (ctx.executor_exists)(&binary) {
            Ok(())
        } else {
            Err(Invalid::value(
                "type",
                format!(
                    "no executor for type {:?}: {binary} was not found in the executors directory, next to backbeat, or on PATH",
                    self.job_type
                ),
            ))
        }
    }
}

fn parse_title(title: &str) -> Result<String, Invalid> {
    let title = title.trim();
    if title.is_empty() {
        return Err(Invalid::value("title", "must not be empty"));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(Invalid::value(
            "title",
            format!("must be at most {MAX_TITLE_CHARS} characters"),
        ));
    }
    Ok(title.to_string())
}

/// `script`, `ai`, or a custom executor name `[a-z][a-z0-9-]{0,31}`.
pub fn parse_type(job_type: &str) -> Result<String, Invalid> {
    let valid = job_type.len() <= 32
        && job_type.starts_with(|c: char| c.is_ascii_lowercase())
        && job_type
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(job_type.to_string())
    } else {
        Err(Invalid::value(
            "type",
            format!(
                "{job_type:?} is not a job type: use \"script\", \"ai\", or a custom executor name matching [a-z][a-z0-9-]{{0,31}}"
            ),
        ))
    }
}

fn parse_body(body: &str) -> Result<String, Invalid> {
    if body.trim().is_empty() {
        return Err(Invalid::value("body", "must not be empty"));
    }
    if body.contains('\0') {
        return Err(Invalid::value("body", "must not contain NUL bytes"));
    }
    Ok(body.to_string())
}

pub fn parse_schedule(schedule: &Fields, now: Millis) -> Result<Schedule, Invalid> {
    let kind = schedule.req_str("kind")?;
    match kind {
        "cron" => {
            schedule.reject_unknown(&["kind", "expr", "timezone"], &[])?;
            let expr = schedule.req_str("expr")?;
            let timezone = schedule
                .opt_str("timezone")?
                .filter(|tz| !tz.trim().is_empty());
            CronSchedule::parse(expr, timezone)?;
            Ok(Schedule::Cron {
                expr: expr.trim().to_string(),
                timezone: timezone.map(|tz| tz.trim().to_string()),
            })
        }
        "once" => {
            schedule.reject_unknown(&["kind", "at"], &[])?;
            let at = schedule.req_str("at")?;
            let at_ms = parse_rfc3339(at).ok_or_else(|| {
                Invalid::value(
                    "schedule.at",
                    format!("{at:?} is not an RFC 3339 timestamp like 2026-11-24T09:00:00Z"),
                )
            })?;
            if at_ms <= now {
                return Err(Invalid::value(
                    "schedule.at",
                    format!("{at} is in the past; pick a future time"),
                ));
            }
            Ok(Schedule::Once {
                at: to_rfc3339(at_ms),
            })
        }
        "manual" => {
            schedule.reject_unknown(&["kind"], &[])?;
            Ok(Schedule::Manual)
        }
        other => Err(Invalid::value(
            "schedule.kind",
            format!("must be \"cron\", \"once\" or \"manual\", got {other:?}"),
        )),
    }
}

fn parse_cwd(fields: &Fields) -> Result<Option<String>, Invalid> {
    match fields.opt_str("cwd")? {
        None => Ok(None),
        Some(cwd) if cwd.trim().is_empty() => Ok(None),
        Some(cwd) if cwd.contains('\0') => Err(Invalid::value("cwd", "must not contain NUL bytes")),
        Some(cwd) if !cwd.starts_with('/') => Err(Invalid::value(
            "cwd",
            format!("must be an absolute path (or null for your home directory), got {cwd:?}"),
        )),
        Some(cwd) => Ok(Some(cwd.to_string())),
    }
}

fn parse_env(fields: &Fields) -> Result<BTreeMap<String, String>, Invalid> {
    let Some(env) = fields.opt_object("env")? else {
        return Ok(BTreeMap::new());
    };
    parse_env_map(&env)
}

/// An env object: names `[A-Za-z_][A-Za-z0-9_]*`, string values.
pub fn parse_env_map(env: &Fields) -> Result<BTreeMap<String, String>, Invalid> {
    let mut out = BTreeMap::new();
    for name in env.keys() {
        let value = env
            .opt_str(name)?
            .ok_or_else(|| Invalid::wrong_type(env.path(name), "a string"))?;
        let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(Invalid::value(
                env.path(name),
                "is not a valid variable name: use letters, digits and _, not starting with a digit",
            ));
        }
        if value.contains('\0') {
            return Err(Invalid::value(env.path(name), "must not contain NUL bytes"));
        }
        out.insert(name.clone(), value.to_string());
    }
    Ok(out)
}

/// The job's name in a jobs file (`backbeat import --sync`); empty = none.
fn parse_managed_as(fields: &Fields) -> Result<Option<String>, Invalid> {
    match fields.opt_str("managedAs")?.map(str::trim) {
        None | Some("") => Ok(None),
        Some(name) if name.chars().count() > MAX_TITLE_CHARS => Err(Invalid::value(
            "managedAs",
            format!("must be at most {MAX_TITLE_CHARS} characters"),
        )),
        Some(name) => Ok(Some(name.to_string())),
    }
}

/// `tags`: a list (null = none). Each tag is trimmed and lowercased, then
/// must be 1–32 characters of `a-z 0-9 . _ -`; repeats are dropped, the
/// order kept.
fn parse_tags(fields: &Fields) -> Result<Vec<String>, Invalid> {
    let Some(items) = fields.opt_array("tags")? else {
        return Ok(Vec::new());
    };
    let mut tags: Vec<String> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let field = format!("tags[{index}]");
        let text = item
            .as_str()
            .ok_or_else(|| Invalid::wrong_type(field.clone(), "a string"))?;
        let tag = normalize_tag(text).map_err(|why| Invalid::value(field, why))?;
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(Invalid::value(
            "tags",
            format!("has {} tags; a job can have at most {MAX_TAGS}", tags.len()),
        ));
    }
    Ok(tags)
}

/// A tag as stored (trimmed, lowercase), or why `text` cannot be one.
pub fn normalize_tag(text: &str) -> Result<String, String> {
    let tag = text.trim().to_lowercase();
    if tag.is_empty() {
        return Err("must not be empty".into());
    }
    if tag.chars().count() > MAX_TAG_CHARS {
        return Err(format!(
            "{text:?} is longer than {MAX_TAG_CHARS} characters"
        ));
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
    if !tag.chars().all(allowed) {
        return Err(format!(
            "{text:?} is not a tag: use letters a-z, digits and . _ - (upper case is lowered)"
        ));
    }
    Ok(tag)
}

fn parse_timeout(fields: &Fields) -> Result<Option<i64>, Invalid> {
    let timeout = fields.opt_i64("timeoutMs")?;
    if let Some(ms) = timeout {
        in_range("timeoutMs", ms, 1000, 604_800_000)?;
    }
    Ok(timeout)
}

fn parse_overlap(fields: &Fields) -> Result<Option<Overlap>, Invalid> {
    match fields.opt_str("overlap")? {
        None => Ok(None),
        Some(text) => Overlap::parse(text).map(Some).ok_or_else(|| {
            Invalid::value(
                "overlap",
                format!("must be \"queue\", \"skip\" or \"parallel\", got {text:?}"),
            )
        }),
    }
}

/// `ai.session`: start each run fresh, or continue the previous run's session.
const AI_SESSIONS: &[&str] = &["fresh", "continue"];

fn parse_ai(fields: &Fields, prefs: &Preferences) -> Result<Option<AiOverrides>, Invalid> {
    let Some(ai) = fields.opt_object("ai")? else {
        return Ok(None);
    };
    ai.reject_unknown(
        &[
            "mode",
            "model",
            "effort",
            "permissionMode",
            "sandbox",
            "dailyBudgetUsd",
            "maxBudgetUsd",
            "maxTokens",
            "session",
        ],
        &[],
    )?;
    let get = |key: &str| -> Result<Option<String>, Invalid> {
        Ok(ai
            .opt_str(key)?
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string))
    };
    let overrides = AiOverrides {
        mode: get("mode")?,
        model: get("model")?,
        effort: get("effort")?,
        permission_mode: get("permissionMode")?,
        sandbox: get("sandbox")?,
        daily_budget_usd: ai.opt_usd("dailyBudgetUsd")?,
        max_budget_usd: ai.opt_usd("maxBudgetUsd")?,
        max_tokens: ai.opt_i64("maxTokens")?,
        session: get("session")?,
    };
    if let Some(tokens) = overrides.max_tokens {
        in_range("ai.maxTokens", tokens, 1, 1_000_000_000_000)?;
    }
    if let Some(session) = &overrides.session {
        one_of("ai.session", session, AI_SESSIONS)?;
    }
    if let Some(mode) = &overrides.mode {
        one_of("ai.mode", mode, AI_MODES)?;
    }
    let mode = overrides.mode.as_deref().unwrap_or(&prefs.ai_mode);
    if let Some(effort) = &overrides.effort {
        let efforts = if mode == "codex" {
            CODEX_EFFORTS
        } else {
            CLAUDE_EFFORTS
        };
        one_of("ai.effort", effort, &efforts[1..])?;
    }
    if let Some(permission_mode) = &overrides.permission_mode {
        one_of("ai.permissionMode", permission_mode, PERMISSION_MODES)?;
    }
    if let Some(sandbox) = &overrides.sandbox {
        one_of("ai.sandbox", sandbox, SANDBOXES)?;
    }
    Ok(if overrides == AiOverrides::default() {
        None
    } else {
        Some(overrides)
    })
}
