// Browser end-to-end tests of the dashboard against the real backbeat
// server: what a person sees when they sign in, write a job, run it, watch
// its log, stop a run, browse history, look at the calendar, change
// preferences and draft a job with AI (through a fake `claude`).
// The tests share one server and one page and run in order.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startServer, FIXTURES } from './lib/server.mjs';
import { launch, newPage, login, visit } from './lib/browser.mjs';
import { textMatches, urlMatches as urlMatchesOn } from './lib/wait.mjs';

let server;
let chrome;
let page;
let context;
const ids = {};

before(async () => {
  server = await startServer();
  chrome = await launch();
  ({ page, context } = await newPage(chrome.browser));
});

after(async () => {
  await context?.close();
  await chrome?.close();
  await server?.stop();
});

const urlMatches = (re, timeout) => urlMatchesOn(page, re, timeout);

/** Open a run's detail page and wait until it shows that run. */
async function openRun(id) {
  const url = `${server.url}/#/runs/${id}`;
  // The server may hand out a deleted run's id again; the same hash would
  // not navigate, so load the page afresh then.
  if (page.url() === url) await page.reload();
  else await page.goto(url);
  await page.getByRole('heading', { level: 1, name: new RegExp(`run #${id}$`) }).waitFor();
}

const SCRIPT = [
  '# greet in colour, then take a moment',
  "printf '\\033[1;32mhello\\033[0m from backbeat\\n'",
  'echo "greeting=$GREETING"',
  // Waits (at most 30 s) for the test to open the gate: the run is surely
  // still going while the test looks for "running", however slow the page.
  'i=0; while [ ! -e "$HOME/gate" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done',
  'echo done-after-sleep',
].join('\n');

test('without a session the login page explains how to get in; /?token= signs in', async () => {
  const res = await page.goto(`${server.url}/`);
  assert.equal(res.status(), 200);
  await page.getByRole('heading', { name: 'Sign in to this Backbeat' }).waitFor();
  assert.match(await page.locator('body').textContent(), /backbeat url/);

  const bad = await page.goto(`${server.url}/?token=not-the-token`);
  assert.equal(bad.status(), 401);
  assert.equal((await context.cookies()).length, 0, 'a wrong token sets no cookie');

  await login(page, server);
  await page.getByRole('heading', { level: 1, name: 'Jobs' }).waitFor();
  const cookie = (await context.cookies()).find((c) => c.name === 'backbeat_session');
  assert.ok(cookie && cookie.httpOnly, 'session cookie is set, HttpOnly');
  assert.notEqual(cookie.value, server.token, 'the cookie is not the token');
  // First launch seeds a few disabled example jobs.
  await page.locator('[data-job-id]').first().waitFor();
});

test('the login page form signs in with a pasted token', async () => {
  const { context: other, page: p } = await newPage(chrome.browser);
  try {
    await p.goto(`${server.url}/`);
    await p.fill('#token', server.token);
    await p.click('button[type=submit]');
    await p.getByRole('heading', { level: 1, name: 'Jobs' }).waitFor();
  } finally {
    await other.close();
  }
});

test('creates a script job in the editor with live schedule preview and inline errors', async () => {
  await page.click('[data-new-job]');
  await page.getByRole('heading', { level: 1, name: 'New job' }).waitFor();
  await page.fill('input[name=title]', 'E2E greeting');
  await page.locator('textarea[data-code]').fill(SCRIPT);
  // The script is highlighted under the textarea.
  await page.locator('.code-editor pre .tok-builtin', { hasText: 'printf' }).waitFor();
  await page.locator('.code-editor pre .tok-comment').waitFor();

  // A bad expression is explained inline, from the server's 422.
  const expr = page.locator('[data-name="schedule.expr"]');
  await expr.fill('61 * * * *');
  await textMatches(page.locator('[data-field="schedule.expr"] .error'), /minute must be 0–59, got 61/);
  assert.equal(await expr.getAttribute('aria-invalid'), 'true');
  // The syntax help next to it lists what the server accepts.
  await page.locator('[data-cron-help] summary').click();
  await textMatches(page.locator('[data-cron-help]'), /L \(last day\)/);

  // Saving keeps that error in view and marks every other invalid field
  // with it: the empty title (checked here) ...
  await page.fill('input[name=title]', '');
  await page.click('[data-save]');
  await textMatches(page.locator('[data-field="title"] .error'), /\S/);
  await textMatches(page.locator('[data-field="schedule.expr"] .error'), /\S/);
  assert.equal(await expr.getAttribute('aria-invalid'), 'true');
  // ... and everything the server finds, from one reply.
  await page.fill('input[name=title]', 'E2E greeting');
  await page.fill('input[name=cwd]', 'relative/dir');
  await page.click('[data-save]');
  await textMatches(page.locator('[data-field="cwd"] .error'), /absolute/);
  await textMatches(page.locator('[data-field="schedule.expr"] .error'), /\S/);
  await textMatches(page.locator('[data-form-error]'), /fields/);
  await page.fill('input[name=cwd]', '');

  // A good one shows its description and the next five times.
  await expr.fill('0 4 * * *');
  await page.fill('[data-name="schedule.timezone"]', 'Europe/Paris');
  await textMatches(page.locator('[data-description]'), /04:00.*Europe\/Paris/);
  assert.equal(await page.locator('[data-preview] ol li').count(), 5);
  assert.equal(await page.locator('[data-field="schedule.expr"] .error').textContent(), '');

  await page.click('[data-add-env]');
  await page.locator('[data-env-key]').last().fill('GREETING');
  await page.locator('[data-env-value]').last().fill('bonjour');

  // A relative working directory is refused by the server, next to the field.
  await page.fill('input[name=cwd]', 'relative/dir');
  await page.click('[data-save]');
  await textMatches(page.locator('[data-field="cwd"] .error'), /\S/);
  await page.fill('input[name=cwd]', '');

  await page.click('[data-save]');
  await urlMatches(/#\/jobs\?focus=\d+$/);
  ids.greeting = Number(/focus=(\d+)/.exec(page.url())[1]);
  const row = page.locator(`[data-job-id="${ids.greeting}"]`);
  await textMatches(row.locator('.job-title'), /^E2E greeting$/);
  await textMatches(row.locator('.job-schedule .desc'), /04:00.*Europe\/Paris/);
  await textMatches(row.locator('.job-schedule .next'), /Next in/);
  assert.equal(await row.locator('input[role=switch]').isChecked(), true);

  const saved = await server.api('GET', `/jobs/${ids.greeting}`);
  assert.equal(saved.body, SCRIPT);
  assert.deepEqual(saved.env, { GREETING: 'bonjour' });
  assert.deepEqual(saved.schedule, { kind: 'cron', expr: '0 4 * * *', timezone: 'Europe/Paris' });
});

test('runs the job and shows its log arriving live, with ANSI colours', async () => {
  const row = page.locator(`[data-job-id="${ids.greeting}"]`);
  await row.locator('[data-action=run]').click();
  await page.getByRole('link', { name: 'Watch it →' }).click();
  await urlMatches(/#\/runs\/\d+$/);
  ids.greetingRun = Number(/runs\/(\d+)/.exec(page.url())[1]);

  const log = page.locator('[data-log]');
  // The first line arrives while the run is still going.
  await log.locator('span.ansi-fg-2.ansi-bold', { hasText: 'hello' }).waitFor();
  await page.locator('[data-run-status="running"]').waitFor();
  await textMatches(log, /greeting=bonjour/);
  assert.doesNotMatch(await log.textContent(), /done-after-sleep/);
  writeFileSync(join(server.home, 'gate'), '');
  // Then the rest, and the final status.
  await textMatches(log, /done-after-sleep/);
  await page.locator('[data-run-status="success"]').waitFor();
  await textMatches(page.locator('[data-log-state]'), /complete/);
  await textMatches(page.locator('[data-fact="exit"] dd'), /^0$/);
  assert.doesNotMatch(await log.textContent(), /\x1b|\[1;32m/, 'escape codes are rendered, not shown');

  // The raw log downloads as is.
  const href = await page.locator('[data-download]').getAttribute('href');
  assert.equal(href, `/api/runs/${ids.greetingRun}/log`);
  assert.notEqual(await page.locator('[data-download]').getAttribute('download'), null);
  const raw = await (await page.request.get(`${server.url}${href}`)).text();
  assert.match(raw, /\x1b\[1;32mhello\x1b\[0m from backbeat/);

  // The jobs page shows it in the strip of recent runs.
  await visit(page, server, 'jobs', 'Jobs');
  await page.locator(`[data-job-id="${ids.greeting}"] .strip a.s-success`).waitFor();
});

test('the log follows new output, pauses when scrolled up, and jumps to the end', async () => {
  const job = await server.api('POST', '/jobs', {
    title: 'E2E chatty', type: 'script', schedule: { kind: 'manual' },
    body: 'i=1; while [ $i -le 150 ]; do echo "line $i"; i=$((i+1)); done\nsleep 2.5\ni=151; while [ $i -le 300 ]; do echo "line $i"; i=$((i+1)); done\n',
  });
  const run = await server.api('POST', `/jobs/${job.id}/runs`);
  await openRun(run.id);
  const log = page.locator('[data-log]');
  await textMatches(log, /line 150\n/);
  const atBottom = () => log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 30);
  await server.until(atBottom, { timeout: 3000 });
  assert.equal(await page.locator('[data-jump]').isVisible(), false);

  // Scrolling up stops the following and offers the jump button.
  await log.evaluate((el) => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); });
  await page.locator('[data-jump]').waitFor();
  await textMatches(log, /line 300\n/, 10000);
  assert.equal(await log.evaluate((el) => el.scrollTop), 0, 'stays where the person scrolled');

  await page.click('[data-jump]');
  assert.equal(await atBottom(), true);
  await page.locator('[data-jump]').waitFor({ state: 'hidden' });
  await server.api('DELETE', `/jobs/${job.id}`);
});

test('a large log opens at its tail, whole lines only, with the full log a download away', async () => {
  const job = await server.api('POST', '/jobs', {
    title: 'E2E big log', type: 'script', schedule: { kind: 'manual' },
    body: "echo FIRST-LINE\nyes \"$(printf '\\033[32mpadding\\033[0m to make the log bigger than one MiB')\" | head -n 30000\necho THE-END\n",
  });
  const run = await server.api('POST', `/jobs/${job.id}/runs`);
  const done = await server.until(async () => {
    const r = await server.api('GET', `/runs/${run.id}`);
    return r.status === 'success' && r;
  });
  assert.ok(done.logBytes > 1 << 20);
  await openRun(run.id);
  await page.locator('[data-log-state="ended"]').waitFor();
  await textMatches(page.locator('.log-card .banner'), /showing the last 1\.0 MiB/);
  const text = await page.locator('[data-log]').textContent();
  assert.match(text, /THE-END\n$/);
  assert.doesNotMatch(text, /FIRST-LINE/);
  assert.match(text, /^padding to make/, 'starts at a whole line, no half escape code');
  await server.api('DELETE', `/jobs/${job.id}`);
});

test('stops a long run from the Runs page; it ends as failure "stopped by user", shown as "stopped by you"', async () => {
  const job = await server.api('POST', '/jobs', {
    title: 'E2E sleeper', type: 'script', body: 'echo sleeping\nsleep 30\n', schedule: { kind: 'manual' },
  });
  ids.sleeper = job.id;
  await visit(page, server, 'runs', 'Runs');
  await page.locator('#live[data-state="open"]').waitFor();
  const run = await server.api('POST', `/jobs/${job.id}/runs`);
  ids.sleeperRun = run.id;

  const row = page.locator(`[data-active-runs] tr[data-run-id="${run.id}"]`);
  await page.locator(`[data-active-runs] tr[data-run-id="${run.id}"][data-status="running"]`).waitFor();
  // Elapsed time ticks.
  const first = await row.locator('.elapsed').textContent();
  await textMatches(row.locator('.elapsed'), new RegExp(`^(?!${first}$)`), 3000);
  await textMatches(page.locator('#active-count'), /^1$/);

  await row.locator(`[data-stop="${run.id}"]`).click();
  const done = page.locator(`[data-recent-runs] tr[data-run-id="${run.id}"]`);
  await textMatches(done, /stopped by you.*stopped by user/, 10000);
  await row.waitFor({ state: 'detached' });
  const after = await server.api('GET', `/runs/${run.id}`);
  assert.equal(after.status, 'failure');
  assert.equal(after.error, 'stopped by user');
});

test('drops a queued run from the Runs page', async () => {
  await server.api('PATCH', '/preferences', { maxConcurrentRuns: 1 });
  const job = await server.api('POST', '/jobs', { title: 'E2E queue', type: 'script', body: 'sleep 30', schedule: { kind: 'manual' } });
  await visit(page, server, 'runs', 'Runs');
  const first = await server.api('POST', `/jobs/${job.id}/runs`);
  const second = await server.api('POST', `/jobs/${job.id}/runs`);
  const queued = page.locator(`[data-active-runs] tr[data-run-id="${second.id}"][data-status="queued"]`);
  await queued.waitFor();
  await textMatches(queued, /waiting/);
  await queued.getByRole('button', { name: 'Drop' }).click();
  await textMatches(page.locator(`[data-recent-runs] tr[data-run-id="${second.id}"]`), /dropped/);
  await page.locator(`[data-active-runs] [data-stop="${first.id}"]`).click();
  await textMatches(page.locator(`[data-recent-runs] tr[data-run-id="${first.id}"]`), /stopped by user/);
  await server.api('PATCH', '/preferences', { maxConcurrentRuns: 4 });
  await server.api('DELETE', `/jobs/${job.id}`);
});

test('a once schedule is picked with the date and time picker, in the browser zone', async () => {
  await visit(page, server, 'jobs/new', 'New job');
  await page.fill('input[name=title]', 'E2E once');
  await page.locator('textarea[data-code]').fill('echo once');
  await page.locator('[data-kind="once"]').check();
  const year = new Date().getFullYear() + 1;
  await page.fill('[data-name="schedule.at"]', `${year}-07-14T09:30`);
  await textMatches(page.locator('[data-field="schedule"] .preview-box:visible'), /Runs in/);
  await page.click('[data-save]');
  await urlMatches(/#\/jobs\?focus=\d+$/);
  const id = Number(/focus=(\d+)/.exec(page.url())[1]);
  const job = await server.api('GET', `/jobs/${id}`);
  // 09:30 in Paris in July (CEST, UTC+2) is 07:30 UTC.
  assert.equal(job.schedule.kind, 'once');
  assert.equal(new Date(job.schedule.at).toISOString(), `${year}-07-14T07:30:00.000Z`);
  await textMatches(page.locator(`[data-job-id="${id}"] .job-schedule .desc`), /Once/);
  await server.api('DELETE', `/jobs/${id}`);
});

test('filters history by status and by job', async () => {
  const { runs: newest } = await server.api('GET', '/runs?limit=50');
  const have = newest.map((r) => `${r.id}:${r.jobTitle}:${r.status}`).join(' ');
  assert.ok(newest.some((r) => r.id === ids.sleeperRun), `run ${ids.sleeperRun} missing from GET /api/runs: ${have}`);
  await visit(page, server, 'history', 'History');
  await page.locator(`[data-history] tr[data-run-id="${ids.greetingRun}"]`).waitFor();
  await page.locator(`[data-history] tr[data-run-id="${ids.sleeperRun}"]`).waitFor();

  // The sleeper was stopped by the user: "stopped", not "failure".
  await page.locator('label', { has: page.locator('[data-status-filter="stopped"]') }).click();
  await urlMatches(/#\/history\?status=stopped$/);
  // The filtered list has replaced the old one once the success is gone.
  await page.locator(`[data-history] tr[data-run-id="${ids.greetingRun}"]`).waitFor({ state: 'detached' });
  await page.locator(`[data-history] tr[data-run-id="${ids.sleeperRun}"]`).waitFor();
  const statuses = await page.locator('[data-history] tr[data-status]').evaluateAll((rows) => rows.map((r) => r.dataset.status));
  assert.ok(statuses.length > 0 && statuses.every((s) => s === 'stopped'), statuses.join());

  // A second status widens the filter (multi-select).
  await page.locator('label', { has: page.locator('[data-status-filter="success"]') }).click();
  await urlMatches(/status=success%2Cstopped/);
  await page.locator(`[data-history] tr[data-run-id="${ids.greetingRun}"]`).waitFor();
  await page.locator(`[data-history] tr[data-run-id="${ids.sleeperRun}"]`).waitFor();

  // And the job filter narrows it to one job.
  await page.locator('[data-job-filter]').selectOption(String(ids.greeting));
  await urlMatches(new RegExp(`jobId=${ids.greeting}`));
  await page.locator(`[data-history] tr[data-run-id="${ids.sleeperRun}"]`).waitFor({ state: 'detached' });
  await page.locator(`[data-history] tr[data-run-id="${ids.greetingRun}"]`).waitFor();

  // Clicking a row opens the run.
  await page.locator(`[data-history] tr[data-run-id="${ids.greetingRun}"] td`).nth(2).click();
  await urlMatches(new RegExp(`#/runs/${ids.greetingRun}$`));
});

test('keyset paging: "Older", "Newer" and "Newest" walk the history', async () => {
  await server.api('PATCH', '/preferences', { logRetentionPerJob: 500 });
  const job = await server.api('POST', '/jobs', { title: 'E2E pager', type: 'script', body: 'true', schedule: { kind: 'manual' } });
  const runs = [];
  for (let i = 0; i < 55; i += 1) runs.push((await server.api('POST', `/jobs/${job.id}/runs`)).id);
  await server.until(async () => {
    const { runs: r } = await server.api('GET', `/runs?jobId=${job.id}&status=success&limit=100`);
    return r.length === 55;
  }, { timeout: 30000 });
  const newestFirst = [...runs].sort((a, b) => b - a);

  await page.goto(`${server.url}/#/history?jobId=${job.id}`);
  await page.locator(`[data-history] tr[data-run-id="${newestFirst[0]}"]`).waitFor();
  assert.equal(await page.locator('[data-history] tr[data-run-id]').count(), 50);
  assert.equal(await page.locator('[data-newest]').isDisabled(), true);

  await page.click('[data-older]');
  await page.locator(`[data-history] tr[data-run-id="${newestFirst[54]}"]`).waitFor();
  assert.equal(await page.locator('[data-history] tr[data-run-id]').count(), 5);
  assert.equal(await page.locator('[data-older]').isDisabled(), true);
  assert.match(page.url(), new RegExp(`before=${newestFirst[49]}`));

  await page.click('[data-newer]');
  await page.locator(`[data-history] tr[data-run-id="${newestFirst[0]}"]`).waitFor();
  await page.click('[data-older]');
  await page.locator(`[data-history] tr[data-run-id="${newestFirst[54]}"]`).waitFor();
  await page.click('[data-newest]');
  await page.locator(`[data-history] tr[data-run-id="${newestFirst[0]}"]`).waitFor();
  await server.api('DELETE', `/jobs/${job.id}`);
});

test('shows the job on the calendar, linking to it', async () => {
  await visit(page, server, 'calendar', 'Calendar');
  const today = await page.evaluate(() => {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  });
  await page.locator(`.cal-day.today[data-day="${today}"]`).waitFor();
  const occ = page.locator(`a.occ[data-occ-job="${ids.greeting}"]`);
  await page.locator('.cal-day').first().waitFor();
  if (!(await occ.count())) {
    // Late on the last day of the grid: the next one is in the next month.
    await page.getByRole('button', { name: 'Next' }).click();
  }
  await occ.first().waitFor();
  await textMatches(occ.first(), /04:00.*E2E greeting/);

  await page.locator('[data-view="week"]').check();
  await page.locator('[data-calendar="week"]').waitFor();

  // The week is an hour grid; an occurrence opens its job's page.
  await page.locator('.hour-grid .hour-label').first().waitFor();
  assert.equal(await page.locator('.hour-grid .hour-label').count(), 24);
  await occ.first().click();
  await page.getByRole('heading', { level: 1, name: 'E2E greeting' }).waitFor();
  await urlMatches(new RegExp(`#/jobs/${ids.greeting}$`));
});

test('changes a preference, validated, and it persists after a reload', async () => {
  await visit(page, server, 'preferences', 'Preferences');
  await page.locator('[data-pref="logRetentionPerJob"]').waitFor();

  await page.fill('#pref-maxConcurrentRuns', '0');
  await textMatches(page.locator('#pref-maxConcurrentRuns-err'), /between 1 and 256/);
  assert.equal(await page.locator('[data-save-prefs]').isDisabled(), true);
  await page.fill('#pref-maxConcurrentRuns', '6');
  await page.fill('#pref-logRetentionPerJob', '77');
  // Durations are shown with a unit ("5" s) and saved in milliseconds.
  assert.equal(await page.locator('[data-pref="stopGraceMs"] [data-duration-unit]').inputValue(), 's');
  assert.equal(await page.inputValue('#pref-stopGraceMs'), '5');
  await page.fill('#pref-stopGraceMs', '2');
  await page.click('[data-save-prefs]');
  await page.locator('.toast', { hasText: 'Preferences saved' }).waitFor();

  await page.reload();
  await page.locator('[data-pref="logRetentionPerJob"]').waitFor();
  assert.equal(await page.inputValue('#pref-logRetentionPerJob'), '77');
  assert.equal(await page.inputValue('#pref-maxConcurrentRuns'), '6');
  assert.equal(await page.inputValue('#pref-stopGraceMs'), '2');
  const prefs = await server.api('GET', '/preferences');
  assert.equal(prefs.stopGraceMs, 2000);
  assert.equal(prefs.logRetentionPerJob, 77);
});

test('drafts a job with AI (fake claude), refines it, and saves only on Save', async () => {
  await server.api('PATCH', '/preferences', { claudeBinary: join(FIXTURES, 'fake-claude'), aiMode: 'claude' });
  await visit(page, server, 'jobs/new', 'New job');
  await page.fill('[data-ai-description]', 'check free disk space every morning');
  await page.click('[data-ai-draft]');
  await textMatches(page.locator('[data-ai-notes]'), /Reports free space on the root filesystem/, 30000);
  assert.equal(await page.inputValue('input[name=title]'), 'Disk space report');
  assert.match(await page.inputValue('textarea[data-code]'), /df -h \//);
  assert.equal(await page.inputValue('[data-name="schedule.expr"]'), '30 7 * * *');
  assert.equal(await page.inputValue('[data-name="schedule.timezone"]'), 'Europe/Paris');
  assert.equal(await page.inputValue('input[name=timeout]'), '1');
  await textMatches(page.locator('[data-description]'), /07:30/);
  let { jobs } = await server.api('GET', '/jobs');
  assert.ok(!jobs.some((j) => j.title === 'Disk space report'), 'a draft is not saved');

  await page.fill('[data-ai-instruction]', 'run it every hour instead');
  await page.click('[data-ai-refine]');
  await textMatches(page.locator('[data-ai-notes]'), /Changed: title.*schedule/, 30000);
  assert.equal(await page.inputValue('input[name=title]'), 'Hourly disk space report');
  assert.equal(await page.inputValue('[data-name="schedule.expr"]'), '0 * * * *');

  await page.click('[data-save]');
  await urlMatches(/#\/jobs\?focus=\d+$/);
  ({ jobs } = await server.api('GET', '/jobs'));
  const saved = jobs.find((j) => j.title === 'Hourly disk space report');
  assert.ok(saved, 'saved after pressing Save');
  assert.equal(saved.timeoutMs, 60000);
});

test('an AI run shows its usage and cost (fake claude)', async () => {
  const job = await server.api('POST', '/jobs', {
    title: 'E2E summary', type: 'ai', body: 'Summarise the last commits.', schedule: { kind: 'manual' },
    ai: { mode: 'claude', model: null, effort: null, permissionMode: 'acceptEdits', sandbox: null },
  });
  const run = await server.api('POST', `/jobs/${job.id}/runs`);
  await openRun(run.id);
  await page.locator('[data-run-status="success"]').waitFor();
  const usage = page.locator('[data-usage]');
  await textMatches(usage, /claude-sonnet-4-5/);
  const text = await usage.textContent();
  assert.match(text, /Turns\s*2/);
  assert.match(text, /Input tokens\s*4,000/);
  assert.match(text, /Output tokens\s*84/);
  assert.match(text, /Cost\s*\$0\.0123/);
  await textMatches(page.locator('[data-log]'), /Summary written/);
  // The job's total cost shows on the jobs page.
  await visit(page, server, 'jobs', 'Jobs');
  await textMatches(page.locator(`[data-job-id="${job.id}"] .job-meta`), /\$0\.01/);
  await server.api('DELETE', `/jobs/${job.id}`);
});

test('an AI CLI failure is shown verbatim', async () => {
  await server.api('PATCH', '/preferences', { claudeBinary: join(FIXTURES, 'broken-claude') });
  await visit(page, server, 'jobs/new', 'New job');
  await page.fill('[data-ai-description]', 'anything');
  await page.click('[data-ai-draft]');
  await textMatches(page.locator('[data-ai-error]'), /Not logged in · Please run \/login/, 30000);
  assert.equal(await page.inputValue('input[name=title]'), '', 'the form is untouched');
});

test('toggles, then deletes a job after confirmation', async () => {
  await visit(page, server, 'jobs', 'Jobs');
  // A scheduled job has an Enabled switch (a manual-only one shows none).
  const greeting = page.locator(`[data-job-id="${ids.greeting}"]`);
  await greeting.locator('.switch').click();
  await server.until(async () => (await server.api('GET', `/jobs/${ids.greeting}`)).enabled === false);
  await greeting.locator('.switch').click();
  await server.until(async () => (await server.api('GET', `/jobs/${ids.greeting}`)).enabled === true);
  const row = page.locator(`[data-job-id="${ids.sleeper}"]`);
  await row.waitFor();
  assert.equal(await row.locator('.switch').isVisible(), false);

  await row.locator('[data-action=delete]').click();
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await row.count(), 1, 'cancel keeps the job');
  await row.locator('[data-action=delete]').click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete job' }).click();
  await row.waitFor({ state: 'detached' });
  await assert.rejects(server.api('GET', `/jobs/${ids.sleeper}`), /404/);
});

test('keyboard: g then a letter switches pages; n opens the editor', async () => {
  await visit(page, server, 'jobs', 'Jobs');
  await page.keyboard.press('g');
  await page.keyboard.press('h');
  await page.getByRole('heading', { level: 1, name: 'History' }).waitFor();
  await page.keyboard.press('n');
  await page.getByRole('heading', { level: 1, name: 'New job' }).waitFor();
  // The title field has focus: the first Esc leaves the field, the second the editor.
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await page.getByRole('heading', { level: 1, name: 'Jobs' }).waitFor();
});

test('the editor saves with Ctrl+S and asks before dropping unsaved changes', async () => {
  await visit(page, server, `jobs/${ids.greeting}/edit`, 'Edit job');
  await page.fill('input[name=title]', 'E2E greeting, renamed');
  // Leaving with unsaved changes asks; saying no stays.
  page.once('dialog', (d) => d.dismiss());
  await page.click('[data-nav="history"]');
  await page.getByRole('heading', { level: 1, name: 'Edit job' }).waitFor();
  assert.equal(await page.inputValue('input[name=title]'), 'E2E greeting, renamed');

  await page.keyboard.press('Control+s');
  await urlMatches(new RegExp(`#/jobs\\?focus=${ids.greeting}$`));
  await textMatches(page.locator(`[data-job-id="${ids.greeting}"] .job-title`), /^E2E greeting, renamed$/);
  assert.equal((await server.api('GET', `/jobs/${ids.greeting}`)).title, 'E2E greeting, renamed');
});

test('a job declared in a jobs file says so in the editor', async () => {
  const job = await server.api('POST', '/jobs', {
    title: 'E2E declared', type: 'script', body: 'true', schedule: { kind: 'manual' }, managedAs: 'declared',
  });
  await visit(page, server, `jobs/${job.id}/edit`, 'Edit job');
  await textMatches(page.locator('[data-managed]'), /jobs file as “declared”/);
  await visit(page, server, `jobs/${ids.greeting}/edit`, 'Edit job');
  assert.equal(await page.locator('[data-managed]').count(), 0);
  await server.api('DELETE', `/jobs/${job.id}`);
});

test('an expired session says how to sign in again', async () => {
  await visit(page, server, 'jobs', 'Jobs');
  await context.clearCookies();
  await page.click('[data-nav="preferences"]');
  await textMatches(page.locator('#session-banner'), /Session expired — run backbeat url/);
});

test('the dashboard logged no script errors', () => {
  assert.deepEqual(page.errors, []);
});
