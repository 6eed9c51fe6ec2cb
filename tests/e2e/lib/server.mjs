// Test fixture: starts the real `backbeat` binary (target/debug, or
// $BACKBEAT_BIN) on a free port with a temporary data/config/home dir and a
// known token, parses its start-up lines, and offers an authenticated API
// helper. stop() kills it and removes the temp dir.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures');

export function backbeatBinary() {
  const bin = process.env.BACKBEAT_BIN || join(ROOT, 'target/debug/backbeat');
  if (!existsSync(bin)) {
    throw new Error(`${bin} not found: build the workspace first (cargo build --workspace)`);
  }
  return bin;
}

export async function startServer({ env = {}, token = 'e2e-token-0123456789abcdef' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'backbeat-e2e-'));
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  const child = spawn(backbeatBinary(), [], {
    env: {
      PATH: process.env.PATH,
      HOME: home,
      LANG: 'C.UTF-8',
      PORT: '0',
      HOST: '127.0.0.1',
      BACKBEAT_DATA_DIR: join(dir, 'data'),
      BACKBEAT_CONFIG_DIR: join(dir, 'config'),
      BACKBEAT_TOKEN: token,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const ready = new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`backbeat did not start in 15 s; output:\n${output}`)), 15000);
    let url = null;
    let dashboard = null;
    const onData = (chunk) => {
      output += chunk;
      const m = /listening on (http:\/\/[^\s]+)/.exec(output);
      const d = /dashboard: (http:\/\/[^\s]+)/.exec(output);
      if (m) url = m[1].replace(/\/$/, '');
      if (d) dashboard = d[1];
      if (url && dashboard) {
        clearTimeout(timer);
        resolveReady({ url, dashboard });
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', (c) => { output += c; });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`backbeat exited with ${code} before it was ready; output:\n${output}`));
    });
  });
  const { url, dashboard } = await ready;

  async function api(method, path, body) {
    const headers = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${url}/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) {
      const err = new Error(`${method} ${path} → ${res.status}: ${text}`);
      err.status = res.status;
      err.data = data;
      throw err;
    }
    return data;
  }

  /** Poll until fn() returns a truthy value (for waiting on runs). */
  async function until(fn, { timeout = 15000, interval = 100 } = {}) {
    const end = Date.now() + timeout;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting; the newest runs: ${await newestRuns()}`);
      await new Promise((r) => setTimeout(r, interval));
    }
  }

  /** The newest runs, one line (for failure messages). */
  async function newestRuns() {
    try {
      const { runs } = await api('GET', '/runs?limit=6');
      return runs.map((r) => `#${r.id} ${r.jobTitle} ${r.status}${r.error ? ` (${r.error})` : ''}`).join('; ');
    } catch (e) {
      return `(could not list runs: ${e.message})`;
    }
  }

  async function stop() {
    // What the server said after start-up (warnings, kills, store errors)
    // goes to the test output: a failing test's log then shows it.
    const said = output.split('\n').filter((l) => /^backbeat: /.test(l) && !/listening on|dashboard:|shutting down/.test(l));
    if (said.length) process.stderr.write(said.slice(-40).map((l) => `[server] ${l}\n`).join(''));
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  }

  return { url, dashboard, token, dir, home, api, until, stop, newestRuns, output: () => output };
}
