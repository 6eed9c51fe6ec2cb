// Run actions shared by the pages: the stop / drop button for a run (POST
// /api/runs/{id}/stop: "Stop" for a running run — SIGTERM, then SIGKILL after
// the grace period —, "Drop" for a queued one; 409, already finished, is
// reported calmly) and the toast that says whether a new run started or
// is waiting in the queue.

import { h } from '../dom.js';
import { get, post } from '../api.js';
import { on } from '../events.js';
import { icon } from '../icons.js';
import { toast, toastError } from '../toast.js';
import { busy } from './busy.js';

function runName(run) {
  return `run #${run.id}${run.jobTitle ? ` of “${run.jobTitle}”` : ''}`;
}

export function stopButton(run, { onDone, small = true } = {}) {
  const running = run.status === 'running';
  const btn = h('button', {
    class: `btn ${small ? 'sm' : ''} danger`, type: 'button', 'data-stop': run.id,
    'data-focus-key': `stop-${run.id}`,
    'aria-label': `${running ? 'Stop' : 'Drop'} ${runName(run)}`,
    title: running ? 'Stop: SIGTERM, then SIGKILL after the grace period' : 'Drop this queued run',
  }, icon(running ? 'stop' : 'x'), running ? 'Stop' : 'Drop');
  btn.addEventListener('click', () => busy(btn, async () => {
    try {
      const r = await post(`/runs/${run.id}/stop`);
      toast(running ? `Stopping run #${run.id}…` : `Dropped run #${run.id}.`, { kind: 'ok', timeout: 3000 });
      if (onDone) onDone(r);
    } catch (e) {
      if (e.status === 409) toast(`Run #${run.id} had already finished.`, { timeout: 3000 });
      else toastError(`Could not stop run #${run.id}`, e);
    }
  }));
  return btn;
}

/**
 * After POST /jobs/{id}/runs: "Started …" or "Queued …", with a link. The
 * reply is often still `queued` for a split second while the executor
 * spawns; a run that starts within QUEUE_GRACE_MS is announced as started.
 */
export async function runStartedToast(run, title) {
  let status = run.status;
  if (status === 'queued') status = await settledStatus(run.id);
  const queued = status === 'queued';
  toast(queued
    ? `Queued “${title}” (run #${run.id}): waiting its turn.`
    : `Started “${title}” (run #${run.id}).`,
  { kind: 'ok', link: { href: `#/runs/${run.id}`, label: queued ? 'See why →' : 'Watch it →' } });
}

const QUEUE_GRACE_MS = 1500;

function settledStatus(id) {
  return new Promise((resolve) => {
    let off = () => {};
    const timer = setTimeout(() => { off(); resolve('queued'); }, QUEUE_GRACE_MS);
    off = on('run', (r) => {
      if (r.id !== id || r.status === 'queued') return;
      clearTimeout(timer);
      off();
      resolve(r.status);
    });
    // The event may have come before we listened: ask once.
    get(`/runs/${id}`).then((r) => {
      if (r.status !== 'queued') { clearTimeout(timer); off(); resolve(r.status); }
    }).catch(() => {});
  });
}
