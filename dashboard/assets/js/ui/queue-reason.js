// Why a queued run waits, and where it stands in the queue: a retry's
// delay (notBefore), its own job's run still going (overlap "queue"), every
// run slot busy (Preferences → maxConcurrentRuns), or, for an AI run, every
// AI slot busy (maxConcurrentAiRuns). Worked out from the public API, shown
// as a banner.

import { h } from '../dom.js';
import { get } from '../api.js';
import { fmtAbs } from '../time.js';

const AI_RUNNERS = ['claude-runner', 'codex-runner'];
const isAi = (r) => AI_RUNNERS.includes(r.executor);

/** A banner for a queued run: reason and position ("2nd of 3 waiting"). */
export async function queueReason(run) {
  let running; let queued; let prefs; let job;
  try {
    [running, queued, prefs, job] = await Promise.all([
      get('/runs?status=running&limit=500').then((r) => r.runs),
      get('/runs?status=queued&limit=500').then((r) => r.runs),
      get('/preferences').catch(() => ({})),
      get(`/jobs/${run.jobId}`).catch(() => null),
    ]);
  } catch {
    return null;
  }
  const order = queued.map((r) => r.id).sort((a, b) => a - b);
  const pos = order.indexOf(run.id) + 1;
  const own = running.filter((r) => r.jobId === run.jobId);
  const slots = prefs.maxConcurrentRuns;
  let why;
  const retryAt = run.notBefore && Date.parse(run.notBefore);
  if (retryAt && retryAt > Date.now()) {
    why = [`It is a retry: it waits until ${fmtAbs(run.notBefore, { seconds: true })} before it may start.`];
  // Overlap applies to scheduled runs only: a manual run waits for a slot.
  } else if (run.trigger !== 'manual' && own.length && (!job || (job.overlap || 'queue') === 'queue')) {
    why = [`It waits for run `, h('a', { href: `#/runs/${own[0].id}` }, `#${own[0].id}`),
      ' of this job to finish (the job runs one at a time: “When a run is still going” is set to Queue).'];
  } else if (job && job.type === 'ai' && prefs.maxConcurrentAiRuns
      && running.filter(isAi).length >= prefs.maxConcurrentAiRuns) {
    const n = running.filter(isAi).length;
    why = [`${n} AI run${n === 1 ? ' is' : 's are'} already running (maxConcurrentAiRuns); it starts when one ends. `,
      h('a', { href: '#/preferences' }, 'AI runs at once'), ' is set in Preferences.'];
  } else if (slots && running.length >= slots) {
    why = [`All ${slots} run slots are busy (${running.length} running); it starts when one frees up. `,
      h('a', { href: '#/preferences' }, 'Max concurrent runs'), ' is set in Preferences.'];
  } else {
    why = ['It is about to start.'];
  }
  return h('div', { class: 'banner info', role: 'status' },
    h('div', null,
      h('strong', { 'data-queue-position': pos || '' }, pos ? `Queued: number ${pos} of ${order.length} waiting` : 'Queued'),
      why));
}
