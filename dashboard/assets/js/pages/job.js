// A job's own page (#/jobs/:id): what it does, its schedule in words with
// the next runs, and pictures of how it has been doing — a duration chart
// of the last 100 runs coloured by status, success rate and p50/p95
// duration, a 90-day heat-strip, and for AI jobs the cost per run and per
// day. Runs come from GET /api/runs?jobId=; kept current by /api/events.

import { get, post, qs } from '../api.js';
import { h, replace, setTitle, loading } from '../dom.js';
import { on } from '../events.js';
import { relTimeEl } from '../ticker.js';
import { typeBadge, runBadge, shownStatus } from '../status.js';
import { describeSchedule, previewCron } from '../schedule.js';
import { fmtAbs, fmtDuration, fmtShort } from '../time.js';
import { icon } from '../icons.js';
import { toastError } from '../toast.js';
import { busy } from '../ui/busy.js';
import { runStartedToast } from '../ui/run-actions.js';
import { runWithDialog } from '../ui/run-with.js';
import { barChart } from '../ui/charts.js';
import { tagChips } from '../ui/tags.js';
import { hashFor } from '../router.js';
import { runStats, dailyBuckets } from '../job-stats.js';
import { spentToday } from '../prefs-schema.js';
import { resultCell, rowClass } from '../ui/run-summary.js';

const CHART_RUNS = 100;
const HEAT_DAYS = 90;
const MAX_RUNS = 1000; // enough for 90 days of most jobs; older pages are not fetched
const STATUS_COLOURS = [
  ['success', '--ok'], ['failure', '--bad'], ['timeout', '--warn'], ['stopped', '--text-3'], ['dropped', '--border-strong'],
];

function stat(label, value, key) {
  return h('div', { 'data-stat': key }, h('dt', null, label), h('dd', null, value));
}

/** Runs of the job, newest first, back to `days` ago (at most MAX_RUNS). */
async function loadRuns(jobId, days) {
  const since = Date.now() - days * 86400_000;
  const out = [];
  let before = null;
  while (out.length < MAX_RUNS) {
    const page = await get(`/runs${qs({ jobId, limit: 500, before })}`);
    out.push(...page.runs);
    const last = page.runs[page.runs.length - 1];
    if (page.nextBefore == null || !last || Date.parse(last.queuedAt) < since) break;
    before = page.nextBefore;
  }
  return out;
}

function heatStrip(runs) {
  const days = dailyBuckets(runs, HEAT_DAYS);
  const max = Math.max(1, ...days.map((d) => d.runs));
  const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
  const total = days.reduce((n, d) => n + d.runs, 0);
  return h('div', { class: 'heat', role: 'img', 'data-heat': '', 'aria-label': `${total} runs in the last ${HEAT_DAYS} days, one square per day` },
    days.map((d) => {
      const level = d.runs ? 1 + Math.round((3 * d.runs) / max) : 0;
      const words = `${dayFmt.format(d.date)}: ${d.runs} run${d.runs === 1 ? '' : 's'}${d.failed ? `, ${d.failed} failed` : ''}`;
      return h('span', { class: `heat-day l${level}${d.failed ? ' bad' : ''}`, title: words, 'data-day': d.day, 'data-runs': d.runs });
    }));
}

export default async function jobPage(main, { id }) {
  setTitle(`Job #${id}`);
  main.append(loading());
  let job;
  try {
    job = await get(`/jobs/${id}`);
  } catch (e) {
    if (e.status !== 404) throw e;
    replace(main, h('div', { class: 'card empty' },
      h('h2', null, `Job #${id} not found`), h('p', null, 'It may have been deleted.'),
      h('a', { class: 'btn', href: '#/jobs' }, 'Back to jobs')));
    return null;
  }
  setTitle(job.title);
  let runs = await loadRuns(id, HEAT_DAYS);
  const charts = [];

  const runBtn = h('button', { class: 'btn primary', type: 'button', 'data-run-now': '' }, icon('play'), 'Run now');
  runBtn.addEventListener('click', () => busy(runBtn, async () => {
    try {
      runStartedToast(await post(`/jobs/${job.id}/runs`), job.title);
    } catch (e) {
      toastError(`Could not run “${job.title}”`, e);
    }
  }));

  const runWithBtn = h('button', { class: 'btn', type: 'button', 'data-run-with': '' }, 'Run with…');
  runWithBtn.addEventListener('click', () => runWithDialog(job));
  const dupBtn = h('button', { class: 'btn ghost', type: 'button', 'data-duplicate': '' }, 'Duplicate');
  // A copy starts disabled (it would otherwise fire beside the original)
  // and opens in the editor. Read-only fields are ignored by the API.
  dupBtn.addEventListener('click', () => busy(dupBtn, async () => {
    try {
      const copy = await post('/jobs', { ...job, title: `${job.title} (copy)`.slice(0, 200), enabled: false });
      location.hash = `#/jobs/${copy.id}/edit`;
    } catch (e) {
      toastError(`Could not duplicate “${job.title}”`, e);
    }
  }));

  const schedWords = h('p', { class: 'sched-words', 'data-schedule-words': '' }, '…');
  const nextList = h('ol', { class: 'next-runs', 'aria-label': 'Next runs', 'data-next-runs': '' });
  describeSchedule(job.schedule).then((w) => { schedWords.textContent = w; });
  if (!job.enabled && job.schedule.kind !== 'manual') {
    nextList.replaceWith(h('p', { class: 'muted' }, 'Disabled: it does not run on its schedule.'));
  } else if (job.schedule.kind === 'cron') {
    previewCron(job.schedule.expr, job.schedule.timezone, { count: 5 }).then((res) => {
      replace(nextList, (res.next || []).map((t) => h('li', null, fmtAbs(t), h('span', { class: 'muted' }, ' · ', relTimeEl(t)))));
    }).catch(() => {});
  } else if (job.schedule.kind === 'once' && job.nextRunAt) {
    replace(nextList, h('li', null, fmtAbs(job.nextRunAt), h('span', { class: 'muted' }, ' · ', relTimeEl(job.nextRunAt))));
  } else if (job.schedule.kind === 'manual') {
    nextList.replaceWith(h('p', { class: 'muted' }, 'Manual only: it runs when you start it.'));
  }

  const statsBox = h('dl', { class: 'kv stats', 'data-job-stats': '' });
  const durationBox = h('div', { 'data-duration-chart': '' });
  const heatBox = h('div');
  const costBox = h('section', { class: 'card section', hidden: true, 'aria-labelledby': 'cost-title', 'data-cost': '' });
  const recentBody = h('tbody');
  // What the job's runs of the last 24 h cost, against its daily budget.
  const spentEl = h('span', { class: 'small', 'data-spent-today': '' });
  function renderSpent() {
    spentEl.textContent = spentToday(job.spentTodayUsd, job.ai && job.ai.dailyBudgetUsd);
    const budget = job.ai && job.ai.dailyBudgetUsd;
    spentEl.style.color = budget && job.spentTodayUsd >= budget ? 'var(--bad)' : '';
  }

  function renderStats() {
    const s = runStats(runs.slice(0, CHART_RUNS));
    replace(statsBox,
      stat('Success rate', s.rate === null ? '—' : `${Math.round(s.rate * 100)}% (${s.ok}/${s.judged})`, 'rate'),
      stat('Median duration', s.p50 === null ? '—' : fmtDuration(s.p50), 'p50'),
      stat('p95 duration', s.p95 === null ? '—' : fmtDuration(s.p95), 'p95'),
      stat('Stopped', String(s.stopped), 'stopped'),
      stat('Last run', runs[0] ? [runBadge(runs[0]), ' ', relTimeEl(runs[0].finishedAt || runs[0].startedAt || runs[0].queuedAt)] : 'never', 'last'));
  }

  function renderCharts() {
    charts.splice(0).forEach((c) => c.destroy());
    const recent = runs.slice(0, CHART_RUNS).reverse(); // oldest first
    if (!recent.length) {
      replace(durationBox, h('p', { class: 'muted' }, 'No runs yet: the chart fills in as it runs.'));
    } else {
      const x = recent.map((_, i) => i);
      const groups = STATUS_COLOURS.map(([status, colour]) => ({
        label: status, colour,
        values: recent.map((r) => (shownStatus(r) === status ? (Number.isFinite(r.durationMs) ? r.durationMs / 1000 : 0) : null)),
      })).filter((g) => g.values.some((v) => v !== null));
      const chart = barChart({
        x, groups, height: 220,
        label: `Duration of the last ${recent.length} runs, coloured by status`,
        xLabel: (i) => (recent[i] ? `#${recent[i].id}` : ''),
        yLabel: (sec) => fmtDuration(sec * 1000),
      });
      charts.push(chart);
      replace(durationBox, chart.el);
    }
    replace(heatBox, heatStrip(runs));

    const priced = recent.filter((r) => r.usage && Number.isFinite(r.usage.costUsd));
    costBox.hidden = !(job.type === 'ai' || priced.length);
    if (!costBox.hidden) {
      const days = dailyBuckets(runs, 30).filter((d) => d.costUsd > 0);
      const total = priced.reduce((n, r) => n + r.usage.costUsd, 0);
      const perRun = priced.length ? barChart({
        x: priced.map((_, i) => i), height: 160,
        groups: [{ label: 'cost', colour: '--accent', values: priced.map((r) => r.usage.costUsd) }],
        label: `AI cost of the last ${priced.length} runs`,
        xLabel: (i) => (priced[i] ? `#${priced[i].id}` : ''), yLabel: (v) => `$${v.toFixed(v < 1 ? 3 : 2)}`,
      }) : null;
      const perDay = days.length ? barChart({
        x: days.map((d) => d.date.getTime() / 1000), xTime: true, height: 160,
        groups: [{ label: 'cost per day', colour: '--accent', values: days.map((d) => d.costUsd) }],
        label: `AI cost per day over the last 30 days`,
        xLabel: (t) => fmtShort(t * 1000).replace(/,? \d.*$/, ''), yLabel: (v) => `$${v.toFixed(v < 1 ? 3 : 2)}`,
      }) : null;
      for (const c of [perRun, perDay]) if (c) charts.push(c);
      replace(costBox,
        h('div', { class: 'card-head' }, h('h2', { id: 'cost-title' }, 'AI cost'),
          job.type === 'ai' ? spentEl : null,
          h('span', { class: 'muted small', 'data-cost-total': '' }, priced.length ? `$${total.toFixed(4)} over ${priced.length} runs · $${(total / priced.length).toFixed(4)} per run` : 'No run reported a cost yet')),
        h('div', { class: 'card-body chart-pair' },
          h('div', null, h('h3', null, 'Per run'), perRun ? perRun.el : h('p', { class: 'muted' }, '—')),
          h('div', null, h('h3', null, 'Per day'), perDay ? perDay.el : h('p', { class: 'muted' }, '—'))));
    }
  }

  function renderRecent() {
    replace(recentBody, runs.slice(0, 10).map((r) => h('tr', { class: rowClass(r), 'data-run-id': r.id, 'data-status': shownStatus(r) },
      h('td', null, h('a', { href: `#/runs/${r.id}`, class: 'mono' }, `#${r.id}`)),
      h('td', null, runBadge(r)),
      h('td', null, r.trigger),
      h('td', null, r.startedAt ? relTimeEl(r.startedAt) : h('span', { class: 'muted' }, 'never started')),
      h('td', { class: 'num' }, fmtDuration(r.durationMs)),
      resultCell(r))));
  }

  const bodyPreview = job.body.split('\n').slice(0, 12).join('\n') + (job.body.split('\n').length > 12 ? '\n…' : '');
  replace(main,
    h('div', { class: 'page-head' },
      h('div', { style: { marginRight: 'auto', minWidth: 0 } },
        h('div', { class: 'muted small' }, h('a', { href: '#/jobs' }, 'Jobs'), ' / ', `#${job.id}`),
        h('h1', { 'data-job-title': '' }, job.title),
        tagChips(job.tags, (tag) => { location.hash = hashFor('jobs', { tag }); })),
      typeBadge(job.type),
      job.enabled ? null : h('span', { class: 'badge plain' }, 'disabled'),
      runBtn, runWithBtn,
      h('a', { class: 'btn', href: `#/jobs/${job.id}/edit`, 'data-edit': '' }, icon('edit'), 'Edit'),
      dupBtn),
    h('div', { class: 'job-overview' },
      h('section', { class: 'card', 'aria-labelledby': 'what-title' },
        h('div', { class: 'card-head' }, h('h2', { id: 'what-title' }, 'What it does')),
        h('div', { class: 'card-body' },
          h('pre', { class: 'body-preview', 'data-body-preview': '' }, bodyPreview),
          h('p', { class: 'muted small' },
            job.cwd ? ['In ', h('code', null, job.cwd), '. '] : 'In your home directory. ',
            `Timeout ${job.timeoutMs ? fmtDuration(job.timeoutMs) : 'from Preferences'}.`))),
      h('section', { class: 'card', 'aria-labelledby': 'when-title' },
        h('div', { class: 'card-head' }, h('h2', { id: 'when-title' }, 'When it runs')),
        h('div', { class: 'card-body' }, schedWords, nextList))),
    h('section', { class: 'card section', 'aria-labelledby': 'health-title' },
      h('div', { class: 'card-head' }, h('h2', { id: 'health-title' }, 'How it has been doing'),
        h('span', { class: 'muted small' }, `last ${CHART_RUNS} runs`)),
      h('div', { class: 'card-body stack' }, statsBox, durationBox,
        h('div', null, h('h3', { class: 'small-head' }, `Runs per day, last ${HEAT_DAYS} days`), heatBox))),
    costBox,
    h('section', { class: 'card section', 'aria-labelledby': 'recent-title' },
      h('div', { class: 'card-head' }, h('h2', { id: 'recent-title' }, 'Recent runs'), h('span', { class: 'grow' }),
        h('a', { href: `#/history?jobId=${job.id}`, 'data-history-link': '' }, 'All runs in History →')),
      h('div', { class: 'table-wrap' }, h('table', { class: 'table phone-stack' }, recentBody))));

  renderSpent();
  renderStats();
  renderCharts();
  renderRecent();

  let redraw = null;
  const offs = [
    on('run', (r) => {
      if (r.jobId !== job.id) return;
      const i = runs.findIndex((x) => x.id === r.id);
      if (i >= 0) runs[i] = r; else runs = [r, ...runs].sort((a, b) => b.id - a.id);
      renderStats();
      renderRecent();
      clearTimeout(redraw);
      redraw = setTimeout(renderCharts, 400);
    }),
    on('job', (j) => {
      if (j.id !== job.id) return;
      job = { ...job, ...j };
      renderSpent();
    }),
  ];
  return () => {
    clearTimeout(redraw);
    offs.forEach((off) => off());
    charts.forEach((c) => c.destroy());
  };
}
