// Unit tests of dashboard/assets/js/time.js and calendar-math.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { relTime, fmtDuration, fmtElapsed, spanWords, toLocalInput, fromLocalInput } from '../../../dashboard/assets/js/time.js';
import { monthGrid, weekDays, dayKey, groupByDay, collapseByJob, startOfWeek, addDays } from '../../../dashboard/assets/js/calendar-math.js';

const NOW = Date.parse('2026-11-24T09:00:00.000Z');

test('relative times read naturally', () => {
  assert.equal(relTime(NOW + 2000, NOW), 'now');
  assert.equal(relTime(NOW - 2000, NOW), 'just now');
  assert.equal(relTime(NOW + 42_000, NOW), 'in 42 s');
  assert.equal(relTime(NOW - 5 * 60_000, NOW), '5 min ago');
  assert.equal(relTime(NOW + (3 * 60 + 20) * 60_000, NOW), 'in 3 h 20 min');
  assert.equal(relTime(NOW + 2 * 3600_000, NOW), 'in 2 h');
  assert.equal(relTime(NOW + 20 * 3600_000, NOW), 'in 20 h');
  assert.equal(relTime(NOW - 3 * 86400_000, NOW), '3 days ago');
  assert.equal(relTime('2026-11-25T09:00:00.000Z', NOW), 'in 24 h');
  assert.equal(relTime(NOW + 86400_000 * 2, NOW), 'in 2 days');
  assert.equal(spanWords(86400_000 * 90), '3 months');
  assert.equal(relTime('garbage', NOW), '');
});

test('durations', () => {
  assert.equal(fmtDuration(0), '0 ms');
  assert.equal(fmtDuration(340), '340 ms');
  assert.equal(fmtDuration(1527), '1.53 s');
  assert.equal(fmtDuration(2000), '2 s');
  assert.equal(fmtDuration(42_400), '42 s');
  assert.equal(fmtDuration(245_000), '4 min 5 s');
  assert.equal(fmtDuration(1_800_000), '30 min');
  assert.equal(fmtDuration(7_380_000), '2 h 3 min');
  assert.equal(fmtDuration(null), '—');
  assert.equal(fmtElapsed(999), '0 s');
  assert.equal(fmtElapsed(65_500), '1 min 5 s');
});

test('datetime-local round trip', () => {
  const iso = '2026-11-24T09:30:00.000Z';
  assert.equal(fromLocalInput(toLocalInput(iso)), iso);
  assert.equal(fromLocalInput(''), null);
});

test('month grid covers whole Monday-first weeks', () => {
  const days = monthGrid(new Date(2026, 10, 15)); // November 2026: Sun 1st … Mon 30th
  assert.equal(days.length % 7, 0);
  assert.equal(days[0].getDay(), 1);
  assert.equal(dayKey(days[0]), '2026-10-26');
  assert.equal(dayKey(days[days.length - 1]), '2026-12-06');
  assert.equal(weekDays(new Date(2026, 10, 24)).map(dayKey)[0], '2026-11-23');
  assert.equal(dayKey(startOfWeek(new Date(2026, 10, 23))), '2026-11-23');
  assert.equal(dayKey(addDays(new Date(2026, 2, 28), 2)), '2026-03-30'); // across a DST change
});

test('occurrences grouped per day and collapsed per job', () => {
  const occ = [
    { jobId: 2, title: 'B', at: new Date(2026, 10, 24, 10).toISOString() },
    { jobId: 1, title: 'A', at: new Date(2026, 10, 24, 9).toISOString() },
    { jobId: 1, title: 'A', at: new Date(2026, 10, 24, 11).toISOString() },
    { jobId: 1, title: 'A', at: new Date(2026, 10, 25, 9).toISOString() },
  ];
  const m = groupByDay(occ);
  assert.equal(m.get('2026-11-24').length, 3);
  const c = collapseByJob(m.get('2026-11-24'));
  assert.deepEqual(c.map((g) => [g.jobId, g.count]), [[1, 2], [2, 1]]);
});
