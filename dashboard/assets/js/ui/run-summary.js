// What an AI run said: its summary (the final message, first 500
// characters) as a one-line cell for tables and a block for the run page;
// a quiet run (the AI answered NOTHING_TO_REPORT) is shown muted, and a
// rate-limited run says when its limit resets.

import { h } from '../dom.js';
import { fmtAbs } from '../time.js';

/** The words shown for a run that has a summary, or null. */
function summaryText(run) {
  if (run.quiet) return 'Nothing to report';
  return run.summary || null;
}

/** A table cell: the error if any, else the summary (muted when quiet). */
export function resultCell(run) {
  if (run.error) return h('td', { class: 'error-cell', title: run.error }, run.error);
  const text = summaryText(run);
  return h('td', {
    class: `error-cell summary-cell${run.quiet ? ' quiet' : ''}`,
    title: run.summary || '',
    'data-summary': text === null ? null : '',
  }, text || '');
}

/** The run page's "What the AI said" block, or null. */
export function summaryBlock(run) {
  const parts = [];
  if (run.summary) {
    parts.push(h('div', { class: `run-summary${run.quiet ? ' quiet' : ''}`, 'data-run-summary': '' },
      h('strong', null, run.quiet ? 'Nothing to report' : 'What the AI said'),
      run.quiet ? h('p', { class: 'muted small' }, 'The AI answered NOTHING_TO_REPORT: the run succeeded quietly, without a success notification.')
        : h('p', { class: 'summary-text' }, run.summary)));
  }
  if (run.errorKind === 'rate_limited') {
    parts.push(h('p', { class: 'muted small', 'data-rate-limited': '' },
      run.retryAt ? `Rate limited: the limit resets ${fmtAbs(run.retryAt)}; a retry waits until then.`
        : 'Rate limited; the CLI did not say when the limit resets.'));
  }
  return parts.length ? h('div', null, parts) : null;
}

/** The CSS class of a table row for the run: muted when quiet. */
export function rowClass(run, base) {
  return run.quiet ? `${base || ''} quiet`.trim() : base || null;
}
