// Unit tests of dashboard/assets/js/prefs-schema.js (preference checks and
// human-readable values) and schedule.js's zone suffix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PREFS, PREF_GROUPS, checkPref, humanPref, spentToday } from '../../../dashboard/assets/js/prefs-schema.js';
import { withZone, scheduleFallback } from '../../../dashboard/assets/js/schedule.js';

test('every preference of PRODUCT.md is described and grouped once', () => {
  const keys = ['defaultTimeoutMs', 'aiMode', 'claudeBinary', 'codexBinary', 'claudeModel', 'codexModel',
    'claudeEffort', 'codexEffort', 'claudePermissionMode', 'codexSandbox', 'logRetentionPerJob',
    'maxConcurrentRuns', 'stopGraceMs', 'maxLogBytes', 'aiStallTimeoutMs', 'maxConcurrentAiRuns', 'aiDailyBudgetUsd',
    'aiMaxBudgetUsdPerRun'];
  const grouped = PREF_GROUPS.flatMap((g) => g.keys);
  assert.deepEqual([...grouped].sort(), [...keys].sort());
  for (const k of keys) assert.ok(PREFS[k].label && PREFS[k].meaning, k);
});

test('numbers are checked against the API ranges', () => {
  assert.deepEqual(checkPref('maxConcurrentRuns', '4'), { value: 4 });
  assert.match(checkPref('maxConcurrentRuns', '0').error, /between 1 and 256/);
  assert.match(checkPref('maxConcurrentRuns', '257').error, /between/);
  assert.match(checkPref('stopGraceMs', '1.5').error, /whole number/);
  assert.deepEqual(checkPref('stopGraceMs', '0'), { value: 0 });
  assert.deepEqual(checkPref('maxLogBytes', '1099511627776'), { value: 1099511627776 });
  assert.match(checkPref('maxLogBytes', '4095').error, /between 4,096/);
});

test('the daily AI budget is dollars above zero, or empty for none', () => {
  assert.deepEqual(checkPref('aiDailyBudgetUsd', ''), { value: null });
  assert.deepEqual(checkPref('aiDailyBudgetUsd', ' 2.50 '), { value: 2.5 });
  assert.deepEqual(checkPref('aiDailyBudgetUsd', '$5'), { value: 5 });
  assert.match(checkPref('aiDailyBudgetUsd', '0').error, /above 0/);
  assert.match(checkPref('aiDailyBudgetUsd', '-1').error, /above 0/);
  assert.match(checkPref('aiDailyBudgetUsd', 'five').error, /above 0/);
  assert.match(checkPref('aiDailyBudgetUsd', '1e9').error, /above 0|At most/);
  assert.match(checkPref('maxConcurrentAiRuns', '0').error, /between 1 and 256/);
  assert.equal(spentToday(1.234, 5), 'spent today: $1.23 of $5.00');
  assert.equal(spentToday(0, null), 'spent today: $0.00');
});

test('enums and strings', () => {
  assert.deepEqual(checkPref('claudeEffort', ''), { value: '' });
  assert.match(checkPref('claudeEffort', 'minimal').error, /one of/);
  assert.deepEqual(checkPref('codexEffort', 'minimal'), { value: 'minimal' });
  assert.deepEqual(checkPref('claudeBinary', '  /opt/claude  '), { value: '/opt/claude' });
  assert.match(checkPref('claudeBinary', ' ').error, /empty/);
  assert.deepEqual(checkPref('claudeModel', ''), { value: '' });
});

test('human forms of durations and sizes', () => {
  assert.equal(humanPref('defaultTimeoutMs', 1800000), '30 min');
  assert.equal(humanPref('defaultTimeoutMs', 604800000), '7 d');
  assert.equal(humanPref('stopGraceMs', 5500), '5 s');
  assert.equal(humanPref('stopGraceMs', 250), '250 ms');
  assert.equal(humanPref('maxLogBytes', 52428800), '50 MiB');
  assert.equal(humanPref('maxLogBytes', 1536), '1.5 KiB');
  assert.equal(humanPref('maxConcurrentRuns', 4), '');
});

test('schedule words get the zone without a doubled full stop', () => {
  assert.equal(withZone('At 03:00.', 'Europe/Paris'), 'At 03:00, Europe/Paris');
  assert.equal(withZone('At 03:00 every day', null), 'At 03:00 every day');
  assert.equal(scheduleFallback({ kind: 'manual' }), 'Manual only');
  assert.equal(scheduleFallback({ kind: 'cron', expr: '0 3 * * *', timezone: 'UTC' }), '0 3 * * *, UTC');
});
