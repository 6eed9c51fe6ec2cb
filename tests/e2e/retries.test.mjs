// Browser tests of retries and limits: the editor's "Retries and limits"
// section saves what it shows, a queued retry reads "retry 1/2 in …" on
// the Runs page and "retrying 1/2" on the jobs list, and run detail links
// the retry chain (attempt n of m).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { launch, newPage, login, visit } from './lib/browser.mjs';
import { textMatches } from './lib/wait.mjs';

let server;
let chrome;
let page;
let context;

before(async () => {
  server = await startServer();
  chrome = await launch();
  ({ page, context } = await newPage(chrome.browser));
  await login(page, server);
});

after(async () => {
  await context?.close();
  await chrome?.close();
  await server?.stop();
});

test('the editor saves retries, stall, long-run and catch-up', async () => {
  await visit(page, server, 'jobs/new', 'New job');
  await page.locator('input[name="title"]').fill('Flaky sync');
  await page.locator('textarea[data-code]').fill('exit 1');
  const limits = page.locator('[data-section="limits"]');
  await limits.getByRole('heading', { name: 'Retries and limits' }).waitFor();
  assert.equal(await page.locator('input[name="retry.delayMs"]').isVisible(), false, 'delay hidden without retries');
  await page.locator('input[name="retry.attempts"]').fill('3');
  await page.locator('input[name="retry.delayMs"]').fill('30');
  await page.locator('select[name="retry.backoff"]').selectOption('exponential');
  await page.locator('input[name="stallTimeoutMs"]').fill('5');
  await page.locator('input[name="longRunMs"]').fill('20');
  await page.locator('select[name="catchUp"]').selectOption('all');
  await page.locator('[data-save]').click();
  // Saving returns to the jobs list; wait for that navigation, or the visit
  // below can be overtaken by it (the API has the job before the page moves).
  await page.waitForURL(/#\/jobs\?focus=\d+$/);
  const job = await server.until(async () => (await server.api('GET', '/jobs')).jobs.find((j) => j.title === 'Flaky sync'));
  assert.deepEqual(job.retry, { attempts: 3, delayMs: 30000, backoff: 'exponential', maxDelayMs: 3600000 });
  assert.equal(job.stallTimeoutMs, 300000);
  assert.equal(job.longRunMs, 1200000);
  assert.equal(job.catchUp, 'all');

  // Reopened, it shows the same values.
  await visit(page, server, `jobs/${job.id}/edit`, 'Edit job');
  assert.equal(await page.locator('input[name="retry.attempts"]').inputValue(), '3');
  assert.equal(await page.locator('select[name="catchUp"]').inputValue(), 'all');
  assert.equal(await page.locator('input[name="stallTimeoutMs"]').inputValue(), '5');
});

test('a queued retry shows its wait, the job shows retrying, run detail links the chain', async () => {
  const job = await server.api('POST', '/jobs', {
    title: 'Retry me', type: 'script', body: 'echo trying; exit 2', schedule: { kind: 'manual' },
    retry: { attempts: 2, delayMs: 600000 },
  });
  const first = await server.api('POST', `/jobs/${job.id}/runs`);
  const retry = await server.until(async () =>
    (await server.api('GET', `/runs?jobId=${job.id}`)).runs.find((r) => r.retryOf === first.id));
  assert.equal(retry.status, 'queued');

  await visit(page, server, 'runs', 'Runs');
  await textMatches(page.locator(`[data-active-runs] [data-run-id="${retry.id}"]`), /retry 1\/2 in \d+ min/);

  await visit(page, server, 'history', 'History');
  await textMatches(page.locator(`[data-history] tr:has(a[href="#/runs/${retry.id}"])`), /queued\s*retry 1\/2 in \d+ min/);

  await visit(page, server, 'jobs', 'Jobs');
  await textMatches(page.locator(`[data-job-id="${job.id}"] [data-retrying]`), /retrying 1\/2/);

  await page.goto(`${server.url}/#/runs/${first.id}`);
  await textMatches(page.locator('[data-retry-chain]'), /attempt 1 of 3 · retried by #\d+/);
  await page.locator('[data-retried-by]').click();
  await page.getByRole('heading', { level: 1, name: new RegExp(`run #${retry.id}$`) }).waitFor();
  await textMatches(page.locator('[data-retry-chain]'), new RegExp(`attempt 2 of 3 · retries #${first.id}`));
  await textMatches(page.locator('[data-fact="not-before"]'), /in \d+ min/);
});
