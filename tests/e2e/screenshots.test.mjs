// Screenshots of every dashboard page in light and dark (prefers-color-scheme
// via playwright's colorScheme), on a laptop-sized and a phone-sized screen,
// saved to tests-output/screenshots/ for people to look at. Seeds a server
// with realistic jobs and runs first; asserts each page rendered without
// script errors and that the theme really switched.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, FIXTURES } from './lib/server.mjs';
import { launch, newPage, login, screenshot } from './lib/browser.mjs';

let server;
let chrome;
const seed = {};

const COLOUR_SCRIPT = String.raw`printf '\033[1mBuilding\033[0m project \033[36mbackbeat\033[0m\n'
for step in fetch compile link; do
  printf '  \033[32m✓\033[0m %s\n' "$step"
done
printf '\033[33mwarning:\033[0m 2 deprecated flags\n'
printf '\033[38;5;208m256-colour\033[0m and \033[38;2;120;90;255mtruecolor\033[0m text, \033[4munderlined\033[0m, \033[3mitalic\033[0m\n'
echo '<b>html is escaped</b> & shown as text'
printf '\033[1;32mdone\033[0m in 1.2 s\n'`;

before(async () => {
  server = await startServer();
  chrome = await launch();
  const api = server.api;
  seed.build = await api('POST', '/jobs', {
    title: 'Build and test the app', type: 'script', body: COLOUR_SCRIPT,
    schedule: { kind: 'cron', expr: '0 */6 * * *', timezone: 'Europe/Paris' }, env: { RUST_LOG: 'info' }, tags: ['ci', 'daily'],
  });
  seed.backup = await api('POST', '/jobs', {
    title: 'Nightly notes backup', type: 'script',
    body: '# Archive ~/notes\nmkdir -p ~/backups\ntar czf ~/backups/notes-$(date +%F).tgz -C ~ notes\n',
    schedule: { kind: 'cron', expr: '30 2 * * *' }, overlap: 'skip', catchUp: true, tags: ['backup', 'nightly'],
  });
  seed.flaky = await api('POST', '/jobs', {
    title: 'Check the VPN is up', type: 'script', body: 'echo "pinging gateway"\nexit 2\n',
    schedule: { kind: 'cron', expr: '*/30 9-18 * * 1-5' }, tags: ['network'],
  });
  seed.ai = await api('POST', '/jobs', {
    title: 'Summarise yesterday’s commits', type: 'ai',
    body: 'Read the git log of the last day in this repository and write a short summary to notes/daily.md.',
    schedule: { kind: 'cron', expr: '0 9 * * 1-5', timezone: 'Europe/Paris' },
    ai: { mode: 'claude', model: 'sonnet', effort: 'low', permissionMode: 'acceptEdits', sandbox: null }, tags: ['ai', 'daily'],
  });
  seed.slow = await api('POST', '/jobs', {
    title: 'Re-index the photo library', type: 'script', body: 'echo "indexing…"\nsleep 120\n', schedule: { kind: 'manual' },
  });
  seed.upload = await api('POST', '/jobs', {
    title: 'Upload photos to the NAS', type: 'script', body: 'echo "uploading…"\nsleep 5\n',
    schedule: { kind: 'once', at: new Date(Date.now() + 3 * 86400_000).toISOString() }, timeoutMs: 1000,
  });
  await api('PATCH', '/preferences', { claudeBinary: join(FIXTURES, 'fake-claude') });
  const runs = [];
  runs.push(await api('POST', `/jobs/${seed.upload.id}/runs`));
  seed.aiRun = await api('POST', `/jobs/${seed.ai.id}/runs`);
  for (let i = 0; i < 4; i += 1) runs.push(await api('POST', `/jobs/${seed.build.id}/runs`));
  for (let i = 0; i < 3; i += 1) runs.push(await api('POST', `/jobs/${seed.flaky.id}/runs`));
  runs.push(await api('POST', `/jobs/${seed.backup.id}/runs`));
  await server.until(async () => {
    const { runs: active } = await api('GET', '/runs?status=running,queued');
    return active.length === 0;
  }, { timeout: 30000 });
  seed.buildRun = runs[3];
  seed.slowRun = await api('POST', `/jobs/${seed.slow.id}/runs`);
  await server.until(async () => (await api('GET', `/runs/${seed.slowRun.id}`)).status === 'running');
});

after(async () => {
  await chrome?.close();
  await server?.stop();
});

const PAGES = [
  ['jobs', 'Jobs', '[data-job-id] .strip a'],
  ['jobs-tag-filter', 'Jobs', '[data-tag-chip="daily"][aria-pressed="true"]', '#/jobs?tag=daily'],
  ['jobs-new', 'New job', '[data-preview] ol li', '#/jobs/new'],
  ['job-edit-script', 'Edit job', '[data-preview] ol li', () => `#/jobs/${seed.build.id}/edit`],
  ['job-edit-ai', 'Edit job', '[data-section="ai"]', () => `#/jobs/${seed.ai.id}/edit`],
  ['job-page', null, '[data-duration-chart] canvas', () => `#/jobs/${seed.build.id}`],
  ['job-page-ai', null, '[data-cost] canvas', () => `#/jobs/${seed.ai.id}`],
  ['runs', 'Runs', '[data-active-runs] tr[data-run-id]'],
  ['run-detail', null, '[data-log-state="ended"]', () => `#/runs/${seed.buildRun.id}`],
  ['run-detail-ai', null, '[data-usage]', () => `#/runs/${seed.aiRun.id}`],
  ['run-detail-live', null, '[data-run-status="running"]', () => `#/runs/${seed.slowRun.id}`],
  ['history', 'History', '[data-history] tr[data-run-id]'],
  ['history-filtered', 'History', '[data-history] tr[data-run-id]', '#/history?error=exit+code&status=failure'],
  ['calendar-month', 'Calendar', '.occ', '#/calendar'],
  ['calendar-week', 'Calendar', '.occ', '#/calendar?view=week'],
  ['preferences', 'Preferences', '[data-pref]'],
];

// The four sets are independent: take them side by side.
describe('screenshots', { concurrency: true }, () => {
  for (const scheme of ['light', 'dark']) {
    test(`every page in ${scheme}`, async () => {
      const { context, page } = await newPage(chrome.browser, { colorScheme: scheme });
      try {
        await page.goto(`${server.url}/`);
        await page.getByRole('heading', { name: 'Sign in to this Backbeat' }).waitFor();
        await screenshot(page, `login-${scheme}`);
        await login(page, server);
        const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        assert.equal(bg, scheme === 'dark' ? 'rgb(15, 17, 21)' : 'rgb(246, 247, 249)', 'theme follows the system');
        for (const [name, heading, ready, route] of PAGES) {
          const hash = typeof route === 'function' ? route() : route || `#/${name}`;
          await page.goto(`${server.url}/${hash}`);
          if (heading) await page.getByRole('heading', { level: 1, name: heading }).waitFor();
          try {
            await page.locator(ready).first().waitFor();
          } catch (e) {
            e.message += `\n${name}: page text: ${(await page.locator('main').textContent()).slice(0, 600)}`;
            throw e;
          }
          await page.waitForTimeout(250); // let debounced previews and fonts settle
          await screenshot(page, `${name}-${scheme}`);
        }
        assert.deepEqual(page.errors, []);
      } finally {
        await context.close();
      }
    });

    test(`phone-sized screen in ${scheme}`, async () => {
      const { context, page } = await newPage(chrome.browser, {
        colorScheme: scheme, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2,
      });
      try {
        await login(page, server);
        for (const [name, heading, ready, route] of PAGES.filter(([n]) => ['jobs', 'jobs-tag-filter', 'job-edit-script', 'job-page', 'run-detail', 'runs', 'history', 'history-filtered', 'calendar-month'].includes(n))) {
          const hash = typeof route === 'function' ? route() : route || `#/${name}`;
          await page.goto(`${server.url}/${hash}`);
          if (heading) await page.getByRole('heading', { level: 1, name: heading }).waitFor();
          await page.locator(ready).first().waitFor();
          await page.waitForTimeout(250);
          // Nothing may overflow sideways on a phone.
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          assert.ok(overflow <= 1, `${name} is ${overflow}px wider than the screen`);
          await screenshot(page, `phone-${name}-${scheme}`);
        }
        assert.deepEqual(page.errors, []);
      } finally {
        await context.close();
      }
    });
  }
});
