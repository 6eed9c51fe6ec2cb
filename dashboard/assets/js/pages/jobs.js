// Jobs page (#/jobs?tag=a,b): every job with type, tags, schedule in
// words, next run, last run, a strip of recent outcomes, enable toggle,
// run now, edit and delete; a text search and tag filter chips (a job must
// carry every chosen tag; the choice lives in the URL). Kept live from
// /api/events (job, job-deleted, run).

import { get, post, patch, del, qs } from '../api.js';
import { h, replace, setTitle, loading } from '../dom.js';
import { on } from '../events.js';
import { relTimeEl } from '../ticker.js';
import { runBadge, statusBadge, typeBadge } from '../status.js';
import { describeSchedule, scheduleFallback } from '../schedule.js';
import { renderStrip, STRIP_SIZE } from '../ui/run-strip.js';
import { icon } from '../icons.js';
import { toast, toastError } from '../toast.js';
import { confirmDialog } from '../dialog.js';
import { fmtAbs } from '../time.js';
import { retryingEl } from '../ui/retry-chain.js';
import { busy } from '../ui/busy.js';
import { runStartedToast } from '../ui/run-actions.js';
import { tagChips, tagFilter, hasTags } from '../ui/tags.js';
import { hashFor, setHashQuietly } from '../router.js';

/** One job's card; update(job) and addRun(run) keep it current. */
function jobRow(initial, onPickTag) {
  let job = initial;
  let runs = [];
  let shown = false; // described and strip loaded once it scrolls into view
  const toggle = h('input', { type: 'checkbox', role: 'switch' });
  const toggleBox = h('label', { class: 'switch job-toggle' }, toggle, h('span', { class: 'track' }));
  // A manual-only job never fires on its own: enabling it changes nothing
  // visible, so it shows what it is instead of a switch.
  const manualMark = h('span', { class: 'job-toggle manual-mark', title: 'Manual only: runs when you start it (enabled or not)' }, icon('play'));
  const titleLink = h('a', { class: 'job-title' });
  const meta = h('div', { class: 'job-meta' });
  const retrying = h('span', { class: 'job-retrying' });
  const tagsBox = h('div', { class: 'job-tag-row' });
  const desc = h('div', { class: 'desc' });
  const next = h('div', { class: 'next' });
  const strip = h('div', { class: 'job-strip' });
  const runBtn = h('button', { class: 'btn sm', type: 'button', 'data-action': 'run' }, icon('play'), 'Run now');
  const editBtn = h('a', { class: 'btn sm ghost', 'data-action': 'edit' }, icon('edit'), 'Edit');
  const delBtn = h('button', { class: 'btn sm ghost danger', type: 'button', 'data-action': 'delete' }, icon('trash'));
  const el = h('article', { class: 'card job', 'data-job-id': job.id },
    toggleBox, manualMark,
    h('div', { class: 'job-main' }, titleLink, meta, tagsBox, retrying),
    h('div', { class: 'job-schedule' }, desc, next),
    strip,
    h('div', { class: 'job-actions' }, runBtn, editBtn, delBtn));

  // While a change is on its way the control stays focusable (a disabled
  // one would drop keyboard focus to <body>): busy() ignores further input.
  toggle.addEventListener('change', () => busy(toggle, async () => {
    const want = toggle.checked;
    try {
      update(await patch(`/jobs/${job.id}`, { enabled: want }));
      toast(`${want ? 'Enabled' : 'Disabled'} “${job.title}”`, { kind: 'ok', timeout: 2500 });
    } catch (e) {
      toggle.checked = !want;
      toastError(`Could not ${want ? 'enable' : 'disable'} “${job.title}”`, e);
    }
  }, { revert: () => { toggle.checked = !toggle.checked; } }));

  runBtn.addEventListener('click', () => busy(runBtn, async () => {
    try {
      const run = await post(`/jobs/${job.id}/runs`);
      addRun(run);
      runStartedToast(run, job.title);
    } catch (e) {
      toastError(`Could not run “${job.title}”`, e);
    }
  }));

  delBtn.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: `Delete “${job.title}”?`,
      message: 'The job, all its runs and their logs are deleted. A running run is stopped first. This cannot be undone.',
      confirmLabel: 'Delete job',
      danger: true,
    });
    if (!ok) return;
    try {
      await del(`/jobs/${job.id}`);
      el.remove();
      toast(`Deleted “${job.title}”.`, { kind: 'ok' });
    } catch (e) {
      toastError('Delete failed', e);
    }
  });

  function update(j) {
    job = j;
    const manual = job.schedule && job.schedule.kind === 'manual';
    el.classList.toggle('disabled', !job.enabled && !manual);
    toggleBox.hidden = manual;
    manualMark.hidden = !manual;
    toggle.checked = job.enabled;
    toggle.setAttribute('aria-label', `Enabled: ${job.title}`);
    titleLink.textContent = job.title;
    titleLink.href = `#/jobs/${job.id}`;
    titleLink.title = job.title;
    editBtn.href = `#/jobs/${job.id}/edit`;
    editBtn.setAttribute('aria-label', `Edit ${job.title}`);
    runBtn.setAttribute('aria-label', `Run ${job.title} now`);
    delBtn.setAttribute('aria-label', `Delete ${job.title}`);
    delBtn.title = 'Delete';
    const last = job.lastRun;
    replace(meta,
      typeBadge(job.type),
      h('span', null, `#${job.id}`),
      last ? [h('span', { 'aria-hidden': 'true' }, '·'), 'last run',
        h('a', { href: `#/runs/${last.id}`, class: 'nowrap' }, lastBadge(last)),
        relTimeEl(last.finishedAt)] : h('span', null, '· never run'),
      job.notify && job.notify.channels.length || job.pingUrl
        ? h('span', { class: 'job-bell', 'data-notifies': '', title: notifyWords(job) }, icon('bell'))
        : null,
      job.usageTotals && job.usageTotals.costUsd != null
        ? h('span', { title: `${job.usageTotals.runs} AI runs kept` }, `· $${job.usageTotals.costUsd.toFixed(2)}`) : null);
    replace(tagsBox, tagChips(job.tags, onPickTag));
    tagsBox.hidden = !(job.tags && job.tags.length);
    desc.textContent = scheduleFallback(job.schedule);
    const sched = job.schedule;
    if (shown) describeSchedule(sched).then((text) => { if (job.schedule === sched) desc.textContent = text; });
    if (job.nextRunAt) {
      replace(next, 'Next ', relTimeEl(job.nextRunAt), h('span', { class: 'muted' }, ` · ${fmtAbs(job.nextRunAt)}`));
    } else {
      next.textContent = !job.enabled ? 'Disabled: not scheduled' : sched.kind === 'manual' ? 'Runs when you start it' : 'Nothing scheduled';
    }
  }

  function notifyWords(j) {
    const parts = [];
    if (j.notify && j.notify.channels.length) parts.push(`Notifies ${j.notify.channels.length} channel${j.notify.channels.length === 1 ? '' : 's'} on ${j.notify.on.join(', ')}`);
    if (j.pingUrl) parts.push('pings a health check');
    return parts.join('; ');
  }

  /** The last run's badge; "stopped" once its error is known from the strip. */
  function lastBadge(last) {
    const full = runs.find((r) => r.id === last.id);
    return full ? runBadge(full) : statusBadge(last.status);
  }

  function setRuns(list) {
    runs = list;
    renderStrip(strip, runs);
    renderRetrying();
    update(job);
  }

  function renderRetrying() {
    replace(retrying, retryingEl(job, runs));
  }

  function addRun(run) {
    const finished = run.finishedAt && !['queued', 'running'].includes(run.status);
    if (finished && (!job.lastRun || job.lastRun.id <= run.id)) {
      update({ ...job, lastRun: { id: run.id, status: run.status, finishedAt: run.finishedAt } });
    }
    const i = runs.findIndex((r) => r.id === run.id);
    if (i >= 0) runs[i] = run;
    else runs = [run, ...runs].sort((a, b) => b.id - a.id).slice(0, STRIP_SIZE);
    renderStrip(strip, runs);
    renderRetrying();
  }

  /** First time on screen: fetch the schedule's words. */
  function show() {
    if (shown) return false;
    shown = true;
    update(job);
    return true;
  }

  update(job);
  renderStrip(strip, []);
  return { el, update, setRuns, addRun, show, get job() { return job; } };
}

export default async function jobsPage(main, { query }) {
  setTitle('Jobs');
  const search = h('input', { class: 'input', type: 'search', placeholder: 'Search titles and scripts…  /', 'aria-label': 'Search jobs by title or body', 'data-search': '' });
  const list = h('div', { class: 'job-list', 'aria-live': 'polite' });
  const empty = h('div', { class: 'card empty', hidden: true },
    h('h2', null, 'No jobs yet'),
    h('p', null, 'A job is a shell script or an AI instruction that runs on a schedule or when you start it.'),
    h('a', { class: 'btn primary', href: '#/jobs/new' }, icon('plus'), 'Create your first job'));
  const noMatch = h('p', { class: 'muted', hidden: true, 'data-no-match': '' }, 'No job matches the filter.');
  let chosenTags = (query.tag || '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
  const filterBar = tagFilter(toggleTag);
  replace(main,
    h('div', { class: 'page-head' },
      h('h1', null, 'Jobs'),
      h('a', { class: 'btn primary', href: '#/jobs/new', 'data-new-job': '' }, icon('plus'), 'New job', h('kbd', null, 'n'))),
    h('div', { class: 'toolbar' }, search, h('span', { class: 'muted small', id: 'jobs-summary' })),
    filterBar.el,
    list, empty, noMatch);
  list.append(loading());

  const rows = new Map();
  const summary = main.querySelector('#jobs-summary');

  function refreshSummary() {
    const all = [...rows.values()].map((r) => r.job);
    const enabled = all.filter((j) => j.enabled).length;
    summary.textContent = all.length ? `${all.length} job${all.length === 1 ? '' : 's'}, ${enabled} enabled` : '';
    empty.hidden = all.length > 0;
    filterBar.render([...new Set(all.flatMap((j) => j.tags || []))], chosenTags);
    applyFilter();
  }

  /** Chip pressed (filter bar or a job's own tag): add or remove it. */
  function toggleTag(tag) {
    chosenTags = chosenTags.includes(tag) ? chosenTags.filter((t) => t !== tag) : [...chosenTags, tag];
    setHashQuietly(hashFor('jobs', { tag: chosenTags.join(',') }));
    refreshSummary();
  }

  function applyFilter() {
    const q = search.value.trim().toLowerCase();
    let shown = 0;
    for (const r of rows.values()) {
      const j = r.job;
      const hit = (!q || [j.title, j.type, j.body || '', ...(j.tags || [])].some((t) => t.toLowerCase().includes(q)))
        && hasTags(j, chosenTags);
      r.el.hidden = !hit;
      if (hit) shown += 1;
    }
    noMatch.hidden = !((q || chosenTags.length) && rows.size && !shown);
    summary.dataset.shown = String(shown);
    const all = summary.textContent.replace(/ · \d+ shown$/, '');
    summary.textContent = (q || chosenTags.length) && all ? `${all} · ${shown} shown` : all;
  }
  search.addEventListener('input', applyFilter);
  search.addEventListener('keydown', (e) => { if (e.key === 'Escape') { search.value = ''; applyFilter(); search.blur(); } });

  function addRow(job) {
    const row = jobRow(job, (tag) => {
      if (!chosenTags.includes(tag)) toggleTag(tag);
      const chip = filterBar.el.querySelector(`[data-tag-chip="${CSS.escape(tag)}"]`);
      if (chip) chip.focus();
    });
    rows.set(job.id, row);
    list.append(row.el);
    return row;
  }

  async function loadRuns(row) {
    try {
      const { runs } = await get(`/runs${qs({ jobId: row.job.id, limit: STRIP_SIZE })}`);
      row.setRuns(runs);
    } catch { /* strip stays empty */ }
  }

  // Rows load their details (schedule words, recent runs) when they come
  // into view, a few requests at a time: a thousand jobs stay cheap.
  const waiting = [];
  let inFlight = 0;
  function pump() {
    while (inFlight < 6 && waiting.length) {
      inFlight += 1;
      loadRuns(waiting.shift()).finally(() => { inFlight -= 1; pump(); });
    }
  }
  const byEl = new WeakMap();
  const observer = new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      observer.unobserve(e.target);
      const row = byEl.get(e.target);
      if (row && rows.get(row.job.id) === row && row.show()) {
        waiting.push(row);
        pump();
      }
    }
  }, { rootMargin: '300px' });
  function watch(row) {
    byEl.set(row.el, row);
    observer.observe(row.el);
  }

  async function load() {
    const { jobs } = await get('/jobs');
    list.replaceChildren();
    rows.clear();
    waiting.length = 0;
    for (const job of jobs) watch(addRow(job));
    refreshSummary();
    if (query.focus && rows.has(Number(query.focus))) {
      const row = rows.get(Number(query.focus));
      row.el.scrollIntoView({ block: 'center' });
      row.el.classList.add('changed');
    }
  }

  const offs = [
    on('job', (job) => {
      const row = rows.get(job.id);
      if (row) row.update(job);
      else watch(addRow(job));
      refreshSummary();
    }),
    on('job-deleted', ({ id }) => {
      const row = rows.get(id);
      if (row) row.el.remove();
      rows.delete(id);
      refreshSummary();
    }),
    on('run', (run) => {
      const row = rows.get(run.jobId);
      if (row) row.addRun(run);
    }),
    on('reconnect', () => load().catch(() => {})),
  ];

  // A job whose next run time has passed has fired: fetch its new one
  // (the change feed need not send a job event for that).
  const staleTimer = setInterval(async () => {
    const now = Date.now();
    for (const row of rows.values()) {
      const next = row.job.nextRunAt && Date.parse(row.job.nextRunAt);
      if (!next || next > now - 2000) continue;
      try {
        row.update(await get(`/jobs/${row.job.id}`));
      } catch { /* deleted meanwhile: the feed removes it */ }
    }
  }, 5000);

  try {
    await load();
  } catch (e) {
    replace(list, h('div', { class: 'banner error' }, h('div', null, h('strong', null, 'Could not load jobs'), e.message)));
  }
  return () => {
    observer.disconnect();
    clearInterval(staleTimer);
    offs.forEach((off) => off());
  };
}
