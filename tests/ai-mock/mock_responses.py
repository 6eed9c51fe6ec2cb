#!/usr/bin/env python3
"""Loopback mock of the OpenAI Responses API (`wire_api = "responses"`), for
running the REAL `codex` CLI end to end without an account (codex-runner's
conformance tests).

    python3 mock_responses.py SCENARIO LOGFILE

Listens on 127.0.0.1 on a free port and prints `PORT <n>` as its first line.
Point codex at it with a custom provider (needs no auth) in
`$CODEX_HOME/config.toml`:

    model_provider = "mock"
    [model_providers.mock]
    name = "mock"
    base_url = "http://127.0.0.1:<n>/v1"
    wire_api = "responses"

Scenarios:
  tool   first turn: a reasoning summary and a shell call
         (`echo hello-from-tool`); once its output comes back, a message
  draft  a message whose text is DRAFT_ANSWER as JSON
  fail   every response fails (codex retries, then `turn.failed`)
  hang   never answers (for stopping a run)
  ratelimit  every request fails with HTTP 429 and a ChatGPT-style
         `usage_limit_reached` error body whose `resets_at` is RATE_LIMIT_RESET

Each POST is appended to LOGFILE as one JSON line (path, model, reasoning,
text format, tool names, input item types).
"""
import http.server
import itertools
import json
import sys
import time

SCENARIO, LOG = sys.argv[1], sys.argv[2]
RATE_LIMIT_RESET = 4102444800  # 2100-01-01T00:00:00Z
REQUESTS = itertools.count(1)
USAGE = {"input_tokens": 1234, "input_tokens_details": {"cached_tokens": 1000},
         "output_tokens": 56, "output_tokens_details": {"reasoning_tokens": 20}, "total_tokens": 1290}
DRAFT_ANSWER = {
    "title": "Disk usage report",
    "type": "script",
    "body": "df -h /",
    "schedule": {"kind": "cron", "expr": "30 7 * * 1", "timezone": "Europe/Paris", "at": None},
    "cwd": None,
    "timeoutMs": 60000,
    "notes": "Prints the disk usage of /.",
}


def shell_call(n, tools):
    """A call of whichever shell tool codex offers."""
    command = "echo hello-from-tool"
    if "exec_command" in tools:
        name, arguments = "exec_command", {"cmd": command}
    elif "shell_command" in tools:
        name, arguments = "shell_command", {"command": command}
    else:
        name, arguments = "shell", {"command": ["bash", "-lc", command]}
    return {"type": "function_call", "id": "fc_%d" % n, "call_id": "call_%d" % n,
            "name": name, "arguments": json.dumps(arguments)}


def message(n, text):
    return {"type": "message", "id": "msg_%d" % n, "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.split("?")[0].endswith("/models"):
            return self.reply(200, {"models": []})
        self.reply(404, {"error": {"message": "mock: no such route"}})

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            request = json.loads(raw or b"{}")
        except ValueError:
            request = {}
        n = next(REQUESTS)
        inputs = request.get("input") or []
        tools = [t.get("name") for t in request.get("tools", []) if t.get("type") == "function"]
        with open(LOG, "a") as log:
            log.write(json.dumps({
                "n": n, "path": self.path, "encoding": self.headers.get("content-encoding"),
                "model": request.get("model"), "reasoning": request.get("reasoning"), "text": request.get("text"),
                "tools": [t.get("name") or t.get("type") for t in request.get("tools", [])],
                "input_types": [i.get("type") for i in inputs],
            }) + "\n")
        if SCENARIO == "hang":
            time.sleep(120)
            return
        if not self.path.split("?")[0].endswith("/responses"):
            return self.reply(404, {"error": {"message": "mock: no such route"}})
        if SCENARIO == "ratelimit":
            return self.reply(429, {"error": {"type": "usage_limit_reached", "message": "The usage limit has been reached",
                                              "plan_type": "plus", "resets_at": RATE_LIMIT_RESET,
                                              "resets_in_seconds": 3600}})
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.end_headers()
        response_id = "resp_%d" % n
        self.event({"type": "response.created", "response": {"id": response_id}})
        if SCENARIO == "fail":
            error = {"code": "server_error", "message": "mock upstream failure"}
            self.event({"type": "response.failed", "response": {"id": response_id, "error": error}})
            self.close_connection = True
            return
        tool_answered = any(i.get("type") in ("function_call_output", "custom_tool_call_output") for i in inputs)
        if SCENARIO == "tool" and not tool_answered:
            summary = "**Checking the directory**\n\nI will print a greeting first."
            reasoning = {"type": "reasoning", "id": "rs_%d" % n, "summary": [{"type": "summary_text", "text": summary}]}
            items = [reasoning, shell_call(n, tools)]
        elif SCENARIO == "draft":
            items = [message(n, json.dumps(DRAFT_ANSWER))]
        else:
            items = [message(n, "Hi! The command printed hello-from-tool.")]
        for index, item in enumerate(items):
            self.event({"type": "response.output_item.added", "output_index": index, "item": item})
            self.event({"type": "response.output_item.done", "output_index": index, "item": item})
        self.event({"type": "response.completed", "response": {"id": response_id, "usage": USAGE}})
        self.close_connection = True

    def event(self, body):
        self.wfile.write(("event: %s\ndata: %s\n\n" % (body["type"], json.dumps(body))).encode())
        self.wfile.flush()


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("PORT %d" % server.server_address[1], flush=True)
server.serve_forever()
