// Retries as people read them: "retry 2/3 in 40 s" for a queued retry,
// "retrying 2/3" on a job, and the chain of a run (attempt n of m, with
// links to the run it retries and the retry that followed it).

import { get, qs } from '../api.js';
import { h } from '../dom.js';
import { relTimeEl } from '../ticker.js';

// Each job's retry.attempts, as last seen by a page that listed the jobs.
const knownAttempts = new Map();

/** Remember the jobs' retry policies (for "retry 2/3" on run lists). */
export function rememberJobs(jobs) {
  for (const j of jobs) knownAttempts.set(j.id, j.retry ? j.retry.attempts : null);
}

/** "retry 2/3" (n-th retry of at most `attempts`; unknown max: "retry 2"). */
export function retryName(run, attempts) {
  const n = (run.attempt || 1) - 1;
  return attempts ? `retry ${n}/${attempts}` : `retry ${n}`;
}

/** "retry 2/3 in 40 s" while a retry waits for its notBefore. */
export function retryWaitEl(run, attempts = knownAttempts.get(run.jobId)) {
  if (run.trigger !== 'retry') return null;
  const waiting = run.status === 'queued' && run.notBefore && Date.parse(run.notBefore) > Date.now();
  return h('span', { class: 'retry-wait', 'data-retry-wait': run.id },
    retryName(run, attempts), waiting ? [' ', relTimeEl(run.notBefore)] : null);
}

/** "retrying 2/3" for a job whose newest run is an unfinished retry. */
export function retryingEl(job, runs) {
  const newest = runs[0];
  if (!newest || newest.trigger !== 'retry' || !['queued', 'running'].includes(newest.status)) return null;
  const attempts = job.retry ? job.retry.attempts : null;
  const n = newest.attempt - 1;
  return h('span', { class: 'badge s-queued', 'data-retrying': '', title: newest.notBefore ? `Not before ${newest.notBefore}` : '' },
    attempts ? `retrying ${n}/${attempts}` : `retrying ${n}`);
}

/** The run's place in its retry chain, or null for a run without one. */
export async function retryChainEl(run) {
  const [job, following] = await Promise.all([
    get(`/jobs/${run.jobId}`).catch(() => null),
    get(`/runs${qs({ jobId: run.jobId, limit: 100 })}`).then((r) => r.runs.find((x) => x.retryOf === run.id)).catch(() => null),
  ]);
  const attempts = job && job.retry ? job.retry.attempts : null;
  if (run.attempt <= 1 && !following && !attempts) return null;
  const of = attempts ? ` of ${attempts + 1}` : '';
  return h('span', { 'data-retry-chain': '' },
    `attempt ${run.attempt}${of}`,
    run.retryOf ? [' · retries ', h('a', { href: `#/runs/${run.retryOf}`, class: 'mono', 'data-retry-of': '' }, `#${run.retryOf}`)] : null,
    following ? [' · retried by ', h('a', { href: `#/runs/${following.id}`, class: 'mono', 'data-retried-by': '' }, `#${following.id}`),
      following.status === 'queued' && following.notBefore ? [' ', relTimeEl(following.notBefore)] : null] : null);
}
