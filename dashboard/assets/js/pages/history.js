// History (#/history?status=a,b&jobId=N&from=D&to=D&error=T&before=X):
// finished and active runs, newest first, filtered by status
// (multi-select), job, the days they were queued (in the browser's zone,
// sent as instants) and text in their error, with keyset paging
// ("Newest", "← Newer", "Older →"). The filters live in the URL.

import { get, qs } from '../api.js';
import { h, replace, setTitle, loading } from '../dom.js';
import { on } from '../events.js';
import { relTimeEl } from '../ticker.js';
import { runBadge, shownStatus, SHOWN_STATUSES } from '../status.js';
import { fmtDuration, fmtAbs } from '../time.js';
import { hashFor } from '../router.js';
import { icon } from '../icons.js';
import { retryWaitEl, rememberJobs } from '../ui/retry-chain.js';
import { resultCell, rowClass } from '../ui/run-summary.js';

const PAGE = 50;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** "2026-11-23" → the instant that local day starts (+ `days`). */
function dayStart(day, days = 0) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d + days);
}

// The control that had focus when a filter changed, focused again after
// the page re-mounts with the new filters.
let refocus = null;

export default async function historyPage(main, { query }) {
  setTitle('History');
  const statuses = (query.status || '').split(',').filter((s) => SHOWN_STATUSES.includes(s));
  // "stopped" is a failure whose error says so: ask the API for failures
  // and sort them out here ("failure" alone leaves stopped runs out).
  const apiStatuses = [...new Set(statuses.map((s) => (s === 'stopped' ? 'failure' : s)))];
  const wanted = (run) => !statuses.length || statuses.includes(shownStatus(run));
  const jobId = /^\d+$/.test(query.jobId || '') ? Number(query.jobId) : null;
  const before = /^\d+$/.test(query.before || '') ? Number(query.before) : null;
  const fromDay = DAY.test(query.from || '') ? query.from : '';
  const toDay = DAY.test(query.to || '') ? query.to : '';
  const errorText = (query.error || '').trim();
  const fromAt = fromDay ? dayStart(fromDay) : null;
  const toAt = toDay ? dayStart(toDay, 1) : null;
  const badRange = fromAt && toAt && fromAt >= toAt;
  const inRange = (run) => (!fromAt || Date.parse(run.queuedAt) >= fromAt.getTime())
    && (!toAt || Date.parse(run.queuedAt) < toAt.getTime());
  const errorHit = (run) => !errorText || (run.error || '').toLowerCase().includes(errorText.toLowerCase());
  const filtered = statuses.length || jobId !== null || fromDay || toDay || errorText;
  // Cursors of the pages we came through, so "← Newer" can step back.
  const trail = (query.trail || '').split('.').filter((x) => /^\d+$/.test(x));

  function go(changes) {
    const next = {
      status: statuses.join(','), jobId: jobId ?? '', from: fromDay, to: toDay, error: errorText,
      before: before ?? '', trail: trail.join('.'), ...changes,
    };
    const active = document.activeElement;
    refocus = active && active.dataset && Object.keys(active.dataset).length
      ? Object.keys(active.dataset).map((k) => `[data-${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}${active.dataset[k] ? `="${CSS.escape(active.dataset[k])}"` : ''}]`).join('')
      : null;
    location.hash = hashFor('history', next);
  }

  const checks = SHOWN_STATUSES.map((s) => {
    const input = h('input', { type: 'checkbox', value: s, checked: statuses.includes(s), 'data-status-filter': s });
    input.addEventListener('change', () => {
      const chosen = checks.filter((c) => c.checked).map((c) => c.value);
      go({ status: chosen.join(','), before: '', trail: '' });
    });
    return input;
  });
  const jobSelect = h('select', { class: 'input', 'aria-label': 'Job', 'data-job-filter': '', style: { width: 'auto', minWidth: '14rem' } },
    h('option', { value: '' }, 'All jobs'));
  jobSelect.addEventListener('change', () => go({ jobId: jobSelect.value, before: '', trail: '' }));
  const fromInput = h('input', { class: 'input', type: 'date', value: fromDay, max: toDay || null, 'aria-label': 'Queued from (first day)', 'data-from': '' });
  const toInput = h('input', { class: 'input', type: 'date', value: toDay, min: fromDay || null, 'aria-label': 'Queued until (last day)', 'data-to': '' });
  fromInput.addEventListener('change', () => go({ from: fromInput.value, before: '', trail: '' }));
  toInput.addEventListener('change', () => go({ to: toInput.value, before: '', trail: '' }));
  const errorInput = h('input', {
    class: 'input', type: 'search', value: errorText, placeholder: 'Text in the error…', 'aria-label': 'Search in errors', 'data-error-search': '',
  });
  const errorForm = h('form', { role: 'search', 'data-error-form': '' }, errorInput);
  errorForm.addEventListener('submit', (e) => {
    e.preventDefault();
    go({ error: errorInput.value.trim(), before: '', trail: '' });
  });
  errorInput.addEventListener('search', () => { if (!errorInput.value && errorText) go({ error: '', before: '', trail: '' }); });
  const label = (text) => h('span', { class: 'label', style: { fontWeight: 600, fontSize: '0.82rem', color: 'var(--text-2)' } }, text);
  const clear = h('a', { href: '#/history', class: 'small', hidden: !filtered }, 'Clear filters');

  const tbody = h('tbody', { 'data-history': '' }, h('tr', null, h('td', { colspan: 8 }, loading())));
  const newest = h('button', { class: 'btn sm', type: 'button', disabled: before === null, 'data-newest': '' }, 'Newest');
  const newer = h('button', { class: 'btn sm', type: 'button', disabled: before === null, 'data-newer': '' }, icon('left'), 'Newer');
  const older = h('button', { class: 'btn sm', type: 'button', disabled: true, 'data-older': '' }, 'Older', icon('right'));
  const info = h('span', { class: 'muted small grow' });

  replace(main,
    h('div', { class: 'page-head' }, h('h1', null, 'History')),
    h('section', { class: 'card' },
      h('div', { class: 'filters' },
        h('fieldset', null, h('legend', null, 'Status'),
          h('div', { class: 'status-filter' }, checks.map((c) => h('label', null, c, h('span', null, c.value))))),
        h('div', { class: 'field' }, label('Job'), jobSelect),
        h('div', { class: 'field' }, label('Queued between'),
          h('div', { class: 'history-dates' }, fromInput, h('span', { 'aria-hidden': 'true' }, '–'), toInput)),
        h('div', { class: 'field' }, label('Error contains'), errorForm),
        clear),
      badRange ? h('p', { class: 'error', role: 'alert', style: { padding: '0 1rem 0.8rem' }, 'data-range-error': '' },
        'The first day is after the last day: pick a range that starts before it ends.') : null),
    h('section', { class: 'card section' },
      h('div', { class: 'table-wrap' }, h('table', { class: 'table phone-stack' },
        h('thead', null, h('tr', null,
          ['Run', 'Job', 'Status', 'Trigger', 'Started', 'Duration', 'Exit', 'Error or summary'].map((t, i) =>
            h('th', { class: i === 5 || i === 6 ? 'num' : null }, t)))),
        tbody)),
      h('div', { class: 'pager' }, info, newest, newer, older)));

  if (refocus) {
    const again = main.querySelector(refocus);
    refocus = null;
    if (again) again.focus();
  }

  newest.addEventListener('click', () => go({ before: '', trail: '' }));
  newer.addEventListener('click', () => {
    const prev = trail.slice(0, -1);
    go({ before: trail.length ? trail[trail.length - 1] : '', trail: prev.join('.') });
  });

  const jobsLoaded = get('/jobs').then(({ jobs }) => {
    rememberJobs(jobs);
    for (const j of jobs) jobSelect.append(h('option', { value: j.id, selected: j.id === jobId }, `${j.title} (#${j.id})`));
    if (jobId !== null && ![...jobSelect.options].some((o) => o.value === String(jobId))) {
      jobSelect.append(h('option', { value: jobId, selected: true }, `Job #${jobId} (deleted)`));
    }
  }).catch(() => {});

  function row(run) {
    const tr = h('tr', { class: rowClass(run, 'clickable'), 'data-run-id': run.id, 'data-status': shownStatus(run) },
      h('td', null, h('a', { href: `#/runs/${run.id}`, class: 'mono' }, `#${run.id}`)),
      h('td', null, h('a', { href: `#/jobs/${run.jobId}`, 'data-job-link': '' }, run.jobTitle || `Job #${run.jobId}`)),
      h('td', null, runBadge(run)),
      h('td', null, retryWaitEl(run) || run.trigger),
      run.startedAt ? h('td', { title: fmtAbs(run.startedAt), 'data-started': '' }, relTimeEl(run.startedAt))
        : h('td', { class: 'muted', 'data-started': '', title: `Queued ${fmtAbs(run.queuedAt)}` },
          run.status !== 'queued' ? 'never started' : run.notBefore ? ['retries ', relTimeEl(run.notBefore)] : 'not yet'),
      h('td', { class: 'num' }, fmtDuration(run.durationMs)),
      h('td', { class: 'num' }, run.exitCode === null || run.exitCode === undefined ? '—' : String(run.exitCode)),
      resultCell(run));
    tr.addEventListener('click', (e) => {
      if (e.target.closest('a')) return;
      location.hash = `#/runs/${run.id}`;
    });
    return tr;
  }

  let shown = [];
  try {
    if (badRange) throw new Error('No runs shown: the date range is reversed.');
    const page = (cursor) => get(`/runs${qs({
      limit: PAGE, before: cursor, status: apiStatuses, jobId,
      from: fromAt ? fromAt.toISOString() : null, to: toAt ? toAt.toISOString() : null, error: errorText,
    })}`);
    const res = await page(before);
    // An error search examines a bounded slice of runs per request: follow
    // the cursor a few times to fill the page before showing it.
    for (let more = 0; errorText && more < 8 && res.runs.length < PAGE && res.nextBefore != null; more += 1) {
      const room = PAGE - res.runs.length;
      const next = await page(res.nextBefore);
      const taken = next.runs.slice(0, room);
      res.runs.push(...taken);
      res.nextBefore = next.runs.length > room ? taken[taken.length - 1].id : next.nextBefore;
    }
    await jobsLoaded;
    shown = res.runs.filter(wanted);
    replace(tbody, shown.length ? shown.map(row)
      : h('tr', null, h('td', { colspan: 8 }, h('div', { class: 'empty' },
        h('h2', null, 'No runs'), h('p', null, filtered ? 'No run matches these filters.' : 'Runs appear here once jobs have run.')))));
    info.textContent = shown.length ? `${shown.length} run${shown.length === 1 ? '' : 's'}${before !== null ? ` older than #${before}` : ''}` : '';
    if (!shown.length && res.nextBefore != null) info.textContent = 'None on this page; older runs may match.';
    older.disabled = res.nextBefore === null || res.nextBefore === undefined;
    older.onclick = () => go({ before: res.nextBefore, trail: [...trail, ...(before !== null ? [before] : [])].join('.') });
  } catch (e) {
    replace(tbody, h('tr', null, h('td', { colspan: 8 }, h('div', { class: 'banner error' }, e.message))));
  }

  // Keep visible rows current; new runs appear on the first page.
  const off = on('run', (run) => {
    const matches = wanted(run) && (jobId === null || run.jobId === jobId) && inRange(run) && errorHit(run);
    const existing = tbody.querySelector(`tr[data-run-id="${run.id}"]`);
    if (existing) {
      if (matches) existing.replaceWith(row(run));
      return;
    }
    if (before === null && matches && (!shown.length || run.id > shown[0].id)) {
      if (!shown.length) tbody.replaceChildren();
      shown.unshift(run);
      tbody.prepend(row(run));
    }
  });
  return off;
}
