// Run detail (#/runs/:id): status, trigger, timings, exit code, error, AI
// usage and cost, the retry chain (attempt n of m, linked), and the live log. Status changes arrive on the log
// stream (`status` events) and on /api/events.

import { get, post } from '../api.js';
import { h, replace, setTitle, loading, keepFocus } from '../dom.js';
import { on } from '../events.js';
import { relTimeEl, elapsedEl } from '../ticker.js';
import { runBadge, statusWords, stoppedBy, isActive } from '../status.js';
import { fmtAbs, fmtShort, fmtDuration } from '../time.js';
import { icon } from '../icons.js';
import { toastError } from '../toast.js';
import { stopButton } from '../ui/run-actions.js';
import { queueReason } from '../ui/queue-reason.js';
import { logView } from '../ui/log-view.js';
import { retryChainEl } from '../ui/retry-chain.js';
import { deliveriesCard } from '../ui/deliveries.js';
import { summaryBlock } from '../ui/run-summary.js';

function kv(label, value, attrs = {}) {
  return h('div', attrs, h('dt', null, label), h('dd', null, value));
}

function timeCell(iso) {
  return iso ? h('time', { datetime: iso, title: fmtAbs(iso, { seconds: true }) }, fmtShort(iso, { seconds: true })) : '—';
}

export default async function runDetailPage(main, { id }) {
  setTitle(`Run #${id}`);
  main.append(loading());
  let run;
  try {
    run = await get(`/runs/${id}`);
  } catch (e) {
    if (e.status !== 404) throw e;
    replace(main, h('div', { class: 'card empty' },
      h('h2', null, `Run #${id} not found`),
      h('p', null, 'It may have been removed by log retention, or its job was deleted.'),
      h('a', { class: 'btn', href: '#/history' }, 'Browse history')));
    return null;
  }
  setTitle(`Run #${id}`, run.jobTitle);

  const header = h('div', { class: 'page-head' });
  const facts = h('dl', { class: 'kv', 'data-run-facts': '' });
  const errorBox = h('div', { class: 'run-error' });
  const usageBox = h('div');
  const waitBox = h('div', { 'data-queue-reason': '' });
  const saidBox = h('div');
  const summary = h('section', { class: 'card' }, h('div', { class: 'card-body' }, waitBox, facts, errorBox, saidBox));

  // Filled in once (and again when the run ends: a retry may follow).
  const chain = h('span');
  async function loadChain() {
    const el = await retryChainEl(run).catch(() => null);
    chain.replaceChildren(...(el ? [el] : []));
    render();
  }

  function render() {
    setTitle(`Run #${run.id} ${run.status}`, run.jobTitle);
    // Stop keeps keyboard focus: on the same button while the run stops,
    // then on "Run again" once it is gone.
    keepFocus(header, () => replace(header,
      h('div', { style: { marginRight: 'auto', minWidth: 0 } },
        h('div', { class: 'muted small' }, h('a', { href: '#/runs' }, 'Runs'), ' / ', `#${run.id}`),
        h('h1', null, h('a', { href: `#/jobs/${run.jobId}`, style: { color: 'inherit' } }, run.jobTitle || `Job #${run.jobId}`),
          ' ', h('span', { class: 'muted', style: { fontWeight: 400 } }, `run #${run.id}`))),
      h('span', { 'data-run-status': run.status }, runBadge(run)),
      isActive(run.status) ? stopButton(run, { small: false, onDone: update }) : null,
      h('button', { class: 'btn', type: 'button', onclick: runAgain, 'data-run-again': '', 'data-focus-key': 'run-again' }, icon('play'), 'Run again')),
    () => header.querySelector('[data-run-again]'));

    const running = run.status === 'running';
    const duration = running && run.startedAt ? elapsedEl(run.startedAt)
      : run.durationMs !== null && run.durationMs !== undefined ? fmtDuration(run.durationMs) : '—';
    replace(facts,
      kv('Status', statusWords(run), { 'data-fact': 'status' }),
      kv('Trigger', run.trigger),
      kv('Attempt', chain, { 'data-fact': 'attempt', hidden: !chain.childNodes.length }),
      run.status === 'queued' && run.notBefore ? kv('Not before', [timeCell(run.notBefore), ' ', h('span', { class: 'muted small' }, '(', relTimeEl(run.notBefore), ')')], { 'data-fact': 'not-before' }) : null,
      kv('Executor', h('span', { class: 'mono' }, run.executor || '—')),
      kv('Exit code', run.exitCode === null || run.exitCode === undefined ? '—' : String(run.exitCode), { 'data-fact': 'exit' }),
      kv('Scheduled for', timeCell(run.scheduledFor)),
      kv('Queued', timeCell(run.queuedAt)),
      kv('Started', run.startedAt ? timeCell(run.startedAt) : h('span', { class: 'muted' }, isActive(run.status) ? 'not yet' : 'never started'), { 'data-fact': 'started' }),
      kv('Finished', run.finishedAt ? [timeCell(run.finishedAt), ' ', h('span', { class: 'muted small' }, '(', relTimeEl(run.finishedAt), ')')] : '—'),
      kv(running ? 'Running for' : 'Duration', duration, { 'data-fact': 'duration' }));
    replace(errorBox, run.error ? h('div', { class: `banner ${run.status === 'dropped' || stoppedBy(run) ? 'info' : 'error'}`, 'data-run-error': '' },
      h('div', null, h('strong', null, stoppedBy(run) ? 'Stopped' : { dropped: 'Dropped', success: 'Succeeded, but' }[run.status] || 'Why it did not succeed'), run.error)) : null);
    replace(saidBox, summaryBlock(run));
    if (run.status === 'queued') queueReason(run).then((words) => { if (run.status === 'queued') replace(waitBox, words); });
    else waitBox.replaceChildren();
    const u = run.usage;
    replace(usageBox, u ? h('section', { class: 'card section', 'aria-labelledby': 'usage-title', 'data-usage': '' },
      h('div', { class: 'card-head' }, h('h2', { id: 'usage-title' }, 'AI usage')),
      h('div', { class: 'card-body' }, h('dl', { class: 'kv' },
        kv('Model', h('span', { class: 'mono' }, u.model || '—')),
        kv('Turns', u.turns ?? '—'),
        kv('Input tokens', (u.inputTokens ?? 0).toLocaleString()),
        kv('Output tokens', (u.outputTokens ?? 0).toLocaleString()),
        kv('Cost', u.costUsd === null || u.costUsd === undefined ? 'not reported' : `$${u.costUsd.toFixed(4)}`)))) : null);
  }

  async function runAgain() {
    try {
      const next = await post(`/jobs/${run.jobId}/runs`);
      location.hash = `#/runs/${next.id}`;
    } catch (e) {
      toastError('Could not start a run', e);
    }
  }

  function update(r) {
    // Same id but another job: the server reused a deleted run's id.
    if (!r || r.id !== run.id || r.jobId !== run.jobId) return;
    // Never go back from a final status to an active one on a stale event.
    if (!isActive(run.status) && isActive(r.status)) return;
    const ended = isActive(run.status) && !isActive(r.status);
    run = { ...run, ...r };
    render();
    if (ended) {
      setTimeout(loadChain, 300);
      setTimeout(() => deliveries.reload(), 500);
    }
  }

  const deliveries = deliveriesCard(run.id);
  const log = logView(run, {
    onStatus: update,
    onEnd: async () => {
      try {
        update(await get(`/runs/${run.id}`));
      } catch { /* keep what we have */ }
    },
  });
  render();
  loadChain();
  replace(main, header, summary, usageBox, deliveries.el, log.el);
  const off = on('run', update);
  return () => {
    off();
    log.destroy();
  };
}
