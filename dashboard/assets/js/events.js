// The dashboard's one live connection: GET /api/events (SSE). Pages
// subscribe with on('run' | 'job' | 'job-deleted' | 'reconnect' | 'state', fn)
// and unsubscribe with the function it returns. On a reconnect after a
// drop, 'reconnect' fires so pages can refetch what they may have missed.

import { get } from './api.js';

const listeners = new Map();
let source = null;
let state = 'connecting';
let wasOpen = false;
let retryMs = 2000;
let retryTimer = null;

function emit(type, data) {
  for (const fn of listeners.get(type) || []) {
    try {
      fn(data);
    } catch (e) {
      console.error(`events: ${type} listener failed`, e);
    }
  }
}

function setState(s) {
  if (s === state) return;
  state = s;
  emit('state', s);
}

/** Subscribe; returns the unsubscribe function. */
export function on(type, fn) {
  if (!listeners.has(type)) listeners.set(type, new Set());
  listeners.get(type).add(fn);
  return () => listeners.get(type).delete(fn);
}

/** Open (or reopen) the stream. */
export function connect() {
  clearTimeout(retryTimer);
  if (source) source.close();
  source = new EventSource('/api/events');
  source.addEventListener('open', () => {
    retryMs = 2000;
    setState('open');
    if (wasOpen) emit('reconnect');
    wasOpen = true;
  });
  for (const type of ['run', 'job', 'job-deleted']) {
    source.addEventListener(type, (e) => {
      let data;
      try {
        data = JSON.parse(e.data);
      } catch {
        return;
      }
      emit(type, data);
    });
  }
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) {
      // The browser gave up (HTTP error such as 401, or server gone):
      // probe with a normal request (which reports a 401), then retry.
      setState('error');
      get('/preferences').catch(() => {});
      retryTimer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
    } else {
      setState('error'); // the browser reconnects by itself
    }
  });
}
