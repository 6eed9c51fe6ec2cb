// Browser tests of notifications: Preferences → Channels adds a channel,
// tests it (the answer shows), marks it default, edits it without
// retyping its secret, and deletes it with the jobs that use it named;
// the editor's "Notifications" section saves channels, events, repeat and
// the ping URL, and the jobs list shows a bell on a job that notifies.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './lib/server.mjs';
import { launch, newPage, login, visit } from './lib/browser.mjs';

let server;
let chrome;
let page;
let context;
const dir = mkdtempSync(join(tmpdir(), 'backbeat-notify-'));

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

test('channels: add, test, default, edit keeping the secret, delete naming its jobs', async () => {
  await visit(page, server, 'preferences', 'Preferences');
  const section = page.locator('[data-channels]');
  await section.getByRole('heading', { name: 'Channels' }).waitFor();
  await section.locator('[data-add-channel]').click();
  const form = page.locator('[data-channel-form]');
  await form.locator('input[name="name"]').fill('Desktop');
  await form.locator('select[name="kind"]').selectOption('command');
  await form.locator('input[name="config.command"]').fill(`echo "$BACKBEAT_EVENT" > ${dir}/event.txt`);
  await form.locator('[data-save-channel]').click();
  const row = section.locator('[data-channel-id]').filter({ hasText: 'Desktop' });
  await row.waitFor();

  await row.locator('[data-test-channel]').click();
  await row.locator('[data-test-result]').filter({ hasText: 'Sent.' }).waitFor();
  assert.equal(readFileSync(join(dir, 'event.txt'), 'utf8').trim(), 'test');

  await row.locator('[data-default]').check();
  const [channel] = (await server.api('GET', '/channels')).channels;
  await server.until(async () => (await server.api('GET', '/preferences')).defaultNotifyChannels.includes(channel.id));

  // A webhook with a secret: editing its name keeps the secret.
  await section.locator('[data-add-channel]').click();
  await form.locator('input[name="name"]').fill('Hook');
  await form.locator('select[name="kind"]').selectOption('webhook');
  await form.locator('input[name="config.url"]').fill('http://127.0.0.1:9/hook');
  await form.locator('input[name="config.secret"]').fill('s3cret');
  await form.locator('[data-save-channel]').click();
  const hookRow = section.locator('[data-channel-id]').filter({ hasText: 'Hook' });
  await hookRow.waitFor();
  await hookRow.locator('[data-edit-channel]').click();
  assert.equal(await form.locator('input[name="config.secret"]').inputValue(), '••••');
  await form.locator('input[name="name"]').fill('Team hook');
  await form.locator('[data-save-channel]').click();
  await section.locator('[data-channel-id]').filter({ hasText: 'Team hook' }).waitFor();
  const hook = (await server.api('GET', '/channels')).channels.find((c) => c.name === 'Team hook');
  assert.equal(hook.config.secret, '••••', 'a secret is still stored');

  // Deleting a used channel names the job in the confirmation.
  await server.api('POST', '/jobs', { title: 'Backup', type: 'script', body: 'true', schedule: { kind: 'manual' }, notify: { channels: [hook.id] } });
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Preferences' }).waitFor();
  const used = page.locator('[data-channel-id]').filter({ hasText: 'Team hook' });
  await used.locator('[data-used-by]').filter({ hasText: 'Backup' }).waitFor();
  await used.locator('[data-delete-channel]').click();
  const dialog = page.locator('dialog');
  assert.match(await dialog.textContent(), /Backup/);
  await dialog.locator('[data-confirm]').click();
  await used.waitFor({ state: 'detached' });
  const jobs = (await server.api('GET', '/jobs')).jobs;
  assert.deepEqual(jobs.find((j) => j.title === 'Backup').notify.channels, []);
});

test('the editor saves notifications and the jobs list shows a bell', async () => {
  const ch = await server.api('POST', '/channels', { name: 'Phone', kind: 'ntfy', config: { url: 'http://127.0.0.1:9/topic' } });
  await visit(page, server, 'jobs/new', 'New job');
  await page.locator('input[name="title"]').fill('Nightly report');
  await page.locator('textarea[data-code]').fill('echo report');
  const section = page.locator('[data-section="notifications"]');
  await section.getByRole('heading', { name: 'Notifications' }).waitFor();
  await section.locator(`[data-channel="${ch.id}"] input`).check();
  await section.locator('[data-event="success"] input').check();
  await section.locator('[data-event="recovery"] input').uncheck();
  await section.locator('input[name="notify.repeat"]').check();
  await section.locator('input[name="pingUrl"]').fill('https://hc-ping.com/abc');
  await page.locator('[data-save]').click();
  // Saving returns to the jobs list; wait for it so the visit below is not
  // overtaken by that navigation.
  await page.waitForURL(/#\/jobs\?focus=/);
  const job = await server.until(async () => (await server.api('GET', '/jobs')).jobs.find((j) => j.title === 'Nightly report'));
  assert.deepEqual(job.notify, { channels: [ch.id], on: ['failure', 'success'], repeat: true });
  assert.equal(job.pingUrl, 'https://hc-ping.com/abc');

  await visit(page, server, `jobs/${job.id}/edit`, 'Edit job');
  assert.equal(await page.locator(`[data-section="notifications"] [data-channel="${ch.id}"] input`).isChecked(), true);
  assert.equal(await page.locator('input[name="pingUrl"]').inputValue(), 'https://hc-ping.com/abc');

  await visit(page, server, 'jobs', 'Jobs');
  await page.locator(`[data-job-id="${job.id}"] [data-notifies]`).waitFor();
});
