// Browser tests of the round-2 dashboard defects, each at laptop (1280×800)
// and phone (390×844) size: the editor's Save bar above the phone tab bar,
// Stop / Drop in view and named with their run, toasts clear of the tab bar
// and of the last job's buttons, keyboard focus kept after Space / Enter,
// queued runs announced as queued (with reason and position), stopped runs
// shown as "stopped" (badge, filters, success rate), and wording / units.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { launch, newPage, login, visit } from './lib/browser.mjs';
import { idle as idleOn, ownCentre, focused, boxesOverlap } from './lib/wait.mjs';

/** Wait for no active run at all (the queue is shared by both sizes). */
const idle = () => idleOn(server);

let server;
let chrome;
const jobs = {};

before(async () => {
  server = await startServer();
  chrome = await launch();
  const { api } = server;
  // One run at a time, so a second run waits in the queue.
  // A stop takes the whole grace period (the script ignores SIGTERM), so
  // the Stop button is seen keeping focus while its run ends.
  await api('PATCH', '/preferences', { maxConcurrentRuns: 1, stopGraceMs: 1500 });
  jobs.count = await api('POST', '/jobs', {
    title: 'Count to 100', type: 'script', body: "trap '' TERM\nfor i in $(seq 1 100); do echo $i; sleep 1; done",
    schedule: { kind: 'cron', expr: '0 3 * * *' },
  });
  jobs.quick = await api('POST', '/jobs', {
    title: 'Quick check', type: 'script', body: 'echo ok', schedule: { kind: 'cron', expr: '*/5 * * * *' },
  });
  jobs.manual = await api('POST', '/jobs', {
    title: 'Manual export', type: 'script', body: 'echo export', schedule: { kind: 'manual' },
  });
  jobs.disk = await api('POST', '/jobs', {
    title: 'Disk usage report for the home server', type: 'script', body: 'df -h', schedule: { kind: 'cron', expr: '*/5 * * * *' },
  });
  for (let i = 1; i <= 8; i += 1) {
    await api('POST', '/jobs', { title: `Filler job ${i}`, type: 'script', body: 'true', schedule: { kind: 'cron', expr: `${i} 4 * * *` } });
  }
});

after(async () => {
  await chrome?.close();
  await server?.stop();
});

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
      assert.deepEqual(page.errors, [], 'no script errors');
      await context?.close();
    });

    test('the editor Save button is the element at its own centre (not under the tab bar)', async () => {
      await visit(page, server, 'jobs/new', 'New job');
      await page.evaluate(() => window.scrollTo(0, 0));
      const save = page.locator('[data-save]');
      const at = await save.evaluate((el) => {
        const r = el.getBoundingClientRect();
        const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return { hit: top === el || el.contains(top), what: top ? top.outerHTML.slice(0, 80) : 'nothing', inView: r.bottom <= window.innerHeight };
      });
      assert.ok(at.inView, 'the sticky Save bar is in view');
      assert.ok(at.hit, `Save is covered by ${at.what}`);
      await page.goto(`${server.url}/#/jobs`);
    });

    test('focus stays on the Enabled switch after Space, and on Run now after Enter', async () => {
      await visit(page, server, 'jobs', 'Jobs');
      const row = page.locator(`[data-job-id="${jobs.quick.id}"]`);
      const toggle = row.getByRole('switch');
      await toggle.focus();
      await page.keyboard.press('Space');
      await page.locator('.toast', { hasText: 'Disabled “Quick check”' }).waitFor();
      await server.until(async () => !(await server.api('GET', `/jobs/${jobs.quick.id}`)).enabled);
      assert.equal((await focused(page)).label, 'Enabled: Quick check');
      await page.keyboard.press('Space');
      await page.locator('.toast', { hasText: 'Enabled “Quick check”' }).waitFor();
      assert.equal((await focused(page)).label, 'Enabled: Quick check');
      assert.equal(await toggle.isChecked(), true);

      const runNow = row.locator('[data-action=run]');
      await runNow.focus();
      await page.keyboard.press('Enter');
      await page.locator('.toast', { hasText: /Started “Quick check”/ }).waitFor();
      assert.equal((await focused(page)).label, 'Run Quick check now');
      await idle();
    });

    test('a manual-only job has no Enabled switch that does nothing; it says how it runs', async () => {
      const row = page.locator(`[data-job-id="${jobs.manual.id}"]`);
      assert.equal(await row.getByRole('switch').isVisible(), false);
      assert.match(await row.locator('.manual-mark').getAttribute('title'), /Manual only/);
      assert.match(await row.locator('.job-schedule').textContent(), /Runs when you start it/);
    });

    test('a queued run is announced as queued, and its page says why it waits and where it stands', async () => {
      await visit(page, server, 'jobs', 'Jobs');
      const first = await server.api('POST', `/jobs/${jobs.count.id}/runs`);
      await server.until(async () => (await server.api('GET', `/runs/${first.id}`)).status === 'running');
      await page.locator(`[data-job-id="${jobs.quick.id}"] [data-action=run]`).click();
      const toast = page.locator('.toast', { hasText: /Queued “Quick check”/ });
      await toast.waitFor();
      assert.doesNotMatch(await toast.textContent(), /Started/);
      await toast.getByRole('link', { name: /See why/ }).click();
      const reason = page.locator('[data-queue-reason]');
      await reason.getByText(/number 1 of 1 waiting/).waitFor();
      assert.match(await reason.textContent(), /All 1 run slots are busy/);
      assert.match(await page.locator('[data-log]').textContent(), /Not started yet/);
      assert.match(await page.locator('[data-fact=started]').textContent(), /not yet/);

      // Runs page: buttons named with their run; in view on a phone.
      await visit(page, server, 'runs', 'Runs');
      const stop = page.getByRole('button', { name: `Stop run #${first.id} of “Count to 100”` });
      const drop = page.getByRole('button', { name: /^Drop run #\d+ of “Quick check”$/ });
      for (const btn of [stop, drop]) {
        const at = await ownCentre(btn);
        assert.ok(at.hit, `covered by ${at.what}`);
        assert.ok(at.right <= at.width, `cut off at the right edge (${at.right} > ${at.width})`);
      }
      // Enter on Drop keeps focus in the table (on the next button), not <body>.
      await drop.focus();
      await page.keyboard.press('Enter');
      await page.locator('.toast', { hasText: /Dropped run/ }).waitFor();
      await server.until(async () => (await server.api('GET', '/runs?status=queued')).runs.length === 0);
      await page.waitForFunction(() => !document.querySelector('[data-active-runs] [data-status=queued]'));
      assert.notEqual((await focused(page)).tag, 'BODY');
      // Enter on Stop: focus stays on Stop while the run ends, then moves
      // to the Active heading once its row is gone.
      await stop.focus();
      await page.keyboard.press('Enter');
      await page.locator('.toast', { hasText: /Stopping run/ }).waitFor();
      assert.equal((await focused(page)).label, `Stop run #${first.id} of “Count to 100”`);
      await page.locator(`[data-recent-runs] tr[data-run-id="${first.id}"][data-status=stopped]`).waitFor({ timeout: 15000 });
      // Its row gone, focus follows the run to "Recently finished".
      assert.equal((await focused(page)).label, `#${first.id}`);
      assert.match(await page.locator(`[data-recent-runs] tr[data-run-id="${first.id}"]`).textContent(), /stopped by you/);
      await idle();
    });

    test('the run page keeps focus on Stop after Enter, then on Run again', async () => {
      const run = await server.api('POST', `/jobs/${jobs.count.id}/runs`);
      await server.until(async () => (await server.api('GET', `/runs/${run.id}`)).status === 'running');
      await page.goto(`${server.url}/#/runs/${run.id}`);
      const stop = page.locator(`[data-stop="${run.id}"]`);
      await stop.focus();
      await page.keyboard.press('Enter');
      await page.locator('[data-run-status] [data-status=stopped]').waitFor({ timeout: 15000 });
      assert.equal((await focused(page)).key, 'run-again');
      assert.match(await page.locator('[data-fact=status]').textContent(), /stopped by you/);
      await idle();
    });

    test('stopped runs are "stopped" in History: own badge and filter, not failures; no STARTED for runs never started', async () => {
      await visit(page, server, 'history', 'History');
      await page.locator('[data-history] tr[data-run-id]').first().waitFor();
      const stopped = page.locator('[data-history] tr[data-status=stopped]');
      assert.ok(await stopped.count() >= 1);
      assert.match(await stopped.first().locator('.badge').textContent(), /stopped by you/);
      // Runs that never started show no start time.
      const dropped = page.locator('[data-history] tr[data-status=dropped]').first();
      assert.match(await dropped.locator('[data-started]').textContent(), /never started/);
      // Job names link to their job.
      const link = stopped.first().locator('[data-job-link]');
      assert.equal(await link.getAttribute('href'), `#/jobs/${jobs.count.id}`);

      await page.locator('[data-status-filter=failure]').check({ force: true });
      await page.waitForURL(/status=failure/);
      await page.locator('[data-history]').waitFor();
      await page.waitForFunction(() => !document.querySelector('[data-history] .loading'));
      assert.equal(await page.locator('[data-history] tr[data-status=stopped]').count(), 0, 'failure filter leaves stopped runs out');
      await visit(page, server, 'history?status=stopped', 'History');
      await page.locator('[data-history] tr[data-status=stopped]').first().waitFor();
      assert.equal(await page.locator('[data-history] tr[data-run-id]:not([data-status=stopped])').count(), 0);
    });

    test('success rates leave stopped runs out ("1/1 ok")', async () => {
      const ok = await server.api('POST', `/jobs/${jobs.count.id}/runs`, { env: {} });
      await server.until(async () => (await server.api('GET', `/runs/${ok.id}`)).status === 'running');
      await server.api('POST', `/runs/${ok.id}/stop`);
      await idle();
      await visit(page, server, 'jobs', 'Jobs');
      const caption = page.locator(`[data-job-id="${jobs.count.id}"] .strip-caption`);
      await caption.waitFor({ state: 'attached' });
      // Every run of "Count to 100" was stopped: no verdict, so no "x/y ok".
      assert.doesNotMatch(await caption.textContent(), /\d+\/\d+ ok/);
      assert.match(await page.locator(`[data-job-id="${jobs.count.id}"] .job-meta`).textContent(), /stopped by you/);
      const quick = page.locator(`[data-job-id="${jobs.quick.id}"] .strip-caption`);
      await page.locator(`[data-job-id="${jobs.quick.id}"]`).scrollIntoViewIfNeeded();
      await page.waitForFunction((id) => /ok/.test(document.querySelector(`[data-job-id="${id}"] .strip-caption`)?.textContent || ''), jobs.quick.id);
      // Its dropped runs count for nothing: every verdict is a success.
      assert.match(await quick.textContent(), /^(\d+)\/\1 ok/);
    });

    test('a toast does not scroll the page when focus is on the page itself (after a route change)', async () => {
      // The router focuses <main> on every page change; a toast that appears
      // or goes then must leave the page where it is (it once jumped down
      // by a screen, throwing the Runs page's Stop buttons out of view).
      await visit(page, server, 'history', 'History');
      await page.locator('[data-history] tr[data-run-id]').first().waitFor();
      await page.evaluate(() => window.scrollTo(0, 0));
      assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
      await page.evaluate(async () => {
        const { toast } = await import('/assets/js/toast.js');
        toast('Scroll check', { timeout: 400 });
      });
      const shown = page.locator('.toast', { hasText: 'Scroll check' });
      await shown.waitFor();
      assert.equal(await page.evaluate(() => window.scrollY), 0, 'a toast appearing scrolled the page');
      await shown.waitFor({ state: 'detached' });
      assert.equal(await page.evaluate(() => window.scrollY), 0, 'a toast going scrolled the page');
    });

    test('toasts cover neither the tab bar nor the last job row’s buttons', async () => {
      await visit(page, server, 'jobs', 'Jobs');
      const last = page.locator('[data-job-id]').last();
      await last.scrollIntoViewIfNeeded();
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      await last.locator('[data-action=run]').click();
      const toast = page.locator('.toast').last();
      await toast.waitFor();
      await page.waitForTimeout(300); // the slide-in animation
      const tb = await toast.boundingBox();
      for (const sel of ['[data-action=run]', '[data-action=edit]', '[data-action=delete]']) {
        const bb = await last.locator(sel).boundingBox();
        assert.ok(!boxesOverlap(tb, bb), `toast covers ${sel} of the last job`);
      }
      const nav = await page.locator('nav.nav').boundingBox();
      assert.ok(!boxesOverlap(tb, nav), 'toast covers the navigation');
      await idle();
    });

    test('wording and units: "Every 5 minutes", Preferences timeout in minutes', async () => {
      await visit(page, server, 'jobs', 'Jobs');
      const desc = page.locator(`[data-job-id="${jobs.quick.id}"] .desc`);
      await desc.scrollIntoViewIfNeeded();
      await page.waitForFunction((id) => /Every 5 minutes/.test(document.querySelector(`[data-job-id="${id}"] .desc`)?.textContent || ''), jobs.quick.id);
      assert.doesNotMatch(await desc.textContent(), /At every/);
      await visit(page, server, 'preferences', 'Preferences');
      const timeout = page.locator('[data-pref=defaultTimeoutMs]');
      assert.equal(await timeout.locator('input[data-duration]').inputValue(), '30');
      assert.equal(await timeout.locator('select[data-duration-unit]').inputValue(), 'min');
      assert.doesNotMatch(await timeout.textContent(), /1800000/);
    });
  });
}

describe('time format and calendar', () => {
  test('a 12-hour locale sees 12-hour times everywhere (descriptions too)', async () => {
    const { page, context } = await newPage(chrome.browser, { locale: 'en-US' });
    try {
      await login(page, server);
      const desc = page.locator(`[data-job-id="${jobs.count.id}"] .desc`);
      await page.waitForFunction((id) => /AM|PM/.test(document.querySelector(`[data-job-id="${id}"] .desc`)?.textContent || ''), jobs.count.id);
      assert.match(await desc.textContent(), /^At 0?3:00 AM/);
      assert.match(await page.locator(`[data-job-id="${jobs.count.id}"] .next`).textContent(), /AM|PM/);
    } finally {
      await context.close();
    }
  });

  test('at 1366 px the month calendar shows whole titles; the week view has an hour grid', async () => {
    const { page, context } = await newPage(chrome.browser, { viewport: { width: 1366, height: 768 } });
    try {
      await login(page, server);
      await visit(page, server, 'calendar', 'Calendar');
      const t = page.locator(`.occ[data-occ-job="${jobs.disk.id}"] .t`).first();
      await t.waitFor();
      const cut = await t.evaluate((el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1);
      assert.equal(cut, false, 'the title is cut');
      await page.locator('[data-view=week]').check({ force: true });
      await page.locator('.hour-grid').waitFor();
      assert.equal(await page.locator('.hour-grid .hour-label').count(), 24);
      assert.ok(await page.locator(`.hour-cell .occ[data-occ-job="${jobs.count.id}"]`).count() >= 1, 'a 03:00 job sits in the hour grid');
      assert.deepEqual(page.errors, []);
    } finally {
      await context.close();
    }
  });
});
