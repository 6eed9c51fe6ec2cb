#!/usr/bin/env python3
"""Loopback mock of the Anthropic Messages API, for running the REAL `claude`
CLI end to end without an account (claude-runner's conformance tests).

    python3 mock_anthropic.py SCENARIO LOGFILE

Listens on 127.0.0.1 on a free port and prints `PORT <n>` as its first line.
Point claude at it through the Vertex provider with auth skipped:

    CLAUDE_CODE_USE_VERTEX=1 CLAUDE_CODE_SKIP_VERTEX_AUTH=1
    ANTHROPIC_VERTEX_BASE_URL=http://127.0.0.1:<n>/v1
    ANTHROPIC_VERTEX_PROJECT_ID=mock-project CLOUD_ML_REGION=us-east5

Scenarios:
  tool   first turn: a text block and a Bash tool call (`echo hello-from-tool`);
         once the tool result comes back: "Hi! Done."
  draft  when a StructuredOutput tool is offered: call it with DRAFT_ANSWER
  mcp    an agent driving Backbeat's MCP server: when the tool
         mcp__backbeat__create_job is offered, call it (a manual script job
         titled MCP_JOB_TITLE), then mcp__backbeat__run_job with the id
         read from its result (waitSeconds 30), then "Job ran."
  error  every request fails with HTTP 400
  ratelimit  every request fails with HTTP 429 rate_limit_error (with the
         anthropic-ratelimit-unified-* reset headers of a subscription limit)
  empty  answers with no content at all ("did nothing")
  nothing   answers exactly NOTHING_TO_REPORT
  summary   answers SUMMARY_TEXT (longer than 500 characters)
  hang   never answers (for stopping a run)

Each request is appended to LOGFILE as one JSON line (path, model, stream,
tool names and schemas, system prompt, message count, effort/thinking).
"""
import http.server
import itertools
import json
import re
import sys
import time

SCENARIO, LOG = sys.argv[1], sys.argv[2]
REQUESTS = itertools.count(1)
USAGE = {"input_tokens": 1200, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 800, "output_tokens": 1}
DRAFT_ANSWER = {
    "title": "Weekday PR summary",
    "type": "ai",
    "body": "Summarize yesterday's open pull requests and post the list.",
    "schedule": {"kind": "cron", "expr": "0 9 * * 1-5", "timezone": None, "at": None},
    "cwd": None,
    "timeoutMs": None,
    "notes": "Runs at 09:00 on weekdays.",
}
MCP_JOB_TITLE = "Made over MCP"
SUMMARY_TEXT = "Checked 3 repositories: " + "all green; " * 60 + "end."
RATE_LIMIT_RESET = 4102444800  # 2100-01-01T00:00:00Z


def blocks(message):
    content = message.get("content")
    return content if isinstance(content, list) else [{"type": "text", "text": content}]


def answer(n, request):
    """The content blocks and stop reason of the reply to request n."""
    tools = {t.get("name"): t for t in request.get("tools", [])}
    answered_tool = any(b.get("type") == "tool_result" for m in request.get("messages", []) for b in blocks(m))
    if SCENARIO == "draft" and "StructuredOutput" in tools and not answered_tool:
        call = {"type": "tool_use", "id": "toolu_so_%d" % n, "name": "StructuredOutput", "input": DRAFT_ANSWER}
        return [call], "tool_use"
    if SCENARIO == "mcp" and "mcp__backbeat__create_job" in tools:
        results = [b for m in request.get("messages", []) for b in blocks(m) if b.get("type") == "tool_result"]
        if not results:
            call = {"type": "tool_use", "id": "toolu_create_%d" % n, "name": "mcp__backbeat__create_job",
                    "input": {"title": MCP_JOB_TITLE, "type": "script", "body": "echo ran-from-mcp",
                              "schedule": {"kind": "manual"}}}
            return [call], "tool_use"
        if len(results) == 1:
            content = results[0].get("content")
            text = "".join(b.get("text", "") for b in content) if isinstance(content, list) else str(content)
            try:
                job_id = json.loads(text)["id"]
            except (ValueError, KeyError, TypeError):
                job_id = int((re.search(r'"id": (\d+)', text) or re.search(r"(\d+)", "0")).group(1))
            call = {"type": "tool_use", "id": "toolu_run_%d" % n, "name": "mcp__backbeat__run_job",
                    "input": {"jobId": job_id, "waitSeconds": 30}}
            return [call], "tool_use"
        return [{"type": "text", "text": "Job ran."}], "end_turn"
    if SCENARIO == "tool" and "Bash" in tools and not answered_tool:
        call = {"type": "tool_use", "id": "toolu_%d" % n, "name": "Bash",
                "input": {"command": "echo hello-from-tool", "description": "Print a greeting"}}
        return [{"type": "text", "text": "I'll run a quick command."}, call], "tool_use"
    if SCENARIO == "empty":
        return [], "end_turn"
    if SCENARIO == "nothing":
        return [{"type": "text", "text": "NOTHING_TO_REPORT"}], "end_turn"
    if SCENARIO == "summary":
        return [{"type": "text", "text": SUMMARY_TEXT}], "end_turn"
    return [{"type": "text", "text": "Hi! Done."}], "end_turn"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_GET(self):
        self.send_json(404, {"type": "error", "error": {"type": "not_found_error", "message": "mock"}})

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        try:
            request = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            request = {}
        n = next(REQUESTS)
        path = self.path.split("?")[0]
        model = request.get("model") or (path.rsplit("/models/", 1)[-1].split(":")[0] if "/models/" in path else None)
        with open(LOG, "a") as log:
            log.write(json.dumps({
                "n": n, "path": path, "model": model, "stream": bool(request.get("stream")),
                "tools": [t.get("name") for t in request.get("tools", [])],
                "schemas": {t.get("name"): t.get("input_schema") for t in request.get("tools", [])},
                "system": request.get("system"), "messages": len(request.get("messages", [])),
                "thinking": request.get("thinking"), "output_config": request.get("output_config"),
            }) + "\n")
        if not (path.endswith("/messages") or path.endswith(":streamRawPredict") or path.endswith(":rawPredict")):
            return self.send_json(404, {"type": "error", "error": {"type": "not_found_error", "message": "mock: no such route"}})
        if SCENARIO == "hang":
            time.sleep(120)
            return
        if SCENARIO == "error":
            return self.send_json(400, {"type": "error", "error": {"type": "invalid_request_error", "message": "mock: prompt is invalid"}})
        if SCENARIO == "ratelimit":
            data = json.dumps({"type": "error", "error": {"type": "rate_limit_error",
                                                          "message": "This request would exceed your account's rate limit. Please try again later."}}).encode()
            self.send_response(429)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.send_header("retry-after", "3600")
            self.send_header("anthropic-ratelimit-unified-status", "rejected")
            self.send_header("anthropic-ratelimit-unified-reset", str(RATE_LIMIT_RESET))
            self.send_header("anthropic-ratelimit-unified-representative-claim", "five_hour")
            self.end_headers()
            self.wfile.write(data)
            return
        content, stop = answer(n, request)
        message = {"id": "msg_mock_%d" % n, "type": "message", "role": "assistant", "model": model or "claude-mock",
                   "content": content, "stop_reason": stop, "stop_sequence": None, "usage": {**USAGE, "output_tokens": 42}}
        if not request.get("stream"):
            return self.send_json(200, message)
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.end_headers()
        self.event({"type": "message_start", "message": {**message, "content": [], "stop_reason": None, "usage": USAGE}})
        for index, block in enumerate(content):
            if block["type"] == "text":
                self.event({"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}})
                self.event({"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": block["text"]}})
            else:
                start = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
                self.event({"type": "content_block_start", "index": index, "content_block": start})
                delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
                self.event({"type": "content_block_delta", "index": index, "delta": delta})
            self.event({"type": "content_block_stop", "index": index})
        self.event({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None}, "usage": {"output_tokens": 42}})
        self.event({"type": "message_stop"})
        self.close_connection = True

    def event(self, body):
        self.wfile.write(("event: %s\ndata: %s\n\n" % (body["type"], json.dumps(body))).encode())
        self.wfile.flush()


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("PORT %d" % server.server_address[1], flush=True)
server.serve_forever()
