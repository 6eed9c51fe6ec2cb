// Run statuses and job types as badges, plus the lists the filters use.
// The API's statuses stay as they are; a `failure` whose error says it was
// stopped ("stopped by user", "stopped: supervisor shutting down") is shown
// as "stopped" — its own badge, its own filter, left out of success rates.

import { h } from './dom.js';

export const STATUSES = ['queued', 'running', 'success', 'failure', 'timeout', 'dropped'];
export const FINISHED = ['success', 'failure', 'timeout', 'dropped'];
/** What the History filter offers: the API statuses plus "stopped". */
export const SHOWN_STATUSES = ['queued', 'running', 'success', 'failure', 'stopped', 'timeout', 'dropped'];

/** Who stopped a run, from its error text: 'you', 'shutdown' or null. */
export function stoppedBy(run) {
  if (!run || run.status !== 'failure' || typeof run.error !== 'string') return null;
  if (/^stopped by user\b/.test(run.error)) return 'you';
  if (/^stopped\b/.test(run.error)) return 'shutdown';
  return null;
}

/** The status a person sees: the API status, or 'stopped'. */
export function shownStatus(run) {
  return stoppedBy(run) ? 'stopped' : run.status;
}

/** The words of a run's badge: "stopped by you", "stopped by shutdown", or its status. */
export function statusWords(run) {
  const by = stoppedBy(run);
  return by ? `stopped by ${by}` : run.status;
}

/** Badge for a bare status string (e.g. a job's last run). */
export function statusBadge(status, words = status) {
  return h('span', { class: `badge s-${status}`, 'data-status': status }, words);
}

/** Badge for a run: "stopped by you" rather than "failure" when stopped. */
export function runBadge(run) {
  const shown = shownStatus(run);
  const el = statusBadge(shown, statusWords(run));
  el.dataset.apiStatus = run.status;
  return el;
}

/** Does a run count towards a success rate? (finished and not stopped or dropped) */
export function countsForRate(run) {
  return ['success', 'failure', 'timeout'].includes(run.status) && !stoppedBy(run);
}

export function typeLabel(type) {
  if (type === 'script') return 'script';
  if (type === 'ai') return 'AI';
  return type;
}

export function typeBadge(type) {
  return h('span', { class: `badge type type-${type === 'ai' ? 'ai' : 'other'}` }, typeLabel(type));
}

export function isActive(status) {
  return status === 'queued' || status === 'running';
}
