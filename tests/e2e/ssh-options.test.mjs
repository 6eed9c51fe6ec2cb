// Browser test of the `ssh` job type's options in the editor: the form is
// rendered from ssh-runner's optionsSchema (Host, Remote directory, Shell
// with its default as placeholder), a bad host is refused on its own field,
// and what is saved is what the form shows. No SSH server is needed: the
// job is only saved, not run.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib/server.mjs';
import { launch, newPage, login, visit } from './lib/browser.mjs';

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

test('the ssh options form checks the host and saves the options', async () => {
  await visit(page, server, 'jobs/new', 'New job');
  await page.locator('input[name="title"]').fill('Remote disk check');
  await page.locator('select[name="type"]').selectOption('ssh');
  await page.locator('textarea[data-code]').fill('df -h');
  const host = page.locator('input[name="opt-host"]');
  await host.waitFor();
  assert.equal(await page.locator('[data-field="executorOptions.host"] label').textContent(), 'Host');
  assert.equal(await page.locator('input[name="opt-shell"]').getAttribute('placeholder'), '/bin/sh');

  await host.fill('-oProxyCommand=touch /tmp/pwned');
  await page.locator('[data-save]').click();
  const hostError = page.locator('[data-field="executorOptions.host"] .error');
  await page.waitForFunction((el) => el.textContent.trim() !== '', await hostError.elementHandle());
  assert.equal(await host.getAttribute('aria-invalid'), 'true');

  await host.fill('build-box');
  await page.locator('input[name="opt-cwd"]').fill('~/src');
  await page.locator('[data-save]').click();
  await page.waitForURL(/#\/jobs\?focus=\d+$/);
  const job = await server.until(async () =>
    (await server.api('GET', '/jobs')).jobs.find((j) => j.title === 'Remote disk check'));
  assert.equal(job.type, 'ssh');
  assert.deepEqual(job.executorOptions, { host: 'build-box', cwd: '~/src' });
});
