// "About this job" card beside the editor: next and last run, when it was
// created and changed, AI usage totals, and a link to its history.

import { h } from '../dom.js';
import { statusBadge, typeLabel } from '../status.js';
import { fmtAbs } from '../time.js';
import { relTimeEl } from '../ticker.js';

/** Facts about an existing job, beside the form. */
export function aboutCard(job) {
  const usage = job.usageTotals;
  return h('section', { class: 'card ai-panel', 'aria-label': 'About this job' },
    h('h2', null, 'About this job'),
    h('dl', { class: 'kv', style: { gridTemplateColumns: '1fr 1fr' } },
      h('div', null, h('dt', null, 'Next run'), h('dd', null, job.nextRunAt ? relTimeEl(job.nextRunAt) : '—')),
      h('div', null, h('dt', null, 'Last run'), h('dd', null, job.lastRun
        ? h('a', { href: `#/runs/${job.lastRun.id}` }, statusBadge(job.lastRun.status)) : 'never')),
      h('div', null, h('dt', null, 'Created'), h('dd', { title: fmtAbs(job.createdAt) }, relTimeEl(job.createdAt))),
      h('div', null, h('dt', null, 'Updated'), h('dd', null, relTimeEl(job.updatedAt))),
      usage ? [
        h('div', null, h('dt', null, 'AI runs kept'), h('dd', null, String(usage.runs))),
        h('div', null, h('dt', null, 'Cost'), h('dd', null, usage.costUsd == null ? '—' : `$${usage.costUsd.toFixed(4)}`)),
        h('div', null, h('dt', null, 'Input tokens'), h('dd', null, (usage.inputTokens ?? 0).toLocaleString())),
        h('div', null, h('dt', null, 'Output tokens'), h('dd', null, (usage.outputTokens ?? 0).toLocaleString())),
      ] : null),
    h('a', { href: `#/history?jobId=${job.id}` }, `All runs of this job →`),
    h('span', { class: 'muted small' }, `Type: ${typeLabel(job.type)}`));
}
