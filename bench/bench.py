#!/usr/bin/env python3
"""Backbeat benchmark: boots the real release binary in throw-away
directories, measures the design targets of PRODUCT.md ("Design targets")
and prints a table of figure / target / measured / pass-or-miss.

A benchmark, not a gate: it always exits 0 once it could measure. Only the
Python standard library is used. Run it through `scripts/bench`, which
builds the release binaries first; `--quick` shortens every phase (fewer
samples, smaller sizes), `--only a,b` runs some phases (start-lag, trigger,
throughput, idle, history, stdout, sse).

Every figure is measured from the outside, over the public HTTP API and
/proc, the way a user would see it; where the server also records the
times (queuedAt, startedAt, finishedAt) those are reported beside the
client-side numbers. How each figure is taken is printed with it.
"""

import argparse
import datetime as dt
import http.client
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

TOKEN = "bench-token-0123456789abcdef"
MB = 1_000_000
MiB = 1 << 20
GiB = 1 << 30


# ---------------------------------------------------------------- helpers


def now_ns():
    return time.time_ns()


def iso(ms):
    """RFC 3339 UTC with milliseconds, as the API writes it."""
    t = dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ms % 1000):03d}Z"


def parse_ms(text):
    """RFC 3339 (as the API writes it) -> epoch milliseconds."""
    if text is None:
        return None
    t = dt.datetime.strptime(text.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z")
    return round(t.timestamp() * 1000)


def pct(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(values)
    if not s:
        return float("nan")
    k = max(1, math.ceil(p / 100 * len(s)))
    return s[min(k, len(s)) - 1]


def median(values):
    return pct(values, 50)


def log(msg):
    print(f"  {msg}", flush=True)


def fmt_ms(v):
    if v != v:  # NaN
        return "n/a"
    if v < 1:
        return f"{v * 1000:.0f} µs"
    if v < 10:
        return f"{v:.2f} ms"
    return f"{v:.1f} ms"


# ------------------------------------------------------------------ /proc


def proc_status(pid):
    """VmRSS and VmHWM in KiB."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:", "RssAnon:", "RssFile:")):
                key, value = line.split(":", 1)
                out[key] = int(value.split()[0])
    return out


def thread_cpu_ns(pid):
    """On-CPU nanoseconds of each live thread (schedstat, ns precision)."""
    out = {}
    base = f"/proc/{pid}/task"
    for tid in os.listdir(base):
        try:
            with open(f"{base}/{tid}/schedstat") as f:
                out[tid] = int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError, ValueError):
            pass
    return out


def process_cpu_ticks(pid, children=False):
    """utime+stime of the whole process (incl. exited threads), in ticks;
    with `children`, cutime+cstime instead (children it has waited for)."""
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    if children:
        return int(rest[13]) + int(rest[14])
    return int(rest[11]) + int(rest[12])


def mapped_rss_kib(pid, path):
    """Resident KiB of the mappings of file `path` in process `pid`."""
    total, current = 0, None
    try:
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                    parts = line.split()
                    current = parts[5] if len(parts) > 5 else None
                elif line.startswith("Rss:") and current == path:
                    total += int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return total


def child_pids(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out.extend(int(x) for x in f.read().split())
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


CLK_TCK = os.sysconf("SC_CLK_TCK")


def machine_busy(since=None):
    """Whole-machine CPU counters (/proc/stat); with `since`, the busy
    share of all cores in between."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    total = sum(fields[:8])
    if since is None:
        return (idle, total)
    d_total = total - since[1]
    d_idle = idle - since[0]
    return {"busy_pct": 100 * (d_total - d_idle) / max(1, d_total), "cores": os.cpu_count()}


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


class CpuMeter:
    """CPU time of a process over a window: the sum of per-thread
    schedstat deltas (ns precision; threads that appear count from 0, a
    thread that exits in the window loses its last delta), cross-checked
    with utime+stime (10 ms ticks, but includes exited threads)."""

    def __init__(self, pid):
        self.pid = pid
        self.t0 = time.monotonic()
        self.threads0 = thread_cpu_ns(pid)
        self.ticks0 = process_cpu_ticks(pid)

    def read(self):
        elapsed = time.monotonic() - self.t0
        threads = thread_cpu_ns(self.pid)
        ns = sum(v - self.threads0.get(tid, 0) for tid, v in threads.items())
        ticks = process_cpu_ticks(self.pid) - self.ticks0
        return elapsed, ns, ticks * 1e9 / CLK_TCK


class WakeProbe:
    """A control for machine noise: a thread that sleeps to every 50 ms
    boundary and records how late it woke. If it sees the same spikes as
    a figure, the machine (other processes), not Backbeat, caused them."""

    def __init__(self):
        self.late = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        step = 50_000_000
        while not self.stopping.is_set():
            target = (now_ns() // step + 1) * step
            time.sleep(max(0, target - now_ns()) / 1e9)
            self.late.append((now_ns() - target) / 1e6)

    def stop(self):
        self.stopping.set()
        self.thread.join()
        late = self.late
        self.p50 = pct(late, 50)
        self.p99 = pct(late, 99)
        return f"control (a sleeping thread's wake-up lateness, {len(late)} wake-ups): p50 {fmt_ms(pct(late, 50))}, p99 {fmt_ms(pct(late, 99))}, max {fmt_ms(max(late))}"


class Share:
    """Who used the machine's CPU over a window: the supervisor (all its
    threads), its executor processes (reaped children), this client, and
    everything else (other programs on this machine)."""

    def __init__(self, pid):
        self.pid = pid
        self.machine = machine_busy()
        self.cpu = CpuMeter(pid)
        self.children0 = process_cpu_ticks(pid, children=True)
        self.self0 = self._self_cpu()
        self.t0 = time.monotonic()

    @staticmethod
    def _self_cpu():
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    def read(self):
        wall = time.monotonic() - self.t0
        busy = machine_busy(self.machine)
        _, sup_ns, _ = self.cpu.read()
        children = (process_cpu_ticks(self.pid, children=True) - self.children0) / CLK_TCK
        client = self._self_cpu() - self.self0
        capacity = busy["cores"] * wall
        out = {
            "wall": wall,
            "cores": busy["cores"],
            "busy_pct": busy["busy_pct"],
            "supervisor_s": sup_ns / 1e9,
            "executors_s": children,
            "client_s": client,
        }
        out["others_pct"] = busy["busy_pct"] - (sup_ns / 1e9 + children + client) / capacity * 100
        return out

    @staticmethod
    def describe(r):
        return (
            f"CPU over the phase ({r['cores']} cores, {r['wall']:.1f} s, machine {r['busy_pct']:.0f} % busy): "
            f"supervisor {r['supervisor_s']:.2f} s, executors {r['executors_s']:.2f} s, this client {r['client_s']:.2f} s, "
            f"other programs {max(0, r['others_pct']):.0f} % of the machine"
        )


# ------------------------------------------------------------------- HTTP


class Api:
    """A keep-alive HTTP/1.1 client for one server."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def _connect(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def raw(self, method, path, body=None):
        headers = {"Authorization": f"Bearer {TOKEN}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in range(3):
            try:
                if self.conn is None:
                    self.conn = self._connect()
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                payload = resp.read()
                if resp.will_close:
                    self.conn.close()
                    self.conn = None
                return resp.status, payload
            except (ConnectionError, http.client.HTTPException, socket.timeout):
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                time.sleep(0.05)

    def call(self, method, path, body=None, ok=(200, 201, 202, 204)):
        status, payload = self.raw(method, path, body)
        if status not in ok:
            raise RuntimeError(f"{method} {path} -> {status}: {payload[:300]!r}")
        return json.loads(payload) if payload else None

    def get(self, path):
        return self.call("GET", path)

    def post(self, path, body=None):
        return self.call("POST", path, body if body is not None else {})

    def patch(self, path, body):
        return self.call("PATCH", path, body)

    def create_job(self, title, body, schedule, **extra):
        job = {"title": title, "type": "script", "body": body, "schedule": schedule}
        job.update(extra)
        return self.post("/api/jobs", job)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Sse:
    """A Server-Sent Events client on its own thread: calls
    `on_event(recv_ns, name, data)` for every event, with the time the
    bytes carrying it arrived. Speaks just enough HTTP/1.1 (chunked)."""

    def __init__(self, port, path, on_event):
        self.on_event = on_event
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=300)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        req = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {TOKEN}\r\nAccept: text/event-stream\r\n\r\n"
        )
        self.sock.sendall(req.encode())
        self.closed = threading.Event()
        self.opened = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        if not self.opened.wait(10):
            raise RuntimeError(f"SSE {path}: no response headers")
        if self.error:
            raise RuntimeError(f"SSE {path}: {self.error}")

    def _run(self):
        buf = b""
        try:
            # Headers.
            while b"\r\n\r\n" not in buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("closed before headers")
                buf += chunk
            head, buf = buf.split(b"\r\n\r\n", 1)
            status = head.split(b"\r\n", 1)[0]
            if b" 200 " not in status + b" ":
                self.error = status.decode(errors="replace")
                self.opened.set()
                return
            chunked = b"transfer-encoding: chunked" in head.lower()
            self.opened.set()
            body = b""  # de-chunked bytes not yet parsed into events
            recv_ns = now_ns()
            while True:
                # De-chunk what we have.
                if chunked:
                    while True:
                        if b"\r\n" not in buf:
                            break
                        size_line, rest = buf.split(b"\r\n", 1)
                        size = int(size_line.split(b";")[0], 16)
                        if size == 0:
                            self._events(body, recv_ns)
                            return
                        if len(rest) < size + 2:
                            break
                        body += rest[:size]
                        buf = rest[size + 2 :]
                else:
                    body += buf
                    buf = b""
                body = self._events(body, recv_ns)
                chunk = self.sock.recv(1 << 20)
                recv_ns = now_ns()
                if not chunk:
                    return
                buf += chunk
        except OSError as e:
            if not self.closed.is_set():
                self.error = str(e)
        finally:
            self.opened.set()
            self.closed.set()

    def _events(self, body, recv_ns):
        while b"\n\n" in body:
            block, body = body.split(b"\n\n", 1)
            name, data = "message", []
            for line in block.decode("utf-8", errors="replace").split("\n"):
                if line.startswith(":"):
                    continue
                key, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if key == "event":
                    name = value
                elif key == "data":
                    data.append(value)
            if data:
                self.on_event(recv_ns, name, "\n".join(data))
        return body

    def close(self):
        self.closed.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


# ----------------------------------------------------------------- server


class Server:
    """The real `backbeat` binary in its own temporary directories."""

    def __init__(self, bench, name, env=None):
        self.bench = bench
        self.dir = tempfile.mkdtemp(prefix=f"{name}.", dir=bench.tmp)
        self.data = os.path.join(self.dir, "data")
        self.extra_env = env or {}
        self.proc = None
        self.api = None
        self.port = None

    def start(self):
        env = dict(os.environ)
        for key in ("BACKBEAT_AUTH", "BACKBEAT_DISABLE_SCHEDULER", "BACKBEAT_ALLOWED_HOSTS"):
            env.pop(key, None)
        env.update(
            PORT="0",
            HOST="127.0.0.1",
            BACKBEAT_DATA_DIR=self.data,
            BACKBEAT_CONFIG_DIR=os.path.join(self.dir, "config"),
            BACKBEAT_TOKEN=TOKEN,
        )
        env.update(self.extra_env)
        out_path = os.path.join(self.dir, "stdout.log")
        offset = os.path.getsize(out_path) if os.path.exists(out_path) else 0
        out = open(out_path, "ab")
        err = open(os.path.join(self.dir, "stderr.log"), "ab")
        self.proc = subprocess.Popen(
            [self.bench.binary],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            cwd=self.dir,
        )
        out.close()
        err.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with open(out_path, "rb") as f:
                f.seek(offset)
                text = f.read().decode(errors="replace")
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", text)
            if m and "dashboard:" in text:
                self.port = int(m.group(1))
                self.api = Api(self.port)
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.01)
        raise RuntimeError(f"backbeat did not start; see {self.dir}/stderr.log")

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.api:
            self.api.close()
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self):
        self.stop()
        return self.start()

    def log_path(self, job_id, run_id):
        return os.path.join(self.data, "logs", str(job_id), f"{run_id}.log")

    def wait_idle(self, timeout=600):
        """Until no run is queued or running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            page = self.api.get("/api/runs?status=queued,running&limit=1")
            if not page["runs"]:
                return True
            time.sleep(0.05)
        return False

    def runs_of(self, job_id):
        """Every run of a job (keyset pages of 500)."""
        runs, before = [], None
        while True:
            path = f"/api/runs?jobId={job_id}&limit=500"
            if before:
                path += f"&before={before}"
            page = self.api.get(path)
            runs.extend(page["runs"])
            before = page["nextBefore"]
            if not before:
                return runs


# ---------------------------------------------------------------- results


class Result:
    def __init__(self, figure, target, measured, ok, notes=()):
        self.figure = figure
        self.target = target
        self.measured = measured
        self.ok = ok  # True, False or None (not measured)
        self.notes = list(notes)
        self.noise = None  # why the machine, not Backbeat, may explain a miss
        self.ms = None  # a per-run latency in ms, compared with the spawn floor


def measure_floor(n):
    """p50 and p99 (ms) of a bare `sh -c true`: posix_spawn + waitpid.

    No scheduler can start and finish a process faster than this machine
    spawns one, so per-run figures are also given as a multiple of it."""
    times = []
    for _ in range(n):
        t0 = now_ns()
        pid = os.posix_spawn("/bin/sh", ["sh", "-c", "true"], os.environ)
        os.waitpid(pid, 0)
        times.append((now_ns() - t0) / 1e6)
    return pct(times, 50), pct(times, 99)


class Bench:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.binary = os.path.abspath(os.path.join(args.bin_dir, "backbeat"))
        self.tmp = tempfile.mkdtemp(prefix="backbeat-bench.")
        self.results = []
        self.servers = []

    def server(self, name, env=None):
        s = Server(self, name, env)
        self.servers.append(s)
        return s

    def done_with(self, server):
        server.stop()
        if not self.args.keep:
            shutil.rmtree(server.dir, ignore_errors=True)

    def add(self, result):
        self.results.append(result)
        mark = {True: "pass", False: "MISS", None: "n/a"}[result.ok]
        print(f"  => {result.figure}: {result.measured} [{mark}]", flush=True)

    def cleanup(self):
        for s in self.servers:
            try:
                s.stop()
            except Exception:
                pass
        if self.args.keep:
            print(f"\nkept the temporary directories in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


# ------------------------------------------------------------- start lag


class ExecTrace:
    """Exact fork/exec/exit times of processes from the kernel (`perf
    record` of the sched_process_* tracepoints, CLOCK_MONOTONIC, converted
    to wall-clock ns). Optional: `available` is False without perf or the
    right to trace the whole system (root)."""

    LINE = re.compile(r"^\s*(\d+)\.(\d+): sched:sched_process_(exec|fork|exit): (.*)$")

    def __init__(self, directory):
        self.data = os.path.join(directory, "exec.perf")
        self.proc = None
        self.why = None
        if not shutil.which("perf"):
            self.why = "perf not installed"
            return
        err_path = os.path.join(directory, "perf.err")
        with open(err_path, "wb") as err:
            self.proc = subprocess.Popen(
                ["perf", "record", "-q", "-a", "-k", "monotonic",
                 "-e", "sched:sched_process_exec", "-e", "sched:sched_process_fork",
                 "-e", "sched:sched_process_exit", "-o", self.data],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
            )
        time.sleep(1.0)
        if self.proc.poll() is not None:
            with open(err_path, "rb") as f:
                self.why = "perf record failed: " + f.read().decode(errors="replace").strip()[:200]
            self.proc = None

    @property
    def available(self):
        return self.proc is not None

    def stop(self):
        """Stops recording and returns the Timeline (None if unavailable)."""
        if self.proc is None:
            return None
        offset = time.time_ns() - time.monotonic_ns()
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        text = subprocess.run(
            ["perf", "script", "-i", self.data, "--ns", "-F", "time,event,trace"],
            capture_output=True, text=True, check=False,
        ).stdout
        return Timeline(text, offset)


class Timeline:
    """Process events parsed from `perf script`: exec (filename, pid),
    fork (parent tid -> child pid), exit (pid, when the whole process
    ended)."""

    def __init__(self, text, offset):
        self.execs = []  # (ns, pid, filename)
        self.forks = {}  # child pid -> (ns, parent tid)
        self.exits = {}  # tid -> (ns, whole process ended)
        self.children = {}  # parent tid -> [child pid]
        for line in text.splitlines():
            m = ExecTrace.LINE.match(line)
            if not m:
                continue
            t = int(m.group(1)) * 1_000_000_000 + int(m.group(2).ljust(9, "0")[:9]) + offset
            kind, rest = m.group(3), m.group(4)
            fields = dict(kv.split("=", 1) for kv in re.findall(r"(\w+=\S+)", rest))
            if kind == "exec":
                self.execs.append((t, int(fields["pid"]), fields["filename"]))
            elif kind == "fork":
                child, parent = int(fields["child_pid"]), int(fields["pid"])
                self.forks[child] = (t, parent)
                self.children.setdefault(parent, []).append(child)
            elif kind == "exit":
                self.exits.setdefault(int(fields["pid"]), (t, fields.get("group_dead", "true") == "true"))
        self.execs.sort()

    def runner(self, path, t_from, t_to):
        """The first run of executor `path` exec'd in [t_from, t_to): when
        the supervisor forked it, it exec'd, its /bin/sh exec'd and
        exited, and it exited (ns; None where not seen)."""
        path = os.path.realpath(path)
        exec_pids = {e[1] for e in self.execs}
        for t, pid, filename in self.execs:
            if t_from <= t < t_to and os.path.realpath(filename) == path:
                out = {"fork": self.forks.get(pid, (None,))[0], "exec": t, "exit": None}
                out["sh_exec"] = out["sh_exit"] = None
                # The process ends with the exit of its last thread (the
                # main one or one it started), marked group_dead.
                for tid in [pid] + [c for c in self.children.get(pid, []) if c not in exec_pids]:
                    ended = self.exits.get(tid)
                    if ended and ended[1]:
                        out["exit"] = ended[0]
                for child in self.children.get(pid, []):
                    sh = [e for e in self.execs if e[1] == child and os.path.basename(e[2]) == "sh"]
                    if sh:
                        out["sh_exec"] = sh[0][0]
                        out["sh_exit"] = self.exits.get(child, (None,))[0]
                        break
                return out
        return None


def segments(rows, names):
    """Medians of consecutive differences between the named timestamps
    (ns) of each row, in ms, as 'a → b p50 X' strings."""
    parts = []
    for a, b in zip(names, names[1:]):
        values = [(r[b] - r[a]) / 1e6 for r in rows if r.get(a) is not None and r.get(b) is not None]
        if values:
            parts.append(f"{a} → {b} {fmt_ms(median(values))}")
    return ", ".join(parts)


def bench_start_lag(b):
    """Once-jobs due at distinct whole seconds (one per second, so each
    sample is a lone due job), body `date +%s%N; date +%s%N`. The job's
    process is the `/bin/sh -c <body>` that sh-runner starts: with perf
    (root), the kernel's exec time of that sh - due second is the figure,
    and the exec of sh-runner is shown as well. Without perf, the figure
    falls back to the first `date` stamp minus the cost of one date exec
    (the gap between the two stamps). Also shown: the first stamp itself
    and the server-recorded startedAt - scheduledFor (taken after
    spawning sh-runner and writing its start message)."""
    n = 12 if b.quick else 50
    s = b.server("startlag").start()
    api = s.api
    first_due = (now_ns() // 1_000_000_000 + 3) * 1000
    for i in range(n):
        at = first_due + i * 1000
        if at <= now_ns() // 1_000_000 + 1200:
            raise RuntimeError("job creation too slow for the start-lag schedule")
        api.create_job(
            f"lag {i}",
            "date +%s%N; date +%s%N",
            {"kind": "once", "at": iso(at)},
        )
    trace = ExecTrace(s.dir)
    probe = WakeProbe()
    share = Share(s.pid)
    log(f"{n} once-jobs due one per second from {iso(first_due)}; process trace: {'perf' if trace.available else trace.why}")
    time.sleep(max(0, (first_due + n * 1000 - now_ns() / 1e6) / 1000) + 1.0)
    used = share.read()
    timeline = trace.stop()
    control = probe.stop()
    if not s.wait_idle(60):
        raise RuntimeError("start-lag runs did not finish")
    page = api.get("/api/runs?limit=500")
    runs = [r for r in page["runs"] if r["trigger"] == "schedule"]
    runner = os.path.join(b.args.bin_dir, "sh-runner")
    stamp_lags, corrected, date_costs, started, runner_lags, sh_lags = [], [], [], [], [], []
    rows = []
    for r in runs:
        if r["status"] != "success":
            log(f"run {r['id']} ended {r['status']}: {r['error']}")
            continue
        due_ns = parse_ms(r["scheduledFor"]) * 1_000_000
        with open(s.log_path(r["jobId"], r["id"])) as f:
            stamps = [int(x) for x in f.read().split()[:2]]
        stamp_lags.append((stamps[0] - due_ns) / 1e6)
        date_costs.append((stamps[1] - stamps[0]) / 1e6)
        corrected.append((2 * stamps[0] - stamps[1] - due_ns) / 1e6)
        started.append(parse_ms(r["startedAt"]) - parse_ms(r["scheduledFor"]))
        t = timeline.runner(runner, due_ns, due_ns + 1_000_000_000) if timeline else None
        if t and t["sh_exec"]:
            runner_lags.append((t["exec"] - due_ns) / 1e6)
            sh_lags.append((t["sh_exec"] - due_ns) / 1e6)
            rows.append({"due": due_ns, "queuedAt": parse_ms(r["queuedAt"]) * 1_000_000,
                         "fork": t["fork"], "sh-runner exec": t["exec"], "sh exec": t["sh_exec"]})
    b.done_with(s)
    if len(stamp_lags) < n:
        log(f"only {len(stamp_lags)} of {n} scheduled runs succeeded")
    use_trace = len(sh_lags) == len(stamp_lags) and sh_lags
    lags = sh_lags if use_trace else corrected
    how = "kernel exec time of the job's sh" if use_trace else "first date stamp − one date exec"
    p50, p99 = pct(lags, 50), pct(lags, 99)

    def dist(values):
        return f"p50 {fmt_ms(pct(values, 50))}, p90 {fmt_ms(pct(values, 90))}, p99 {fmt_ms(pct(values, 99))}, max {fmt_ms(max(values))}"

    notes = [f"figure from: {how}"]
    if use_trace:
        notes += [
            f"due → sh-runner exec'd (perf): {dist(runner_lags)}",
            f"due → job's /bin/sh exec'd (perf): {dist(sh_lags)}",
            "medians of the steps: " + segments(rows, ["due", "queuedAt", "fork", "sh-runner exec", "sh exec"]),
            "  (queuedAt has ms resolution; fork = the supervisor forks sh-runner; sh exec = sh-runner's /bin/sh is running)",
        ]
        slow = sorted(rows, key=lambda r: r["sh exec"] - r["due"])[-3:]
        notes += [f"  slow sample at {iso(r['due'] // 1_000_000)}: " + segments([r], ["due", "queuedAt", "fork", "sh-runner exec", "sh exec"]) for r in reversed(slow)]
    else:
        notes.append(f"process trace unavailable ({trace.why or f'matched {len(sh_lags)} of {len(stamp_lags)} runs'})")
    notes += [
        f"due → first `date` stamp inside the job: {dist(stamp_lags)}",
        f"one `date` exec (gap between the two stamps), median {fmt_ms(median(date_costs))}; stamp − that: {dist(corrected)}",
        f"server startedAt − scheduledFor (ms resolution): p50 {median(started)} ms, p99 {pct(started, 99)} ms, max {max(started)} ms",
        control,
        Share.describe(used),
    ]
    result = Result(
        "start lag: due second → job process running",
        "p50 ≤ 5 ms, p99 ≤ 20 ms",
        f"p50 {fmt_ms(p50)}, p99 {fmt_ms(p99)} (n={len(lags)})",
        p50 <= 5 and p99 <= 20 and len(lags) == n,
        notes,
    )
    result.ms = p50
    # Noise can explain a missed p99 when the control's own p99 is a good
    # part of the target; a missed median only when the control's is.
    if (p99 > 20 and probe.p99 > 10) or (p50 > 5 and (probe.p50 > 1 or used["others_pct"] > 15)):
        result.noise = (
            f"a plain sleeping thread woke up {fmt_ms(probe.p50)} (p50) / {fmt_ms(probe.p99)} (p99) late, "
            f"other programs used {max(0, used['others_pct']):.0f} % of the CPU during this phase"
        )
    b.add(result)


# ------------------------------------------------------- trigger → success


def bench_trigger(b):
    """A manual `true` job run one at a time: client time from sending
    POST /api/jobs/{id}/runs to receiving the `event: run` with status
    success on GET /api/events, and the server's finishedAt - queuedAt."""
    n = 60 if b.quick else 200
    s = b.server("trigger").start()
    api = s.api
    job = api.create_job("true", "true", {"kind": "manual"})
    finished = {}
    cond = threading.Condition()

    def on_event(recv_ns, name, data):
        if name != "run":
            return
        run = json.loads(data)
        if run["status"] in ("success", "failure", "timeout", "dropped"):
            with cond:
                finished.setdefault(run["id"], (recv_ns, run))
                cond.notify_all()

    feed = Sse(s.port, "/api/events", on_event)
    share = Share(s.pid)
    client, server, phase1, phase2 = [], [], [], []
    windows = []
    trace = ExecTrace(s.dir)
    for i in range(n + 5):
        t0 = now_ns()
        run = api.post(f"/api/jobs/{job['id']}/runs")
        with cond:
            if not cond.wait_for(lambda: run["id"] in finished, timeout=30):
                raise RuntimeError(f"run {run['id']} did not finish")
            recv_ns, final = finished[run["id"]]
        if final["status"] != "success":
            raise RuntimeError(f"run {run['id']} ended {final['status']}: {final['error']}")
        if i >= 5:  # the first few warm caches
            client.append((recv_ns - t0) / 1e6)
            server.append(parse_ms(final["finishedAt"]) - parse_ms(final["queuedAt"]))
            phase1.append(parse_ms(final["startedAt"]) - parse_ms(final["queuedAt"]))
            phase2.append(parse_ms(final["finishedAt"]) - parse_ms(final["startedAt"]))
            windows.append((t0, recv_ns, final))
        time.sleep(0.01)
    feed.close()
    used = share.read()
    timeline = trace.stop()
    rows = []
    if timeline:
        runner = os.path.join(b.args.bin_dir, "sh-runner")
        for t0, recv_ns, final in windows:
            t = timeline.runner(runner, t0, recv_ns)
            if t:
                rows.append({"POST sent": t0, "fork": t["fork"], "sh-runner exec": t["exec"],
                             "sh exec": t["sh_exec"], "sh exit": t["sh_exit"],
                             "sh-runner exit": t["exit"], "event received": recv_ns})
    b.done_with(s)
    m = median(client)
    result = (
        Result(
            "trigger → success recorded (`true` job)",
            "≤ 5 ms median",
            f"median {fmt_ms(m)} client, {median(server)} ms server (n={n})",
            m <= 5,
            [
                f"client POST → `event: run` success: p50 {fmt_ms(m)}, p90 {fmt_ms(pct(client, 90))}, p99 {fmt_ms(pct(client, 99))}, min {fmt_ms(min(client))}",
                f"server finishedAt − queuedAt (ms resolution): p50 {median(server)} ms, p90 {pct(server, 90)} ms, p99 {pct(server, 99)} ms",
                f"  of which queuedAt → startedAt (sh-runner spawned, start sent) p50 {median(phase1)} ms, startedAt → finishedAt p50 {median(phase2)} ms",
            ]
            + ([f"medians of the steps (perf, {len(rows)} runs): " + segments(rows, ["POST sent", "fork", "sh-runner exec", "sh exec", "sh exit", "sh-runner exit", "event received"])]
               if rows else [f"process trace unavailable: {trace.why}"])
            + [Share.describe(used)],
        )
    )
    if used["others_pct"] > 15:
        result.noise = f"other programs used {used['others_pct']:.0f} % of the machine's CPU during this phase"
    result.ms = m
    b.add(result)


# -------------------------------------------------------------- throughput


def bench_throughput(b):
    """maxConcurrentRuns 8; N manual runs of a builtin-only body
    (`true; echo ok-$BACKBEAT_RUN_ID`, i.e. a `true` run that writes one
    log line). So that the client's POST rate does not limit the figure,
    the N runs are queued behind a blocker run (`sleep`, with
    maxConcurrentRuns 1), then maxConcurrentRuns goes to 8 and the blocker
    is stopped, which releases the queue. Rate = N / (last finishedAt -
    the moment the stop request was sent), one wall clock. Then every run
    must be `success` and every log file must hold exactly its own line."""
    n = 500 if b.quick else 2000
    s = b.server("throughput").start()
    api = s.api
    api.patch("/api/preferences", {"maxConcurrentRuns": 1, "logRetentionPerJob": 1_000_000})
    blocker_job = api.create_job("blocker", "sleep 600", {"kind": "manual"})
    blocker = api.post(f"/api/jobs/{blocker_job['id']}/runs")
    job = api.create_job("true", 'true; echo "ok-$BACKBEAT_RUN_ID"', {"kind": "manual"})
    post_ms = []
    ids = []
    t0 = time.monotonic()
    for _ in range(n):
        t1 = time.perf_counter_ns()
        ids.append(api.post(f"/api/jobs/{job['id']}/runs")["id"])
        post_ms.append((time.perf_counter_ns() - t1) / 1e6)
    t_posted = time.monotonic() - t0
    queued = api.get("/api/runs?status=queued&limit=1")
    if api.get(f"/api/runs/{blocker['id']}")["status"] != "running":
        raise RuntimeError("the blocker run is not running")
    api.patch("/api/preferences", {"maxConcurrentRuns": 8})
    cpu = CpuMeter(s.pid)
    children0 = process_cpu_ticks(s.pid, children=True)
    machine = machine_busy()
    t0 = time.monotonic()
    stop_sent = now_ns() // 1_000_000
    api.post(f"/api/runs/{blocker['id']}/stop")
    if not s.wait_idle(300):
        raise RuntimeError("throughput runs did not finish")
    t_done = time.monotonic() - t0
    _, cpu_ns, _ = cpu.read()
    busy = machine_busy(machine)
    children_ms = (process_cpu_ticks(s.pid, children=True) - children0) * 1000 / CLK_TCK
    blocker_done = parse_ms(api.get(f"/api/runs/{blocker['id']}")["finishedAt"])
    runs = s.runs_of(job["id"])
    by_id = {r["id"]: r for r in runs}
    lost = [i for i in ids if i not in by_id]
    not_ok = [r for r in runs if r["status"] != "success"]
    bad_logs = 0
    for r in runs:
        try:
            with open(s.log_path(job["id"], r["id"])) as f:
                text = f.read()
        except FileNotFoundError:
            text = None
        if text != f"ok-{r['id']}\n" or r["logBytes"] != len(text or ""):
            bad_logs += 1
    first_start = min(parse_ms(r["startedAt"]) for r in runs if r["startedAt"])
    last = max(parse_ms(r["finishedAt"]) for r in runs if r["finishedAt"])
    released = min(stop_sent, first_start)
    rate = n / ((last - released) / 1000)
    b.done_with(s)
    ok = rate >= 500 and not lost and not not_ok and bad_logs == 0
    wall_s = (last - released) / 1000
    ours_pct = (cpu_ns / 1e9 + children_ms / 1000) / (busy["cores"] * wall_s) * 100
    others_pct = busy["busy_pct"] - ours_pct
    ceiling = busy["cores"] * 1000 * n / (cpu_ns / 1e6 + children_ms)
    result = (
        Result(
            "throughput of `true` runs, 8 at once",
            "≥ 500 runs/s, logs written, none lost",
            f"{rate:.0f} runs/s; {len(lost)} lost, {len(not_ok)} not success, {bad_logs} bad logs (n={n})",
            ok,
            [
                f"stop of the blocker sent → last finishedAt = {(last - released) / 1000:.2f} s (first startedAt +{first_start - stop_sent} ms, blocker finishedAt +{blocker_done - stop_sent} ms)",
                f"client: released → all finished observed after {t_done:.2f} s (polled every 50 ms)",
                f"CPU per run: supervisor {cpu_ns / 1e6 / n:.2f} ms, executor processes (sh-runner + sh, as reaped) {children_ms / n:.2f} ms; at that cost {busy['cores']} cores allow at most {busy['cores'] * 1000 * n / (cpu_ns / 1e6 + children_ms):.0f} runs/s",
                f"whole machine {busy['busy_pct']:.0f} % busy during the batch (supervisor, executors, this client and whatever else runs here)",
                f"queueing the {n} runs (one keep-alive client): {n / t_posted:.0f} POST/s, p50 {fmt_ms(median(post_ms))}, p99 {fmt_ms(pct(post_ms, 99))}",
            ]
            + [f"not success: run {r['id']} {r['status']}: {r['error']}" for r in not_ok[:3]],
        )
    )
    result.notes.append(f"Backbeat's processes used {ours_pct:.0f} % of the machine's CPU, everything else {others_pct:.0f} %")
    if others_pct > 10 and ceiling >= 500:
        result.noise = f"other processes took {others_pct:.0f} % of the CPU meanwhile; Backbeat's own CPU cost per run allows {ceiling:.0f} runs/s on {busy['cores']} idle cores"
    b.add(result)


# ------------------------------------------------------------ idle + tick


def cron_exprs(count):
    """Daily UTC cron expressions that cannot fire within the next hour."""
    hour = dt.datetime.now(dt.timezone.utc).hour
    hours = [h for h in range(24) if h not in (hour, (hour + 1) % 24)]
    out = []
    for i in range(count):
        out.append(f"{i % 60} {hours[(i // 60) % len(hours)]} * * *")
    return out


def create_cron_jobs(server, start, count):
    """`count` enabled cron jobs over up to 2 connections."""
    exprs = cron_exprs(start + count)[start:]
    errors = []

    def worker(part):
        api = Api(server.port)
        try:
            for i, expr in part:
                api.create_job(f"cron {i}", "true", {"kind": "cron", "expr": expr, "timezone": "UTC"})
        except Exception as e:  # noqa: BLE001
            errors.append(e)
        finally:
            api.close()

    items = list(enumerate(exprs, start))
    threads = [threading.Thread(target=worker, args=(items[k::2],)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def tick_metrics(server):
    """The supervisor's own tick accounting from GET /metrics, if it has
    any: (ticks, seconds spent deciding ticks, longest tick) or None."""
    try:
        status, payload = server.api.raw("GET", "/metrics")
    except Exception:  # noqa: BLE001
        return None
    if status != 200:
        return None
    values = {}
    for line in payload.decode(errors="replace").splitlines():
        parts = line.split()
        if len(parts) == 2 and not line.startswith("#"):
            try:
                values[parts[0]] = float(parts[1])
            except ValueError:
                pass
    keys = ("backbeat_scheduler_ticks_total", "backbeat_scheduler_tick_seconds_total", "backbeat_scheduler_tick_seconds_max")
    if not all(k in values for k in keys):
        return None
    return tuple(values[k] for k in keys)


def sample_idle(server, seconds):
    """CPU and RSS of an untouched server over `seconds` (and the
    supervisor's own tick accounting, read just before and after)."""
    metrics0 = tick_metrics(server)
    server.api.close()
    time.sleep(0.5)
    cpu = CpuMeter(server.pid)
    rss = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        rss.append(proc_status(server.pid)["VmRSS"])
        time.sleep(0.5)
    elapsed, ns, tick_ns = cpu.read()
    status = proc_status(server.pid)
    rss.append(status["VmRSS"])
    metrics1 = tick_metrics(server)
    server.api.close()
    own = None
    if metrics0 and metrics1 and metrics1[0] > metrics0[0]:
        own = {
            "ticks": int(metrics1[0] - metrics0[0]),
            "mean_ms": (metrics1[1] - metrics0[1]) / (metrics1[0] - metrics0[0]) * 1000,
            "max_ms": metrics1[2] * 1000,
        }
    return {
        "own": own,
        "binary": mapped_rss_kib(server.pid, server.bench.binary),
        "anon": status["RssAnon"],
        "file": status["RssFile"],
        "elapsed": elapsed,
        "cpu_ns": ns,
        "cpu_pct": ns / (elapsed * 1e9) * 100,
        "cpu_pct_ticks": tick_ns / (elapsed * 1e9) * 100,
        "per_sec_ns": ns / elapsed,
        "rss_max": max(rss),
        "rss_last": rss[-1],
    }


def bench_idle_and_tick(b):
    """One server: 0 enabled jobs, then 1,000 enabled daily cron jobs,
    then 10,000; each time restarted (a supervisor as it runs for days,
    not one that just served thousands of POSTs) and left alone. CPU is
    the sum of per-thread on-CPU time (schedstat, ns). The scheduler
    ticks once per second and nothing else runs while idle, so CPU time
    per second of idle = the cost of one tick (an upper bound: it also
    counts the runtime's wake-up). No job is due in the windows."""
    window = 8 if b.quick else 20
    settle = 3
    s = b.server("idle").start()
    time.sleep(settle)
    zero = sample_idle(s, window)
    log(f"0 enabled jobs: {zero['per_sec_ns'] / 1000:.0f} µs CPU/s, RSS {zero['rss_last'] / 1024:.1f} MiB")
    t0 = time.monotonic()
    create_cron_jobs(s, 0, 1000)
    log(f"created 1,000 cron jobs in {time.monotonic() - t0:.1f} s; RSS before restart {proc_status(s.pid)['VmRSS'] / 1024:.1f} MiB")
    rss_before_restart = proc_status(s.pid)["VmRSS"]
    s.restart()
    time.sleep(settle)
    k1 = sample_idle(s, window)
    log(f"1,000 enabled jobs: {k1['per_sec_ns'] / 1000:.0f} µs CPU/s, RSS {k1['rss_last'] / 1024:.1f} MiB")
    t0 = time.monotonic()
    create_cron_jobs(s, 1000, 9000)
    log(f"created 9,000 more in {time.monotonic() - t0:.1f} s")
    s.restart()
    time.sleep(settle)
    k10 = sample_idle(s, window)
    jobs = s.api.get("/api/jobs?enabled=true")["jobs"]
    planned = sum(1 for j in jobs if j["nextRunAt"])
    del jobs
    rss_after_list = proc_status(s.pid)["VmRSS"]
    log(f"10,000 enabled jobs ({planned} with a nextRunAt): {k10['per_sec_ns'] / 1000:.0f} µs CPU/s, RSS {k10['rss_last'] / 1024:.1f} MiB")
    b.done_with(s)

    rss_mb = k1["rss_max"] * 1024 / MB
    b.add(
        Result(
            "idle supervisor, 1,000 enabled cron jobs",
            "≤ 10 MB RSS, ≤ 0.2 % CPU",
            f"{rss_mb:.1f} MB RSS ({k1['rss_max'] / 1024:.1f} MiB), {k1['cpu_pct']:.3f} % CPU",
            rss_mb <= 10 and k1["cpu_pct"] <= 0.2,
            [
                f"sampled {k1['elapsed']:.0f} s after a restart; RSS max {k1['rss_max']} KiB; CPU {k1['cpu_pct']:.3f} % by schedstat, {k1['cpu_pct_ticks']:.2f} % by utime+stime (10 ms ticks)",
                f"RSS split: {k1['anon'] / 1024:.1f} MiB anonymous + {k1['file'] / 1024:.1f} MiB file-backed, of which {(k1['binary'] or 0) / 1024:.1f} MiB are pages of the {os.path.getsize(b.binary) / MB:.1f} MB backbeat binary itself",
                f"for comparison: 0 enabled jobs {zero['rss_max'] / 1024:.1f} MiB ({zero['anon'] / 1024:.1f} anon), {zero['cpu_pct']:.3f} %; 10,000 jobs {k10['rss_max'] / 1024:.1f} MiB ({k10['anon'] / 1024:.1f} anon), {k10['cpu_pct']:.3f} %",
                f"after creating the 1,000 jobs over the API (before the restart) {rss_before_restart / 1024:.1f} MiB; 10,000 jobs after one GET /api/jobs?enabled=true {rss_after_list / 1024:.1f} MiB",
            ],
        )
    )
    per_tick_ms = k10["per_sec_ns"] / 1e6
    delta_ms = (k10["per_sec_ns"] - zero["per_sec_ns"]) / 1e6
    b.add(
        Result(
            "one tick with 10,000 enabled jobs",
            "≤ 1 ms",
            f"≤ {fmt_ms(per_tick_ms)} per tick (CPU per idle second)",
            per_tick_ms <= 1,
            [
                f"CPU per second of idle: 10,000 jobs {fmt_ms(per_tick_ms)}, 1,000 jobs {fmt_ms(k1['per_sec_ns'] / 1e6)}, 0 jobs {fmt_ms(zero['per_sec_ns'] / 1e6)} (10k − 0 = {fmt_ms(delta_ms)})",
                "method: one tick per second, nothing else runs while idle, so on-CPU time / second bounds one tick's cost from above",
            ]
            + (
                [f"the supervisor's own /metrics, 10,000 jobs: {k10['own']['ticks']} ticks, mean decision {fmt_ms(k10['own']['mean_ms'])}, longest since start {fmt_ms(k10['own']['max_ms'])} (plan lookup only, no wake-up)"]
                if k10["own"] else ["(the supervisor exposes no tick metrics)"]
            ),
        )
    )


# ----------------------------------------------------------------- history


# Job frequencies: 10 frequent jobs (every minute or so) make 85 % of the
# runs, 50 hourly-ish jobs 14 %, 40 daily/weekly jobs 1 % (about 250 runs
# each): a rare job's runs are thin among a million.
def job_weights():
    w = [0.85 / 10] * 10 + [0.14 / 50] * 50 + [0.01 / 40] * 40
    return w


def fill_history(db_path, job_ids, count, seed=7):
    """Inserts `count` finished runs, oldest first, the way the supervisor
    would have written them (columns per db/migrations.rs), with all
    indexes in place while inserting, as they grow in real use."""
    rnd = random.Random(seed)
    weights = job_weights()
    cum = []
    acc = 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    now = int(time.time() * 1000)
    start = now - 365 * 24 * 3600 * 1000
    step = (now - 60_000 - start) / count
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    (existing,) = conn.execute("SELECT count(*) FROM runs").fetchone()
    if existing:
        raise RuntimeError(f"expected no runs, found {existing}")

    def rows():
        for i in range(count):
            job = job_ids[rnd.choices(range(len(job_ids)), cum_weights=cum)[0]]
            queued = int(start + i * step)
            x = rnd.random()
            trigger = "schedule" if x < 0.95 else ("manual" if x < 0.99 else "catchup")
            sched = queued - rnd.randint(0, 5) if trigger != "manual" else None
            x = rnd.random()
            if x < 0.001:
                status, exit_code, error = "timeout", None, "timed out after 1800000 ms"
            elif x < 0.026:
                status, exit_code, error = "failure", 1, "exit code 1"
            elif x < 0.030:
                status, exit_code, error = "dropped", None, "skipped: run 1 is still running"
            else:
                status, exit_code, error = "success", 0, None
            if status == "dropped":
                started, finished, executor, log_bytes = None, queued, None, 0
            else:
                started = queued + rnd.randint(1, 4)
                finished = started + int(rnd.expovariate(1 / 800))
                executor = "sh-runner"
                log_bytes = rnd.randint(0, 6000)
            yield (
                job, status, trigger, executor, sched, queued, started, finished,
                exit_code, error, log_bytes,
            )

    with conn:
        conn.executemany(
            "INSERT INTO runs (job_id, status, trigger, executor, scheduled_for, queued_at,"
            " started_at, finished_at, exit_code, error, log_bytes)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows(),
        )
    counts = dict(conn.execute("SELECT status, count(*) FROM runs GROUP BY status").fetchall())
    (max_id,) = conn.execute("SELECT max(id) FROM runs").fetchone()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return counts, max_id


def bench_history(b):
    """1,000,000 runs over 100 jobs (skewed: see job_weights; 97 % success,
    2.5 % failure, 0.4 % dropped, 0.1 % timeout) written straight into
    db.sqlite while the server is stopped, then history pages of 50 over
    keep-alive HTTP: client round trip per request, after a warm-up."""
    count = 1_000_000
    per_case = 100 if b.quick else 200
    s = b.server("history").start()
    job_ids = [s.api.create_job(f"history {k}", "true", {"kind": "manual"})["id"] for k in range(100)]
    s.stop()
    t0 = time.monotonic()
    counts, max_id = fill_history(os.path.join(s.data, "db.sqlite"), job_ids, count)
    log(f"inserted {count:,} runs in {time.monotonic() - t0:.1f} s: {counts}")
    t0 = time.monotonic()
    s.start()
    log(f"restart with {count:,} runs took {time.monotonic() - t0:.2f} s")
    api = s.api
    rnd = random.Random(11)
    frequent, hourly, rare = job_ids[:10], job_ids[10:60], job_ids[60:]

    def cursor():
        return rnd.randint(1000, max_id)

    # The runs were queued over the last year (fill_history).
    year_end = time.time()
    year_start = year_end - 365 * 86400

    def iso(t):
        return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def day():
        t = rnd.uniform(year_start, year_end - 86400)
        return f"from={iso(t)}&to={iso(t + 86400)}"

    cases = [
        ("no filter, first page", lambda: "/api/runs"),
        ("no filter, random before", lambda: f"/api/runs?before={cursor()}"),
        ("status=timeout (0.1 %)", lambda: "/api/runs?status=timeout"),
        ("status=timeout, random before", lambda: f"/api/runs?status=timeout&before={cursor()}"),
        ("status=success,failure", lambda: "/api/runs?status=success,failure"),
        ("status=failure,timeout,dropped, random before", lambda: f"/api/runs?status=failure,timeout,dropped&before={cursor()}"),
        ("jobId=frequent job", lambda: f"/api/runs?jobId={rnd.choice(frequent)}"),
        ("jobId=hourly job", lambda: f"/api/runs?jobId={rnd.choice(hourly)}"),
        ("jobId=rare job (~250 runs)", lambda: f"/api/runs?jobId={rnd.choice(rare)}"),
        ("jobId=any, random before", lambda: f"/api/runs?jobId={rnd.choice(job_ids)}&before={cursor()}"),
        ("jobId=any & status=success", lambda: f"/api/runs?jobId={rnd.choice(job_ids)}&status=success"),
        ("jobId=any & status=failure", lambda: f"/api/runs?jobId={rnd.choice(job_ids)}&status=failure"),
        ("jobId=rare & status=timeout", lambda: f"/api/runs?jobId={rnd.choice(rare)}&status=timeout"),
        ("jobId=frequent & status=timeout,failure, random before", lambda: f"/api/runs?jobId={rnd.choice(frequent)}&status=timeout,failure&before={cursor()}"),
        ("from/to = a random day", lambda: f"/api/runs?{day()}"),
        ("from/to = a random day & status=failure", lambda: f"/api/runs?{day()}&status=failure"),
        ("from/to = a random day & jobId=rare", lambda: f"/api/runs?{day()}&jobId={rnd.choice(rare)}"),
        ("error=timed out (0.1 %, bounded scan)", lambda: "/api/runs?error=timed%20out"),
        ("error=exit code, random before", lambda: f"/api/runs?error=exit%20code&before={cursor()}"),
        ("error=timed out & status=failure,timeout", lambda: "/api/runs?error=TIMED%20OUT&status=failure,timeout"),
    ]
    table = []
    worst = (0, "")
    for name, make in cases:
        for _ in range(5):
            api.get(make())
        times = []
        sizes = []
        for _ in range(per_case):
            path = make()
            t0 = time.perf_counter_ns()
            status, payload = api.raw("GET", path)
            times.append((time.perf_counter_ns() - t0) / 1e6)
            if status != 200:
                raise RuntimeError(f"GET {path} -> {status}: {payload[:200]!r}")
            sizes.append(len(json.loads(payload)["runs"]))
        p50, p95 = pct(times, 50), pct(times, 95)
        table.append(f"{name:<55} p50 {fmt_ms(p50):>9}  p95 {fmt_ms(p95):>9}  max {fmt_ms(max(times)):>9}  ({median(sizes)} runs/page)")
        if p95 > worst[0]:
            worst = (p95, name)
    # One bigger page for reference (not part of the target).
    big = []
    for _ in range(20):
        t0 = time.perf_counter_ns()
        api.get(f"/api/runs?limit=500&before={cursor()}")
        big.append((time.perf_counter_ns() - t0) / 1e6)
    b.done_with(s)
    b.add(
        Result(
            "history page at 1,000,000 runs, any filter",
            "p95 ≤ 5 ms",
            f"worst p95 {fmt_ms(worst[0])} ({worst[1]})",
            worst[0] <= 5,
            [f"{per_case} requests per filter, limit 50:"]
            + ["  " + row for row in table]
            + [f"for reference, limit=500 pages: p50 {fmt_ms(median(big))}"],
        )
    )


# ------------------------------------------------------------ 1 GiB stdout


def bench_stdout(b):
    """A job writing SIZE bytes of 100-byte lines to stdout (`yes … | head
    -c SIZE`), maxLogBytes 2 GiB. Rate = logBytes / (finishedAt -
    startedAt). Memory: the supervisor's VmRSS sampled every 20 ms and its
    VmHWM afterwards, against its VmRSS just before."""
    size = 256 * MiB if b.quick else GiB
    s = b.server("stdout").start()
    api = s.api
    api.patch("/api/preferences", {"maxLogBytes": 2 * GiB})
    line = "backbeat benchmark output line " + "x" * 67  # + newline = 100 bytes
    job = api.create_job("big", f"yes '{line}' | head -c {size}", {"kind": "manual"}, timeoutMs=600_000)
    t_prod = time.monotonic()
    subprocess.run(["sh", "-c", f"yes '{line}' | head -c {size} > /dev/null"], check=True)
    producer_rate = size / (time.monotonic() - t_prod) / MB
    time.sleep(1)
    base = proc_status(s.pid)
    peak = base["VmRSS"]
    cpu = CpuMeter(s.pid)
    children0 = process_cpu_ticks(s.pid, children=True)
    runner_ticks = {}
    t0 = time.monotonic()
    run = api.post(f"/api/jobs/{job['id']}/runs")
    while True:
        peak = max(peak, proc_status(s.pid)["VmRSS"])
        for child in child_pids(s.pid):
            try:
                runner_ticks[child] = process_cpu_ticks(child)
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass
        st, payload = api.raw("GET", f"/api/runs/{run['id']}")
        r = json.loads(payload)
        if r["status"] not in ("queued", "running"):
            break
        time.sleep(0.02)
    wall = time.monotonic() - t0
    _, cpu_ns, _ = cpu.read()
    time.sleep(0.2)
    children_cpu = (process_cpu_ticks(s.pid, children=True) - children0) / CLK_TCK
    runner_cpu = sum(runner_ticks.values()) / CLK_TCK
    after = proc_status(s.pid)
    file_size = os.path.getsize(s.log_path(job["id"], run["id"]))
    b.done_with(s)
    secs = (parse_ms(r["finishedAt"]) - parse_ms(r["startedAt"])) / 1000
    rate = r["logBytes"] / secs / MB
    delta_sampled = (peak - base["VmRSS"]) * 1024 / MB
    delta_hwm = (after["VmHWM"] - base["VmRSS"]) * 1024 / MB
    delta = max(delta_sampled, delta_hwm)
    complete = r["status"] == "success" and r["logBytes"] == size == file_size
    b.add(
        Result(
            f"a job writing {size // MiB} MiB to stdout",
            "≥ 200 MB/s into the log, RSS +≤ 16 MB",
            f"{rate:.0f} MB/s, RSS +{delta:.1f} MB",
            rate >= 200 and delta <= 16 and complete,
            [
                f"status {r['status']}, logBytes {r['logBytes']:,} (file {file_size:,}, expected {size:,}); startedAt → finishedAt {secs:.2f} s; client wall {wall:.2f} s",
                f"supervisor RSS before {base['VmRSS'] / 1024:.1f} MiB, sampled peak {peak / 1024:.1f} MiB (+{delta_sampled:.1f} MB), VmHWM {after['VmHWM'] / 1024:.1f} MiB (+{delta_hwm:.1f} MB)",
                f"the job's own pipeline into /dev/null (no Backbeat): {producer_rate:.0f} MB/s",
                f"CPU during the run ({os.cpu_count()} cores, {secs:.2f} s): supervisor {cpu_ns / 1e9:.2f} s, sh-runner ≥ {runner_cpu:.2f} s (sampled every 20 ms), sh+yes+head ≈ {max(0, children_cpu - runner_cpu):.2f} s (children total {children_cpu:.2f} s)",
            ]
            + ([] if b.quick is False else ["quick mode: 256 MiB instead of 1 GiB"]),
        )
    )


# --------------------------------------------------------- live log (SSE)


def bench_sse(b):
    """A job that prints `date +%s%N` about every 10 ms (`sleep 0.01`
    between) for a few seconds; a client on GET /api/runs/{id}/log/stream
    records, per line, receive time - the time written in the line."""
    lines = 150 if b.quick else 400
    s = b.server("sse").start()
    api = s.api
    body = f"sleep 0.5; i=0; while [ $i -lt {lines} ]; do date +%s%N; sleep 0.01; i=$((i+1)); done"
    job = api.create_job("ticker", body, {"kind": "manual"})
    latencies = []
    ended = threading.Event()
    partial = [""]
    subscribed_ns = [0]

    def on_event(recv_ns, name, data):
        if name == "end":
            ended.set()
        if name != "log":
            return
        text = partial[0] + json.loads(data)["text"]
        parts = text.split("\n")
        partial[0] = parts.pop()
        for part in parts:
            if part.strip().isdigit():
                stamp = int(part)
                if stamp >= subscribed_ns[0]:
                    latencies.append((recv_ns - stamp) / 1e6)

    probe = WakeProbe()
    run = api.post(f"/api/jobs/{job['id']}/runs")
    subscribed_ns[0] = now_ns()
    stream = Sse(s.port, f"/api/runs/{run['id']}/log/stream", on_event)
    if not ended.wait(60):
        raise RuntimeError("log stream did not end")
    stream.close()
    control = probe.stop()
    b.done_with(s)
    p50, p99 = pct(latencies, 50), pct(latencies, 99)
    result = (
        Result(
            "live log: write → SSE event",
            "p99 ≤ 50 ms",
            f"p99 {fmt_ms(p99)}, p50 {fmt_ms(p50)} (n={len(latencies)})",
            p99 <= 50 and len(latencies) >= lines * 0.9,
            [f"{len(latencies)} of {lines} lines seen live; p50 {fmt_ms(p50)}, p90 {fmt_ms(pct(latencies, 90))}, p99 {fmt_ms(p99)}, max {fmt_ms(max(latencies))}", control],
        )
    )
    if p99 > 50 and probe.p99 > 25:
        result.noise = f"a plain sleeping thread woke up {fmt_ms(probe.p99)} late (p99) during this phase"
    b.add(result)


# -------------------------------------------------------------------- main


PHASES = [
    ("start-lag", bench_start_lag),
    ("trigger", bench_trigger),
    ("throughput", bench_throughput),
    ("idle", bench_idle_and_tick),
    ("history", bench_history),
    ("stdout", bench_stdout),
    ("sse", bench_sse),
]


def print_table(results, floor_ms):
    rows = [("figure", "target", "measured", "× floor", "result")]
    for r in results:
        mark = {True: "pass", False: "MISS", None: "n/a"}[r.ok]
        if r.ok is False and r.noise:
            mark += " *"
        ratio = f"{r.ms / floor_ms:.1f}×" if r.ms is not None and floor_ms else ""
        rows.append((r.figure, r.target, r.measured, ratio, mark))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    line = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    print(line)
    for k, row in enumerate(rows):
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths)) + " |")
        if k == 0:
            print(line)
    print(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin-dir", required=True, help="directory with backbeat and sh-runner")
    parser.add_argument("--quick", action="store_true", help="fewer samples, smaller sizes")
    parser.add_argument("--only", default="", help="comma-separated phases: " + ",".join(p for p, _ in PHASES))
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    args = parser.parse_args()
    only = {p for p in args.only.split(",") if p}
    unknown = only - {p for p, _ in PHASES}
    if unknown:
        parser.error(f"unknown phase(s): {', '.join(sorted(unknown))}")
    for binary in ("backbeat", "sh-runner"):
        if not os.access(os.path.join(args.bin_dir, binary), os.X_OK):
            parser.error(f"{binary} not found in {args.bin_dir}")

    b = Bench(args)
    started = time.monotonic()
    print(f"Backbeat benchmark ({'quick' if args.quick else 'full'}), {os.cpu_count()} CPUs, load average {loadavg()}, temp dir {b.tmp}")
    print("Figures depend on what else this machine is doing; the load average is shown per phase.")
    floor_n = 100 if args.quick else 300
    floor = measure_floor(floor_n)
    print(f"floor: a bare `sh -c true` (posix_spawn + waitpid), p50 {fmt_ms(floor[0])}, p99 {fmt_ms(floor[1])} (n={floor_n})", flush=True)
    try:
        for name, phase in PHASES:
            if only and name not in only:
                continue
            print(f"\n== {name} (load average {loadavg()})", flush=True)
            print(textwrap.indent(textwrap.dedent("    " + phase.__doc__.strip()), "  | "), flush=True)
            t0 = time.monotonic()
            try:
                phase(b)
            except Exception as e:  # noqa: BLE001 - report and go on
                log(f"phase failed: {type(e).__name__}: {e}")
                b.results.append(Result(name, "", f"not measured: {e}", None))
            log(f"({time.monotonic() - t0:.0f} s)")
    finally:
        b.cleanup()

    print("\n== details")
    for r in b.results:
        print(f"\n{r.figure}:")
        for note in r.notes:
            print(f"  {note}")
    print(f"\n== results ({time.monotonic() - started:.0f} s)\n")
    after = measure_floor(floor_n)
    floor_ms = (floor[0] + after[0]) / 2
    print(f"floor: a bare `sh -c true` spawn, p50 {fmt_ms(floor[0])} before the phases, {fmt_ms(after[0])} after; "
          f"× floor = a per-run p50/median divided by {fmt_ms(floor_ms)}\n")
    print_table(b.results, floor_ms)
    noisy = [r for r in b.results if r.ok is False and r.noise]
    for r in noisy:
        print(f"* {r.figure}: may be the machine, not Backbeat: {r.noise}")
    missed = [r.figure for r in b.results if r.ok is False]
    unmeasured = [r.figure for r in b.results if r.ok is None]
    print(f"\n{len(b.results) - len(missed) - len(unmeasured)} pass, {len(missed)} miss, {len(unmeasured)} not measured")
    return 0


if __name__ == "__main__":
    sys.exit(main())
