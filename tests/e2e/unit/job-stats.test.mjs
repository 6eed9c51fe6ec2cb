// Unit tests of job-stats.js: success rate without stopped/dropped runs,
// nearest-rank percentiles, and the per-day buckets of the heat-strip.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, runStats, dailyBuckets } from '../../../dashboard/assets/js/job-stats.js';

const run = (status, durationMs, extra = {}) => ({ status, durationMs, startedAt: '2026-11-20T10:00:00Z', ...extra });

test('percentiles by nearest rank', () => {
  assert.equal(percentile([], 50), null);
  assert.equal(percentile([5], 95), 5);
  assert.equal(percentile([4, 1, 3, 2], 50), 2);
  assert.equal(percentile([...Array(100).keys()].map((i) => i + 1), 95), 95);
});

test('stopped and dropped runs are neither successes nor failures', () => {
  const s = runStats([
    run('success', 1000), run('success', 3000), run('failure', 2000),
    run('failure', 500, { error: 'stopped by user' }), run('dropped', null, { error: 'dropped by user' }),
    run('running', null),
  ]);
  assert.equal(s.ok, 2);
  assert.equal(s.judged, 3);
  assert.equal(s.rate, 2 / 3);
  assert.equal(s.p50, 2000);
  assert.equal(s.p95, 3000);
  assert.equal(s.stopped, 1);
});

test('daily buckets: one per local day, oldest first, with runs, failures and cost', () => {
  const now = new Date(2026, 10, 20, 12, 0);
  const at = (d, h) => new Date(2026, 10, d, h).toISOString();
  const b = dailyBuckets([
    run('success', 1, { startedAt: at(20, 9), usage: { costUsd: 0.25 } }),
    run('failure', 1, { startedAt: at(20, 10), usage: { costUsd: 0.5 } }),
    run('failure', 1, { startedAt: at(19, 10), error: 'stopped by user' }),
    run('success', 1, { startedAt: at(1, 10) }), // older than the window
  ], 3, now);
  assert.deepEqual(b.map((x) => x.day), ['2026-11-18', '2026-11-19', '2026-11-20']);
  assert.deepEqual(b.map((x) => x.runs), [0, 1, 2]);
  assert.deepEqual(b.map((x) => x.failed), [0, 0, 1]);
  assert.equal(b[2].costUsd, 0.75);
});
