// Browser tests of a job's own page (#/jobs/:id) against real runs: the
// schedule in words with the next runs, success rate and p50/p95 without
// stopped runs, the duration chart (uPlot, vendored) drawn in the status
// colours, the 90-day heat-strip, and the AI cost charts of an AI job (runs
// through the fake `claude`), at laptop and phone size.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, FIXTURES } from './lib/server.mjs';
import { launch, newPage, login } from './lib/browser.mjs';

let server;
let chrome;
let job;
let ai;

before(async () => {
  server = await startServer();
  chrome = await launch();
  const { api, until } = server;
  await api('PATCH', '/preferences', { claudeBinary: join(FIXTURES, 'fake-claude'), aiMode: 'claude', stopGraceMs: 200 });
  job = await api('POST', '/jobs', {
    title: 'Sync the photo library', type: 'script',
    body: 'echo "syncing ${TARGET:-everything}"\nsleep "${SLEEP:-0.3}"\nexit "${CODE:-0}"\n',
    schedule: { kind: 'cron', expr: '0 3 * * *', timezone: 'Europe/Paris' },
  });
  // Three successes, one failure, one stopped run (one at a time).
  for (const env of [{}, {}, { CODE: '3' }, {}]) {
    const r = await api('POST', `/jobs/${job.id}/runs`, { env });
    await until(async () => !['queued', 'running'].includes((await api('GET', `/runs/${r.id}`)).status));
  }
  const long = await api('POST', `/jobs/${job.id}/runs`, { env: { SLEEP: '30' } });
  await until(async () => (await api('GET', `/runs/${long.id}`)).status === 'running');
  await api('POST', `/runs/${long.id}/stop`);
  await until(async () => (await api('GET', `/runs/${long.id}`)).status === 'failure');

  ai = await api('POST', '/jobs', {
    title: 'Summarise the commits', type: 'ai', body: 'Summarise the last commits.', schedule: { kind: 'manual' },
  });
  for (let i = 0; i < 2; i += 1) {
    const r = await api('POST', `/jobs/${ai.id}/runs`);
    await until(async () => (await api('GET', `/runs/${r.id}`)).status === 'success', { timeout: 20000 });
  }
});

after(async () => {
  await chrome?.close();
  await server?.stop();
});

/** Colours actually painted on a canvas (sampled), as "r,g,b" strings. */
async function paintedColours(canvas) {
  return canvas.evaluate((c) => {
    const ctx = c.getContext('2d');
    const { data } = ctx.getImageData(0, 0, c.width, c.height);
    const seen = new Set();
    for (let i = 0; i < data.length; i += 4 * 7) if (data[i + 3] === 255) seen.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
    return [...seen];
  });
}

/** A theme colour as "r,g,b". */
async function themeColour(page, name) {
  return page.evaluate((n) => {
    const el = document.createElement('span');
    el.style.color = `var(${n})`;
    document.body.append(el);
    const rgb = getComputedStyle(el).color.match(/\d+/g).slice(0, 3).join(',');
    el.remove();
    return rgb;
  }, name);
}

for (const [name, viewport] of [['laptop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
  describe(`job page at ${name} size`, () => {
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

    test('the job title on the jobs page opens its page: what it does, when it runs, next runs', async () => {
      const row = page.locator(`[data-job-id="${job.id}"]`);
      await row.scrollIntoViewIfNeeded();
      await row.locator('.job-title').click();
      await page.waitForURL(new RegExp(`#/jobs/${job.id}$`));
      await page.getByRole('heading', { level: 1, name: 'Sync the photo library' }).waitFor();
      assert.match(await page.locator('[data-body-preview]').textContent(), /syncing/);
      await page.locator('[data-schedule-words]', { hasText: /03:00/ }).waitFor();
      assert.match(await page.locator('[data-schedule-words]').textContent(), /Europe\/Paris/);
      await page.locator('[data-next-runs] li').nth(4).waitFor();
      assert.equal(await page.locator('[data-next-runs] li').count(), 5);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `the page is ${overflow}px wider than the screen`);
    });

    test('success rate and p50/p95 leave the stopped run out; the duration chart is drawn in status colours', async () => {
      assert.match(await page.locator('[data-stat=rate] dd').textContent(), /^75% \(3\/4\)$/);
      assert.match(await page.locator('[data-stat=p50] dd').textContent(), /\d+ ms|s$/);
      assert.match(await page.locator('[data-stat=stopped] dd').textContent(), /^1$/);
      const chart = page.locator('[data-duration-chart] .chart');
      assert.equal(await chart.getAttribute('data-points'), 'success:3,failure:1,stopped:1');
      const canvas = chart.locator('canvas');
      await canvas.waitFor();
      const box = await canvas.boundingBox();
      assert.ok(box.width > 150 && box.height > 100, `chart is ${box.width}×${box.height}`);
      const colours = await paintedColours(canvas);
      for (const v of ['--ok', '--bad']) {
        const want = await themeColour(page, v);
        assert.ok(colours.includes(want), `no ${v} (${want}) bar painted; saw ${colours.slice(0, 12).join(' ')}`);
      }
    });

    test('the 90-day heat-strip counts today’s runs', async () => {
      const days = page.locator('[data-heat] .heat-day');
      assert.equal(await days.count(), 90);
      assert.equal(await days.last().getAttribute('data-runs'), '5');
      assert.match(await days.last().getAttribute('title'), /5 runs, 1 failed/);
    });

    test('an AI job shows its cost per run and per day', async () => {
      await page.goto(`${server.url}/#/jobs/${ai.id}`);
      await page.getByRole('heading', { level: 1, name: 'Summarise the commits' }).waitFor();
      const cost = page.locator('[data-cost]');
      await cost.locator('canvas').first().waitFor();
      assert.equal(await cost.locator('canvas').count(), 2);
      assert.match(await cost.locator('[data-cost-total]').textContent(), /\$0\.0246 over 2 runs · \$0\.0123 per run/);
      const colours = await paintedColours(cost.locator('canvas').first());
      assert.ok(colours.includes(await themeColour(page, '--accent')), 'cost bars painted');
    });
  });
}

describe('run with parameters, duplicate, search', () => {
  let page;
  let context;
  before(async () => {
    ({ page, context } = await newPage(chrome.browser));
    await login(page, server);
  });
  after(async () => {
    assert.deepEqual(page.errors, [], 'no script errors');
    await context?.close();
  });

  test('"Run with…" sends env overrides that reach the job, and remembers them for that job', async () => {
    await page.goto(`${server.url}/#/jobs/${job.id}`);
    await page.getByRole('heading', { level: 1, name: 'Sync the photo library' }).waitFor();
    await page.locator('[data-run-with]').click();
    const text = page.getByLabel('Environment for this run');
    await text.fill('TARGET=holidays 2026\n9BAD=x');
    await page.getByText(/“9BAD” is not a variable name/).waitFor();
    await text.fill('# only the photos\nTARGET=holidays 2026\nSLEEP=0.1');
    const before = (await server.api('GET', `/runs?jobId=${job.id}&limit=1`)).runs[0].id;
    await page.locator('[data-run-with-start]').click();
    await page.locator('.toast', { hasText: /“Sync the photo library” \(run #\d+\)/ }).waitFor();
    const run = await server.until(async () => {
      const r = (await server.api('GET', `/runs?jobId=${job.id}&limit=1`)).runs[0];
      return r.id !== before && r.status === 'success' && r;
    });
    const log = await (await fetch(`${server.url}/api/runs/${run.id}/log`, { headers: { Authorization: `Bearer ${server.token}` } })).text();
    assert.match(log, /syncing holidays 2026/);
    // The job itself is unchanged; the dialog remembers the overrides.
    assert.deepEqual((await server.api('GET', `/jobs/${job.id}`)).env, {});
    await page.reload();
    await page.locator('[data-run-with]').click();
    assert.equal(await page.getByLabel('Environment for this run').inputValue(), '# only the photos\nTARGET=holidays 2026\nSLEEP=0.1');
    await page.keyboard.press('Escape');
  });

  test('Duplicate makes a disabled copy and opens it in the editor', async () => {
    await page.locator('[data-duplicate]').click();
    await page.getByRole('heading', { level: 1, name: 'Edit job' }).waitFor();
    assert.equal(await page.inputValue('input[name=title]'), 'Sync the photo library (copy)');
    const { jobs } = await server.api('GET', '/jobs');
    const copy = jobs.find((j) => j.title === 'Sync the photo library (copy)');
    assert.ok(copy && copy.enabled === false && copy.body === job.body, 'a disabled copy with the same script');
    await server.api('DELETE', `/jobs/${copy.id}`);
  });

  test('the jobs search finds a job by a word in its script', async () => {
    await page.goto(`${server.url}/#/jobs`);
    await page.locator(`[data-job-id="${job.id}"]`).waitFor();
    await page.locator('[data-search]').fill('TARGET');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-job-id]')].filter((e) => !e.hidden).length === 1);
    assert.equal(await page.locator(`[data-job-id="${job.id}"]`).isVisible(), true);
  });
});
