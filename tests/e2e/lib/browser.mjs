// Test fixture: Debian's Chromium driven by playwright-core (no browser
// download), fresh profile per launch; helpers to log in, collect page
// errors and save light/dark screenshots to tests-output/screenshots/.

import { chromium } from 'playwright-core';
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './server.mjs';

export const SCREENSHOTS = join(ROOT, 'tests-output/screenshots');

const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  // A small /dev/shm (containers) must not crash or stall renderers.
  '--disable-dev-shm-usage',
];

export function chromiumPath() {
  const p = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(p)) throw new Error(`${p} not found: apt-get install -y chromium (or set CHROMIUM)`);
  return p;
}

/**
 * Launch Chromium. playwright's launch() gives it a fresh temporary
 * --user-data-dir of its own (and refuses one passed in args), removed on close.
 */
export async function launch() {
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ARGS, headless: true });
  return { browser, close: () => browser.close() };
}

/**
 * A new context + page. Page errors and console errors are collected in
 * page.errors so tests can assert the dashboard ran cleanly.
 */
export async function newPage(browser, { colorScheme = 'light', viewport = { width: 1280, height: 860 }, ...rest } = {}) {
  const context = await browser.newContext({ colorScheme, viewport, timezoneId: 'Europe/Paris', locale: 'en-GB', ...rest });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/401|Failed to load resource/.test(m.text())) page.errors.push(`console: ${m.text()}`);
  });
  page.setDefaultTimeout(10000);
  return { context, page };
}

/** Log in through /?token= and wait for the dashboard to be live. */
export async function login(page, server) {
  await page.goto(`${server.url}/?token=${encodeURIComponent(server.token)}`);
  await page.waitForURL(`${server.url}/#/jobs`);
  await page.locator('#live[data-state="open"]').waitFor();
}

/** Go to a hash route and wait for its heading. */
export async function visit(page, server, route, heading) {
  await page.goto(`${server.url}/#/${route}`);
  if (heading) await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

/** Full-page screenshot with true layout (the viewport grows to the page). */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const vp = page.viewportSize();
  // Grow the viewport to the page until the height settles (late content
  // such as a debounced preview can still make the page taller).
  let height = vp.height;
  for (let i = 0; i < 4; i += 1) {
    const h = await page.evaluate(() => document.documentElement.scrollHeight);
    const want = Math.min(Math.max(h, vp.height), 5000);
    if (want === height && i > 0) break;
    height = want;
    await page.setViewportSize({ width: vp.width, height });
    await page.waitForTimeout(200);
  }
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  await page.setViewportSize(vp);
}
