// Browser tests of job tags and the History filters, at laptop (1280×800)
// and phone (390×844) size: tag chips on job rows, filter chips that
// narrow the jobs list (every chosen tag must match; the choice lives in
// the URL and survives a reload; focus stays on the chip), the editor's
// tags field (saved lowercased, bad tags named before saving), History's
// date range (days in the browser's zone, sent as instants) and its
// search in errors.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { launch, newPage, login, visit } from './lib/browser.mjs';
import { idle, textMatches, urlMatches } from './lib/wait.mjs';

let server;
let chrome;
const jobs = {};

before(async () => {
  server = await startServer();
  chrome = await launch();
  const { api } = server;
  const job = (title, tags, body = 'true') => api('POST', '/jobs', {
    title, type: 'script', body, schedule: { kind: 'manual' }, tags,
  });
  jobs.dbBackup = await job('Back up the database', ['backup', 'db']);
  jobs.filesBackup = await job('Back up the photos', ['backup', 'files']);
  jobs.vacuum = await job('Vacuum the database', ['db']);
  jobs.plain = await job('Say hello', []);
  jobs.laptop = await job('Greet the laptop', []);
  jobs.phone = await job('Greet the phone', []);
  jobs.full = await job('Disk filler', ['db'], "echo 'no space left on device' >&2; exit 28");
  jobs.broken = await job('Broken link check', [], 'exit 3');
  for (const j of [jobs.full, jobs.broken, jobs.plain]) await api('POST', `/jobs/${j.id}/runs`);
  await idle(server);
});

after(async () => {
  await chrome?.close();
  await server?.stop();
});

/** The titles of the job rows on screen. */
async function visibleTitles(page) {
  return page.locator('[data-job-id]:not([hidden]) .job-title').allTextContents();
}

/** "YYYY-MM-DD" of today in Europe/Paris (the browser's zone in newPage). */
function parisDay(offsetDays = 0) {
  const d = new Date(Date.now() + offsetDays * 86400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(d);
}

const SIZES = [['laptop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]];

for (const [name, viewport] of SIZES) {
  describe(`at ${name} size (${viewport.width}×${viewport.height})`, () => {
    let page;
    let context;
    before(async () => {
      ({ page, context } = await newPage(chrome.browser, { viewport }));
      await login(page, server);
    });
    after(async () => {
      assert.deepEqual(page.errors, []);
      await context?.close();
    });

    test('job rows show their tags; filter chips narrow the list and live in the URL', async () => {
      await visit(page, server, 'jobs', 'Jobs');
      const row = page.locator(`[data-job-id="${jobs.dbBackup.id}"]`);
      assert.deepEqual(await row.locator('[data-tags] .tag').allTextContents(), ['backup', 'db']);
      const bar = page.locator('[data-tag-filter]');
      const chips = await bar.locator('[data-tag-chip]').allTextContents();
      assert.deepEqual(chips.filter((c) => ['#backup', '#db', '#files'].includes(c)), ['#backup', '#db', '#files'], chips.join(' '));

      const backup = bar.locator('[data-tag-chip="backup"]');
      await backup.focus();
      await page.keyboard.press('Enter');
      await urlMatches(page, /#\/jobs\?tag=backup$/);
      assert.equal(await bar.locator('[data-tag-chip="backup"]').getAttribute('aria-pressed'), 'true');
      assert.deepEqual(await visibleTitles(page), ['Back up the database', 'Back up the photos']);
      assert.equal(await page.evaluate(() => document.activeElement.dataset.tagChip), 'backup', 'focus stays on the chip');

      // A second chip narrows further: a job must carry both tags.
      await bar.locator('[data-tag-chip="db"]').click();
      await urlMatches(page, /tag=backup%2Cdb$/);
      assert.deepEqual(await visibleTitles(page), ['Back up the database']);

      // The filter survives a reload (it is in the URL).
      await page.reload();
      await page.waitForFunction(() => document.querySelectorAll('[data-job-id]:not([hidden])').length === 1);
      assert.deepEqual(await visibleTitles(page), ['Back up the database']);

      // Un-pressing both brings every job back.
      await page.locator('[data-tag-chip="backup"]').click();
      await page.locator('[data-tag-chip="db"]').click();
      await urlMatches(page, /#\/jobs$/);
      assert.ok((await visibleTitles(page)).length >= 6);

      // A tag on a row is a shortcut to its filter.
      await page.locator(`[data-job-id="${jobs.filesBackup.id}"] [data-tag="files"]`).click();
      await urlMatches(page, /tag=files$/);
      assert.deepEqual(await visibleTitles(page), ['Back up the photos']);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the jobs page is ${overflow}px wider than the screen`);
      await page.locator('[data-tag-chip="files"]').click();
      await urlMatches(page, /#\/jobs$/);
    });

    test('a tag on a job’s own page opens the jobs list filtered by it', async () => {
      await page.goto(`${server.url}/#/jobs/${jobs.vacuum.id}`);
      await page.getByRole('heading', { level: 1, name: 'Vacuum the database' }).waitFor();
      await page.locator('[data-tags] [data-tag="db"]').click();
      await urlMatches(page, /#\/jobs\?tag=db$/);
      await page.getByRole('heading', { level: 1, name: 'Jobs' }).waitFor();
      await page.waitForFunction(() => document.querySelectorAll('[data-job-id]:not([hidden])').length === 3);
      assert.deepEqual(await visibleTitles(page), ['Back up the database', 'Vacuum the database', 'Disk filler']);
    });

    test('the editor saves tags lowercased and names a bad one before saving', async () => {
      const id = jobs[name].id;
      await visit(page, server, `jobs/${id}/edit`, 'Edit job');
      const input = page.locator('[data-tags-input]');
      await input.fill('Greeting, bad tag!');
      const error = page.locator('[data-field="tags"] .error');
      await textMatches(error, /“tag!” is not a tag/);
      await page.locator('[data-save]').click();
      assert.equal(await page.evaluate(() => document.activeElement.dataset.tagsInput), '', 'focus goes to the tags field');
      assert.deepEqual((await server.api('GET', `/jobs/${id}`)).tags, [], 'nothing saved');

      await input.fill(`Greeting, ${name}`);
      await page.locator('[data-save]').click();
      await urlMatches(page, /#\/jobs\?focus=/);
      assert.deepEqual((await server.api('GET', `/jobs/${id}`)).tags, ['greeting', name]);
      await page.locator(`[data-job-id="${id}"] [data-tag="greeting"]`).waitFor();
    });

    test('History filters by the days runs were queued, in the browser’s zone', async () => {
      await visit(page, server, 'history', 'History');
      await page.locator('[data-history] tr[data-run-id]').first().waitFor();
      const today = parisDay();
      const request = page.waitForRequest((r) => r.url().includes('/api/runs?') && r.url().includes('from='));
      await page.locator('[data-from]').fill(today);
      const sent = new URL((await request).url());
      // Midnight in Paris, as an instant: 23:00 or 22:00 UTC the day before.
      const from = new Date(sent.searchParams.get('from'));
      const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(from);
      assert.equal(local, '00:00', `from ${sent.searchParams.get('from')} is the start of the day in Paris`);
      await urlMatches(page, new RegExp(`from=${today}`));
      await page.locator('[data-history] tr[data-run-id]').first().waitFor();
      assert.equal(await page.locator('[data-history] tr[data-run-id]').count(), 3, 'today’s three runs');

      await page.locator('[data-to]').fill(parisDay(-1));
      await page.locator('[data-range-error]').waitFor();
      assert.equal(await page.locator('[data-history] tr[data-run-id]').count(), 0);

      await page.locator('[data-from]').fill(parisDay(-3));
      await urlMatches(page, new RegExp(`from=${parisDay(-3)}&to=${parisDay(-1)}`));
      await textMatches(page.locator('[data-history]'), /No run matches these filters/);
      await page.getByRole('link', { name: 'Clear filters' }).click();
      await urlMatches(page, /#\/history$/);
      await page.locator('[data-history] tr[data-run-id]').first().waitFor();
    });

    test('History searches the errors, ignoring case, and keeps the search box focused', async () => {
      await visit(page, server, 'history', 'History');
      const search = page.locator('[data-error-search]');
      await search.fill('CODE 28');
      await search.press('Enter');
      await urlMatches(page, /error=CODE\+28/);
      await page.waitForFunction(() => document.querySelectorAll('[data-history] tr[data-run-id]').length === 1);
      const row = page.locator('[data-history] tr[data-run-id]');
      assert.match(await row.textContent(), /Disk filler.*exit code 28/s);
      assert.equal(await page.evaluate(() => 'errorSearch' in document.activeElement.dataset), true, 'focus stays in the search box');

      // With a job filter too: the other job's error does not match.
      await page.locator('[data-job-filter]').selectOption(String(jobs.broken.id));
      await textMatches(page.locator('[data-history]'), /No run matches these filters/);
      await search.fill('exit code 3');
      await search.press('Enter');
      await page.waitForFunction(() => document.querySelectorAll('[data-history] tr[data-run-id]').length === 1);
      assert.match(await row.textContent(), /Broken link check/);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `History is ${overflow}px wider than the screen`);
    });
  });
}
