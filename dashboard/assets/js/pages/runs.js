// Runs page (#/runs): running and queued runs, live from /api/events, with
// ticking elapsed times and stop/drop buttons; below them the runs that
// finished most recently (so a stopped run is seen ending).

import { get } from '../api.js';
import { h, replace, setTitle, loading, keepFocus } from '../dom.js';
import { on } from '../events.js';
import { relTimeEl, elapsedEl } from '../ticker.js';
import { runBadge, shownStatus, isActive, FINISHED } from '../status.js';
import { fmtDuration } from '../time.js';
import { stopButton } from '../ui/run-actions.js';
import { retryWaitEl, rememberJobs } from '../ui/retry-chain.js';
import { resultCell, rowClass } from '../ui/run-summary.js';

const RECENT = 12;

function runLink(run) {
  return h('a', { href: `#/runs/${run.id}`, class: 'mono', 'data-focus-key': `run-link-${run.id}` }, `#${run.id}`);
}

function jobLink(run) {
  return h('a', { href: `#/jobs/${run.jobId}` }, run.jobTitle || `job #${run.jobId}`);
}

function activeRow(run, onUpdate) {
  const since = run.status === 'running' ? run.startedAt : run.queuedAt;
  return h('tr', { 'data-run-id': run.id, 'data-status': shownStatus(run) },
    h('td', null, runLink(run)),
    h('td', null, jobLink(run)),
    h('td', null, runBadge(run)),
    h('td', null, retryWaitEl(run) || run.trigger),
    h('td', null, relTimeEl(since)),
    h('td', { class: 'num' }, since ? elapsedEl(since) : '—', run.status === 'queued' ? h('span', { class: 'muted small' }, run.notBefore && Date.parse(run.notBefore) > Date.now() ? ' waiting to retry' : ' waiting') : null),
    h('td', { class: 'actions-cell' }, h('div', { class: 'cell-actions' },
      h('a', { class: 'btn sm ghost', href: `#/runs/${run.id}`, 'aria-label': `Log of run #${run.id}` }, 'Log'), stopButton(run, { onDone: onUpdate }))));
}

function recentRow(run) {
  const said = !run.error && (run.summary || run.quiet);
  return h('tr', { class: rowClass(run), 'data-run-id': run.id, 'data-status': shownStatus(run) },
    h('td', null, runLink(run)),
    h('td', null, jobLink(run)),
    h('td', null, runBadge(run)),
    said ? resultCell(run)
      : h('td', { class: 'error-cell', title: run.error || '' }, run.error || h('span', { class: 'muted' }, run.exitCode === null || run.exitCode === undefined ? '' : `exit ${run.exitCode}`)),
    h('td', null, relTimeEl(run.finishedAt)),
    h('td', { class: 'num' }, fmtDuration(run.durationMs)));
}

function table(headers, body) {
  // On a phone each row becomes a wrapped block (class phone-stack), so the
  // Stop / Drop buttons are never cut off at the right edge.
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table phone-stack' },
    h('thead', null, h('tr', null, headers.map(([label, cls]) => h('th', { class: cls || null }, label)))),
    body));
}

export default async function runsPage(main) {
  setTitle('Runs');
  const activeBody = h('tbody', { 'data-active-runs': '' });
  const recentBody = h('tbody', { 'data-recent-runs': '' });
  const activeEmpty = h('div', { class: 'empty', hidden: true }, h('h2', null, 'Nothing running'),
    h('p', null, 'Runs appear here the moment they are queued or start.'));
  const activeCount = h('span', { class: 'muted small' });
  replace(main,
    h('div', { class: 'page-head' }, h('h1', null, 'Runs'), h('a', { class: 'btn', href: '#/history' }, 'Full history →'),
      h('div', { class: 'sub' }, 'Running and queued runs, live.')),
    h('section', { class: 'card', 'aria-labelledby': 'active-title' },
      h('div', { class: 'card-head' }, h('h2', { id: 'active-title', tabindex: '-1' }, 'Active'), activeCount),
      table([['Run'], ['Job'], ['Status'], ['Trigger'], ['Since'], ['Elapsed', 'num'], ['', 'num']], activeBody),
      activeEmpty),
    h('section', { class: 'card section', 'aria-labelledby': 'recent-title' },
      h('div', { class: 'card-head' }, h('h2', { id: 'recent-title' }, 'Recently finished')),
      table([['Run'], ['Job'], ['Status'], ['Error'], ['Finished'], ['Duration', 'num']], recentBody)));
  activeBody.append(h('tr', null, h('td', { colspan: 7 }, loading())));

  const active = new Map();
  let recent = [];

  function renderActive() {
    const list = [...active.values()].sort((a, b) =>
      (a.status === b.status ? 0 : a.status === 'running' ? -1 : 1) || a.id - b.id);
    // A stopped run's row goes away: focus follows the run to its row in
    // "Recently finished", else the next Stop / Drop button, else the
    // section's heading — never <body>.
    keepFocus(activeBody, () => activeBody.replaceChildren(...list.map((r) => activeRow(r, upsert))),
      (key) => recentBody.querySelector(`tr[data-run-id="${key.replace(/^stop-/, '')}"] a`)
        || activeBody.querySelector('[data-stop]') || main.querySelector('#active-title'));
    activeEmpty.hidden = list.length > 0;
    const running = list.filter((r) => r.status === 'running').length;
    activeCount.textContent = list.length ? `${running} running, ${list.length - running} queued` : '';
  }

  function renderRecent() {
    keepFocus(recentBody, () => recentBody.replaceChildren(...(recent.length ? recent.map(recentRow)
      : [h('tr', null, h('td', { colspan: 6, class: 'muted' }, 'No finished runs yet.'))])));
  }

  async function load() {
    const [act, fin, jobs] = await Promise.all([
      get('/runs?status=running,queued&limit=500'),
      get(`/runs?status=${FINISHED.join(',')}&limit=${RECENT}`),
      get('/jobs').catch(() => ({ jobs: [] })),
    ]);
    rememberJobs(jobs.jobs);
    active.clear();
    for (const r of act.runs) active.set(r.id, r);
    recent = fin.runs;
    renderActive();
    renderRecent();
  }

  // A finished run never becomes active again (a late stop response or a
  // reordered event must not resurrect it).
  const finished = new Set();
  function upsert(run) {
    if (isActive(run.status)) {
      if (finished.has(run.id)) return;
      active.set(run.id, run);
    } else {
      finished.add(run.id);
      active.delete(run.id);
      recent = [run, ...recent.filter((r) => r.id !== run.id)].sort((a, b) =>
        (b.finishedAt || '').localeCompare(a.finishedAt || '') || b.id - a.id).slice(0, RECENT);
      renderRecent();
    }
    renderActive();
  }

  const offs = [
    on('run', upsert),
    on('reconnect', () => load().catch(() => {})),
  ];

  try {
    await load();
  } catch (e) {
    replace(activeBody, h('tr', null, h('td', { colspan: 7 }, h('div', { class: 'banner error' }, e.message))));
  }
  return () => offs.forEach((off) => off());
}
