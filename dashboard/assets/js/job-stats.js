// Numbers about a job's runs for its page: success rate (stopped and
// dropped runs have no verdict), duration percentiles, runs per local day
// for the 90-day heat-strip and AI cost per day. Pure; unit-tested.

import { countsForRate, stoppedBy } from './status.js';

/** Nearest-rank percentile (p in 0..100) of numbers; null when empty. */
export function percentile(values, p) {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length, Math.max(1, rank)) - 1];
}

/** {ok, judged, rate (0..1 or null), p50, p95} over finished runs. */
export function runStats(runs) {
  const judged = runs.filter(countsForRate);
  const ok = judged.filter((r) => r.status === 'success').length;
  const durations = runs.filter((r) => countsForRate(r) && Number.isFinite(r.durationMs)).map((r) => r.durationMs);
  return {
    ok,
    judged: judged.length,
    rate: judged.length ? ok / judged.length : null,
    p50: percentile(durations, 50),
    p95: percentile(durations, 95),
    stopped: runs.filter((r) => stoppedBy(r)).length,
  };
}

/** Local "YYYY-MM-DD" of a date. */
export function localDay(date) {
  const d = new Date(date);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The last `days` local days, oldest first: [{day, date, runs, failed, costUsd}]. */
export function dailyBuckets(runs, days = 90, now = new Date()) {
  const out = [];
  const index = new Map();
  for (let i = days - 1; i >= 0; i -= 1) {
    const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() - i);
    const b = { day: localDay(d), date: d, runs: 0, failed: 0, costUsd: 0 };
    index.set(b.day, b);
    out.push(b);
  }
  for (const r of runs) {
    const when = r.startedAt || r.queuedAt;
    const b = when && index.get(localDay(when));
    if (!b) continue;
    b.runs += 1;
    if (r.status === 'timeout' || (r.status === 'failure' && !stoppedBy(r))) b.failed += 1;
    if (r.usage && Number.isFinite(r.usage.costUsd)) b.costUsd += r.usage.costUsd;
  }
  return out;
}
