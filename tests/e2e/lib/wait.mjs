// Waiting and looking helpers shared by the browser tests: text and URL
// that must come to match, an idle run queue, what has keyboard focus,
// whether an element is the topmost one at its centre. Every wait is
// bounded and says what it waited for when it gives up.

/** Wait until the locator's (first match's) text matches `re`; returns it. */
export async function textMatches(locator, re, timeout = 10000) {
  const page = locator.page();
  const end = Date.now() + timeout;
  let last = '';
  while (Date.now() < end) {
    last = (await locator.count()) ? await locator.first().textContent() : '';
    if (re.test(last)) return last;
    await page.waitForTimeout(50);
  }
  throw new Error(`text ${JSON.stringify(last)} never matched ${re}`);
}

/** Wait until the page URL (hash routes included) matches `re`. */
export async function urlMatches(page, re, timeout = 10000) {
  const end = Date.now() + timeout;
  while (!re.test(page.url())) {
    if (Date.now() > end) throw new Error(`URL ${page.url()} never matched ${re}`);
    await page.waitForTimeout(50);
  }
}

/** Wait until the server has no queued or running run at all. */
export async function idle(server, timeout = 20000) {
  await server.until(async () => (await server.api('GET', '/runs?status=running,queued')).runs.length === 0, { timeout });
}

/** What has keyboard focus: tag, accessible name and a few data- keys. */
export async function focused(page) {
  return page.evaluate(() => {
    const a = document.activeElement;
    return a ? { tag: a.tagName, label: a.getAttribute('aria-label') || a.textContent.trim(), key: a.dataset.focusKey || '', action: a.dataset.action || '' } : null;
  });
}

/** Is the element the topmost one at its own centre (nothing covers it)? */
export async function ownCentre(locator) {
  await locator.scrollIntoViewIfNeeded();
  return locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return { hit: !!top && (top === el || el.contains(top)), what: top ? top.outerHTML.slice(0, 80) : 'nothing', right: r.right, width: window.innerWidth };
  });
}

/** Do two bounding boxes ({x, y, width, height}) overlap? */
export function boxesOverlap(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}
