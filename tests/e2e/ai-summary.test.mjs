// Browser tests of what AI runs report (issue 11, runner side): the final
// message as the run's summary in History, on the Runs page, the job page
// and the run page; a NOTHING_TO_REPORT run shown muted ("Nothing to report"); the
// per-run budget, token cap and session fields of the editor; and the
// per-run budget on Preferences. AI runs go through the fake `claude` of
// tests/ai-mock, which replays real recorded output (FAKE_CLI_SCENARIO).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, ROOT } from './lib/server.mjs';
import { launch, newPage, login, visit, screenshot } from './lib/browser.mjs';

let server;
let chrome;
let page;
let job;
let said;
let quiet;

async function finished(id) {
  const { api, until } = server;
  return until(async () => {
    const run = await api('GET', `/runs/${id}`);
    return ['queued', 'running'].includes(run.status) ? null : run;
  }, { timeout: 20000 });
}

before(async () => {
  server = await startServer();
  chrome = await launch();
  const { api } = server;
  await api('PATCH', '/preferences', { claudeBinary: join(ROOT, 'tests/ai-mock/fake/claude'), aiMode: 'claude' });
  job = await api('POST', '/jobs', {
    title: 'Check the repos', type: 'ai', body: 'Check the repos; answer NOTHING_TO_REPORT if all is well.',
    schedule: { kind: 'manual' }, env: { FAKE_CLI_SCENARIO: 'summary' },
  });
  said = await finished((await api('POST', `/jobs/${job.id}/runs`)).id);
  quiet = await finished((await api('POST', `/jobs/${job.id}/runs`, { env: { FAKE_CLI_SCENARIO: 'nothing' } })).id);
  assert.equal(said.status, 'success');
  assert.ok(said.summary.startsWith('Checked 3 repositories'));
  assert.equal(quiet.quiet, true);
  ({ page } = await newPage(chrome.browser));
  await login(page, server);
});

after(async () => {
  await chrome?.close();
  await server?.stop();
});

test('History shows what the AI said, and a quiet run muted', async () => {
  await visit(page, server, 'history', 'History');
  const saidRow = page.locator(`tr[data-run-id="${said.id}"]`);
  await saidRow.locator('[data-summary]', { hasText: 'Checked 3 repositories: all green;' }).waitFor();
  const quietRow = page.locator(`tr[data-run-id="${quiet.id}"]`);
  await quietRow.locator('[data-summary]', { hasText: 'Nothing to report' }).waitFor();
  assert.match(await quietRow.getAttribute('class'), /\bquiet\b/);
  assert.doesNotMatch((await saidRow.getAttribute('class')) || '', /\bquiet\b/);
  const opacity = await quietRow.locator('td').first().evaluate((td) => getComputedStyle(td).opacity);
  assert.ok(Number(opacity) < 1, `a quiet run is muted (opacity ${opacity})`);
  await screenshot(page, 'ai-summary-history');
  assert.deepEqual(page.errors, []);
});

test('the Runs page shows the summary of recent runs', async () => {
  await visit(page, server, 'runs', 'Runs');
  await page.locator(`[data-recent-runs] tr[data-run-id="${said.id}"] [data-summary]`, { hasText: 'Checked 3 repositories' }).waitFor();
  await page.locator(`[data-recent-runs] tr.quiet[data-run-id="${quiet.id}"] [data-summary]`, { hasText: 'Nothing to report' }).waitFor();
  assert.deepEqual(page.errors, []);
});

test('the job page and the run page show the summary', async () => {
  await visit(page, server, `jobs/${job.id}`, 'Check the repos');
  await page.locator(`tr[data-run-id="${said.id}"] [data-summary]`, { hasText: 'Checked 3 repositories' }).waitFor();
  await visit(page, server, `runs/${said.id}`);
  const block = page.locator('[data-run-summary]');
  await block.waitFor();
  assert.equal((await block.locator('.summary-text').innerText()).trim(), said.summary);
  await visit(page, server, `runs/${quiet.id}`);
  await page.locator('[data-run-summary]', { hasText: 'Nothing to report' }).waitFor();
  assert.deepEqual(page.errors, []);
});

test('the editor sets the per-run budget, the token cap and the session', async () => {
  await visit(page, server, `jobs/${job.id}/edit`, 'Edit job');
  await page.locator('input[name="ai.maxTokens"]').fill('lots');
  await page.click('[data-save]');
  await page.locator('.error', { hasText: /integer/ }).first().waitFor();
  await page.locator('input[name="ai.maxBudgetUsd"]').fill('0.5');
  await page.locator('input[name="ai.maxTokens"]').fill('200000');
  await page.locator('select[name="ai.session"]').selectOption('continue');
  await page.click('[data-save]');
  await page.waitForURL(/#\/jobs(\?|$)/);
  const saved = await server.api('GET', `/jobs/${job.id}`);
  assert.equal(saved.ai.maxBudgetUsd, 0.5);
  assert.equal(saved.ai.maxTokens, 200000);
  assert.equal(saved.ai.session, 'continue');
  await visit(page, server, `jobs/${job.id}/edit`, 'Edit job');
  assert.equal(await page.locator('input[name="ai.maxBudgetUsd"]').inputValue(), '0.5');
  assert.equal(await page.locator('select[name="ai.session"]').inputValue(), 'continue');
  assert.deepEqual(page.errors, []);
});

test('Preferences set the budget per AI run', async () => {
  await visit(page, server, 'preferences', 'Preferences');
  const input = page.locator('#pref-aiMaxBudgetUsdPerRun');
  assert.equal(await input.inputValue(), '');
  await input.fill('0.25');
  await page.click('[data-save-prefs]');
  await server.until(async () => (await server.api('GET', '/preferences')).aiMaxBudgetUsdPerRun === 0.25);
  assert.deepEqual(page.errors, []);
});
