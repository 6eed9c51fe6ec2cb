// The strip of a job's recent run outcomes: one bar per run (oldest left,
// newest right), coloured by status, height by duration (square-root
// scale so one slow run does not flatten the rest); each bar links to its run.

import { h } from '../dom.js';
import { fmtDuration, fmtShort } from '../time.js';
import { shownStatus, statusWords, countsForRate } from '../status.js';

export const STRIP_SIZE = 20;

function durationOf(run) {
  if (Number.isFinite(run.durationMs)) return run.durationMs;
  if (run.status === 'running' && run.startedAt) return Date.now() - Date.parse(run.startedAt);
  return 0;
}

function median(xs) {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Render runs (newest first, as the API returns them) into `el`. */
export function renderStrip(el, runs) {
  const list = runs.slice(0, STRIP_SIZE).reverse();
  el.replaceChildren();
  const bars = h('div', { class: 'strip', role: 'list', 'aria-label': 'Recent runs, oldest first' });
  if (!list.length) {
    bars.append(h('span', { class: 'none' }, 'No runs yet'));
    el.append(bars);
    return;
  }
  const max = Math.max(1, ...list.map(durationOf));
  for (const run of list) {
    const d = durationOf(run);
    const pct = run.status === 'dropped' || run.status === 'queued' ? 18 : 14 + 86 * Math.sqrt(d / max);
    const when = run.startedAt || run.queuedAt || run.scheduledFor;
    const label = `#${run.id} ${statusWords(run)}${Number.isFinite(run.durationMs) ? ` · ${fmtDuration(run.durationMs)}` : ''}${when ? ` · ${fmtShort(when)}` : ''}${run.error ? ` · ${run.error}` : ''}`;
    bars.append(h('a', {
      class: `s-${shownStatus(run)}`, href: `#/runs/${run.id}`, role: 'listitem',
      title: label, 'aria-label': label, style: { height: `${pct.toFixed(1)}%` },
    }));
  }
  const finished = list.filter((r) => Number.isFinite(r.durationMs)).map((r) => r.durationMs);
  // Success rate over runs that had a verdict: stopped and dropped runs
  // are neither successes nor failures.
  const ok = list.filter((r) => r.status === 'success').length;
  const done = list.filter(countsForRate).length;
  const med = median(finished);
  const active = list.filter((r) => ['queued', 'running'].includes(r.status)).length;
  el.append(bars, h('div', { class: 'strip-caption' },
    done ? `${ok}/${done} ok` : '', done && med !== null ? ` · median ${fmtDuration(med)}` : '',
    active ? `${done ? ' · ' : ''}${active} active` : ''));
}
