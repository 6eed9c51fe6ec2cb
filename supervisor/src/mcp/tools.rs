//! The Backbeat MCP server: tools and resources over the supervisor's HTTP
//! API (one implementation for `backbeat mcp` on stdio and for `/mcp`).
//! API errors become MCP tool errors carrying the API's own message.

use std::io::Read;
use std::time::{Duration, Instant};

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolResult, ContentBlock, Implementation, ListResourcesResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
    ResourceContents, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, tool, tool_handler, tool_router};
use serde_json::{Value, json};

use super::params::*;
use crate::cli::http::Client;

/// Longest `run_job` wait, in seconds.
pub const MAX_WAIT_SECONDS: u64 = 120;
/// Lines of log returned by `run_job` and by default by `read_log`.
const TAIL_LINES: usize = 100;
/// Most log bytes returned by one `read_log`.
const MAX_LOG_CHUNK: u64 = 64 * 1024;
const RECENT_RUNS: u32 = 50;

type ToolResult = Result<CallToolResult, ErrorData>;

#[derive(Clone)]
pub struct BackbeatMcp {
    client: Client,
    tool_router: ToolRouter<Self>,
}

fn ok(value: Value) -> ToolResult {
    let text = serde_json::to_string_pretty(&value).unwrap_or_default();
    Ok(CallToolResult::success(vec![ContentBlock::text(text)]))
}

fn tool_error(message: impl Into<String>) -> ToolResult {
    Ok(CallToolResult::error(vec![ContentBlock::text(
        message.into(),
    )]))
}

/// The message an agent should see: the API's own for API errors.
fn message_of(error: &anyhow::Error) -> String {
    format!("{error:#}")
}

fn is_finished(run: &Value) -> bool {
    !matches!(run["status"].as_str(), Some("queued" | "running") | None)
}

/// The last `lines` lines of `text`.
fn last_lines(text: &str, lines: usize) -> String {
    let trimmed = text.strip_suffix('\n').unwrap_or(text);
    let start = trimmed
        .rmatch_indices('\n')
        .nth(lines.saturating_sub(1))
        .map(|(i, _)| i + 1)
        .unwrap_or(0);
    if lines == 0 {
        return String::new();
    }
    text[start..].to_string()
}

fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

impl BackbeatMcp {
    pub fn new(client: Client) -> BackbeatMcp {
        BackbeatMcp {
            client,
            tool_router: Self::tool_router(),
        }
    }

    async fn api(
        &self,
        method: &'static str,
        path: String,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let client = self.client.clone();
        tokio::task::spawn_blocking(move || client.call(method, &path, body.as_ref())).await?
    }

    /// Log text from `offset` (at most `MAX_LOG_CHUNK` bytes, cut at a
    /// character boundary).
    async fn log_from(&self, run_id: i64, offset: u64) -> anyhow::Result<String> {
        let client = self.client.clone();
        let path = format!("/api/runs/{run_id}/log?offset={offset}");
        let bytes = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<u8>> {
            let mut bytes = Vec::new();
            client
                .stream(&path)?
                .take(MAX_LOG_CHUNK)
                .read_to_end(&mut bytes)?;
            Ok(bytes)
        })
        .await??;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let mut end = text.len().min(MAX_LOG_CHUNK as usize);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        Ok(text[..end].to_string())
    }

    async fn tail(&self, run: &Value, lines: usize) -> anyhow::Result<String> {
        let run_id = run["id"].as_i64().unwrap_or_default();
        let size = run["logBytes"].as_u64().unwrap_or(0);
        let text = self
            .log_from(run_id, size.saturating_sub(MAX_LOG_CHUNK))
            .await?;
        Ok(last_lines(&text, lines))
    }

    async fn answer(&self, method: &'static str, path: String, body: Option<Value>) -> ToolResult {
        match self.api(method, path, body).await {
            Ok(value) => ok(value),
            Err(e) => tool_error(message_of(&e)),
        }
    }
}

#[tool_router]
impl BackbeatMcp {
    #[tool(
        description = "List all Backbeat jobs with their schedule, next run time, last run and usage totals."
    )]
    async fn list_jobs(&self) -> ToolResult {
        self.answer("GET", "/api/jobs".into(), None).await
    }

    #[tool(description = "Get one job with all its fields.")]
    async fn get_job(&self, Parameters(p): Parameters<JobId>) -> ToolResult {
        self.answer("GET", format!("/api/jobs/{}", p.job_id), None)
            .await
    }

    #[tool(
        description = "Create a job: a shell script (`type: script`) or an AI prompt (`type: ai`) on a cron schedule, once at a time, or manual. Answers with the stored job and its id. Check cron expressions with preview_cron first."
    )]
    async fn create_job(&self, Parameters(p): Parameters<CreateJob>) -> ToolResult {
        self.answer("POST", "/api/jobs".into(), Some(to_json(&p)))
            .await
    }

    #[tool(
        description = "Change a job: only the fields given change (e.g. `enabled: false` pauses it). Answers with the stored job."
    )]
    async fn update_job(&self, Parameters(p): Parameters<UpdateJob>) -> ToolResult {
        let path = format!("/api/jobs/{}", p.job_id);
        self.answer("PATCH", path, Some(to_json(&p))).await
    }

    #[tool(
        description = "Delete a job with its runs and logs, for good. Ask the user first; `confirmTitle` must be the job's exact title."
    )]
    async fn delete_job(&self, Parameters(p): Parameters<DeleteJob>) -> ToolResult {
        let path = format!("/api/jobs/{}", p.job_id);
        let job = match self.api("GET", path.clone(), None).await {
            Ok(job) => job,
            Err(e) => return tool_error(message_of(&e)),
        };
        let title = job["title"].as_str().unwrap_or_default();
        if title != p.confirm_title {
            return tool_error(format!(
                "not deleted: job {} is titled {title:?}, and confirmTitle was {:?}; pass the exact title to delete it",
                p.job_id, p.confirm_title
            ));
        }
        match self.api("DELETE", path, None).await {
            Ok(_) => ok(json!({"deleted": p.job_id, "title": title})),
            Err(e) => tool_error(message_of(&e)),
        }
    }

    #[tool(
        description = "Run a job now. With `waitSeconds` (up to 120) waits for the run to end and answers with its status, error and the last 100 lines of its log; otherwise answers at once with the queued run (follow it with get_run / read_log)."
    )]
    async fn run_job(&self, Parameters(p): Parameters<RunJob>) -> ToolResult {
        let body = p.env.as_ref().map(|env| json!({ "env": env }));
        let mut run = match self
            .api("POST", format!("/api/jobs/{}/runs", p.job_id), body)
            .await
        {
            Ok(run) => run,
            Err(e) => return tool_error(message_of(&e)),
        };
        let wait = p.wait_seconds.unwrap_or(0).min(MAX_WAIT_SECONDS);
        if wait == 0 {
            return ok(json!({ "run": run }));
        }
        let run_id = run["id"].as_i64().unwrap_or_default();
        let deadline = Instant::now() + Duration::from_secs(wait);
        while !is_finished(&run) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(250)).await;
            match self.api("GET", format!("/api/runs/{run_id}"), None).await {
                Ok(latest) => run = latest,
                Err(e) => return tool_error(message_of(&e)),
            }
        }
        let finished = is_finished(&run);
        let log_tail = match self.tail(&run, TAIL_LINES).await {
            Ok(tail) => tail,
            Err(e) => return tool_error(message_of(&e)),
        };
        ok(json!({
            "run": run,
            "finished": finished,
            "note": if finished { Value::Null } else { json!(format!("still {} after {wait} s; follow it with get_run / read_log", run["status"].as_str().unwrap_or(""))) },
            "logTail": log_tail,
        }))
    }

    #[tool(
        description = "List runs, newest first, optionally of one job and/or with given statuses (e.g. `failure,timeout`)."
    )]
    async fn list_runs(&self, Parameters(p): Parameters<ListRuns>) -> ToolResult {
        let query = {
            let mut query = form_urlencoded::Serializer::new(String::new());
            query.append_pair("limit", &p.limit.unwrap_or(20).to_string());
            if let Some(job) = p.job_id {
                query.append_pair("jobId", &job.to_string());
            }
            if let Some(status) = &p.status {
                query.append_pair("status", status);
            }
            query.finish()
        };
        let path = format!("/api/runs?{query}");
        self.answer("GET", path, None).await
    }

    #[tool(
        description = "Get one run: status, trigger, times, exit code, error, log size and usage (tokens, cost)."
    )]
    async fn get_run(&self, Parameters(p): Parameters<RunId>) -> ToolResult {
        self.answer("GET", format!("/api/runs/{}", p.run_id), None)
            .await
    }

    #[tool(
        description = "Read a run's log (stdout and stderr as written): the last `tail` lines (default 100), or up to 64 KiB from byte `offset` with `nextOffset` to continue."
    )]
    async fn read_log(&self, Parameters(p): Parameters<ReadLog>) -> ToolResult {
        let run = match self
            .api("GET", format!("/api/runs/{}", p.run_id), None)
            .await
        {
            Ok(run) => run,
            Err(e) => return tool_error(message_of(&e)),
        };
        let size = run["logBytes"].as_u64().unwrap_or(0);
        let status = run["status"].clone();
        match p.offset {
            Some(offset) => match self.log_from(p.run_id, offset).await {
                Ok(text) => ok(json!({
                    "runId": p.run_id,
                    "status": status,
                    "offset": offset,
                    "nextOffset": offset + text.len() as u64,
                    "logBytes": size,
                    "text": text,
                })),
                Err(e) => tool_error(message_of(&e)),
            },
            None => match self.tail(&run, p.tail.unwrap_or(TAIL_LINES)).await {
                Ok(text) => ok(json!({
                    "runId": p.run_id,
                    "status": status,
                    "logBytes": size,
                    "text": text,
                })),
                Err(e) => tool_error(message_of(&e)),
            },
        }
    }

    #[tool(description = "Stop a running run, or drop a queued one. Answers with the run.")]
    async fn stop_run(&self, Parameters(p): Parameters<RunId>) -> ToolResult {
        self.answer("POST", format!("/api/runs/{}/stop", p.run_id), None)
            .await
    }

    #[tool(
        description = "Check a cron expression: answers with its plain-English description and next fire times, or the error."
    )]
    async fn preview_cron(&self, Parameters(p): Parameters<PreviewCron>) -> ToolResult {
        let mut body = json!({ "expr": p.expr, "count": 5 });
        if let Some(tz) = p.timezone {
            body["timezone"] = json!(tz);
        }
        self.answer("POST", "/api/cron/preview".into(), Some(body))
            .await
    }

    #[tool(
        description = "The calendar: upcoming fire times of enabled jobs between `from` and `to` (default the next 7 days)."
    )]
    async fn upcoming(&self, Parameters(p): Parameters<Upcoming>) -> ToolResult {
        let query = {
            let mut query = form_urlencoded::Serializer::new(String::new());
            if let Some(from) = &p.from {
                query.append_pair("from", from);
            }
            if let Some(to) = &p.to {
                query.append_pair("to", to);
            }
            query.finish()
        };
        let path = format!("/api/schedule?{query}");
        self.answer("GET", path, None).await
    }
}

const JOBS_URI: &str = "backbeat://jobs";
const RUNS_URI: &str = "backbeat://runs/recent";

#[tool_handler(router = self.tool_router)]
impl ServerHandler for BackbeatMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new("backbeat", env!("CARGO_PKG_VERSION")))
        .with_instructions(
            "Backbeat schedules background jobs (shell scripts and AI prompts) on this machine. \
             Use list_jobs / get_job to inspect, create_job / update_job to schedule, run_job to \
             run now (waitSeconds to see the result), list_runs / get_run / read_log for history.",
        )
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        Ok(ListResourcesResult::with_all_items(vec![
            Resource::new(JOBS_URI, "jobs")
                .with_description("All jobs, as list_jobs answers")
                .with_mime_type("application/json"),
            Resource::new(RUNS_URI, "recent runs")
                .with_description("The 50 newest runs of all jobs")
                .with_mime_type("application/json"),
        ]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let path = match request.uri.as_str() {
            JOBS_URI => "/api/jobs".to_string(),
            RUNS_URI => format!("/api/runs?limit={RECENT_RUNS}"),
            other => {
                return Err(ErrorData::resource_not_found(
                    format!("no resource {other}; there are {JOBS_URI} and {RUNS_URI}"),
                    None,
                ));
            }
        };
        let value = self
            .api("GET", path, None)
            .await
            .map_err(|e| ErrorData::internal_error(message_of(&e), None))?;
        let text = serde_json::to_string_pretty(&value).unwrap_or_default();
        Ok(ReadResourceResult::new(vec![
            ResourceContents::text(text, request.uri).with_mime_type("application/json"),
        ])
        .into())
    }
}

#[cfg(test)]
mod tests {
    use super::last_lines;

    #[test]
    fn last_lines_keeps_the_end() {
        assert_eq!(last_lines("a\nb\nc\n", 2), "b\nc\n");
        assert_eq!(last_lines("a\nb\nc", 2), "b\nc");
        assert_eq!(last_lines("a\n", 5), "a\n");
        assert_eq!(last_lines("", 5), "");
    }
}
