// Browser tests of the AI spending guardrails: "spent today" against the
// job's daily budget on the job page (and the run it dropped), the global
// figure and budget on Preferences (edited and checked there), the
// `budget` event in the editor's notifications, the budget field of the
// editor's AI settings, and the queue banner of an AI run waiting for an
// AI slot (maxConcurrentAiRuns). AI runs go through the fake `claude`,
// which reports $0.0123 per run.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, FIXTURES } from './lib/server.mjs';
import { launch, newPage, login, visit, screenshot } from './lib/browser.mjs';

let server;
let chrome;
let page;
let job;
let dropped;

before(async () => {
  server = await startServer();
  chrome = await launch();
  const { api, until } = server;
  await api('PATCH', '/preferences', { claudeBinary: join(FIXTURES, 'fake-claude'), aiMode: 'claude', aiDailyBudgetUsd: 5, stopGraceMs: 200 });
  job = await api('POST', '/jobs', {
    title: 'Triage the inbox', type: 'ai', body: 'Triage the inbox.', schedule: { kind: 'manual' },
    ai: { dailyBudgetUsd: 0.02 },
  });
  // $0.0123 spent; a second run would bring it to $0.0246, past $0.02.
  const runs = [];
  for (let i = 0; i < 2; i += 1) {
    const r = await api('POST', `/jobs/${job.id}/runs`);
    runs.push(await until(async () => {
      const run = await api('GET', `/runs/${r.id}`);
      return ['queued', 'running'].includes(run.status) ? null : run;
    }, { timeout: 20000 }));
  }
  assert.equal(runs[0].status, 'success');
  [, dropped] = runs;
  assert.equal(dropped.status, 'dropped');
  assert.equal(dropped.error, 'budget: $0.01 of $0.02 spent in the last 24 h');
  ({ page } = await newPage(chrome.browser));
  await login(page, server);
});

after(async () => {
  await chrome?.close();
  await server?.stop();
});

test('the job page shows what the job spent today against its budget, and the dropped run', async () => {
  await visit(page, server, `jobs/${job.id}`, 'Triage the inbox');
  const spent = page.locator('[data-cost] [data-spent-today]');
  await spent.filter({ hasText: 'spent today: $0.01 of $0.02' }).waitFor();
  const row = page.locator(`tr[data-run-id="${dropped.id}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /dropped/);
  await screenshot(page, 'budget-job-page');
  assert.deepEqual(page.errors, []);
});

test('Preferences show the global spend, and the budget is edited and checked there', async () => {
  await visit(page, server, 'preferences', 'Preferences');
  const spent = page.locator('[data-pref="aiDailyBudgetUsd"] [data-spent-today]');
  await spent.filter({ hasText: 'spent today: $0.01 of $5.00' }).waitFor();
  await page.locator('[data-pref="aiDailyBudgetUsd"]').scrollIntoViewIfNeeded();
  await screenshot(page, 'budget-preferences');
  const input = page.locator('#pref-aiDailyBudgetUsd');
  assert.equal(await input.inputValue(), '5');
  await input.fill('nothing');
  await page.locator('#pref-aiDailyBudgetUsd-err', { hasText: 'US dollars above 0' }).waitFor();
  await input.fill('7.5');
  await page.click('[data-save-prefs]');
  await spent.filter({ hasText: 'spent today: $0.01 of $7.50' }).waitFor();
  assert.equal((await server.api('GET', '/preferences')).aiDailyBudgetUsd, 7.5);
  await input.fill('');
  await page.click('[data-save-prefs]');
  await spent.filter({ hasText: 'no daily budget' }).waitFor();
  assert.equal((await server.api('GET', '/preferences')).aiDailyBudgetUsd, null);
  assert.deepEqual(page.errors, []);
});

test('the editor sets the job budget and offers the budget event', async () => {
  await visit(page, server, `jobs/${job.id}/edit`, 'Edit job');
  const budget = page.locator('input[name="ai.dailyBudgetUsd"]');
  assert.equal(await budget.inputValue(), '0.02');
  await page.locator('[data-event="budget"]').waitFor();
  await budget.fill('3');
  await page.click('[data-save]');
  await page.waitForURL(/#\/jobs(\?|$)/);
  const saved = await server.api('GET', `/jobs/${job.id}`);
  assert.equal(saved.ai.dailyBudgetUsd, 3);
  assert.deepEqual(page.errors, []);
});

test('a queued AI run says it waits for an AI slot', async () => {
  const { api, until } = server;
  await api('PATCH', '/preferences', { maxConcurrentAiRuns: 1 });
  const slow = await api('POST', '/jobs', {
    title: 'Slow summary', type: 'ai', body: 'Summarise.', schedule: { kind: 'manual' },
    env: { FAKE_CLAUDE_SLEEP: '30' },
  });
  const first = await api('POST', `/jobs/${slow.id}/runs`);
  await until(async () => (await api('GET', `/runs/${first.id}`)).status === 'running');
  const second = await api('POST', `/jobs/${job.id}/runs`);
  await visit(page, server, `runs/${second.id}`);
  await page.locator('[data-queue-reason]', { hasText: '1 AI run is already running (maxConcurrentAiRuns)' }).waitFor();
  await api('POST', `/runs/${second.id}/stop`);
  await api('POST', `/runs/${first.id}/stop`);
  await until(async () => (await api('GET', `/runs/${first.id}`)).status === 'failure');
  await api('PATCH', '/preferences', { maxConcurrentAiRuns: 2 });
  assert.deepEqual(page.errors, []);
});
