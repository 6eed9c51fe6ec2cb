// One 1-second clock for the whole page: keeps every <time data-rel>
// ("in 5 min") and every [data-since] ("1 min 5 s" elapsed) current, so
// pages render them once and never run their own timers.

import { relTime, fmtAbs, fmtElapsed } from './time.js';
import { h } from './dom.js';

function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll('[data-rel]')) {
    const t = relTime(el.getAttribute('datetime'), now);
    if (el.textContent !== t) el.textContent = t;
  }
  for (const el of document.querySelectorAll('[data-since]')) {
    const until = el.dataset.until ? Date.parse(el.dataset.until) : now;
    const t = fmtElapsed(until - Date.parse(el.dataset.since));
    if (el.textContent !== t) el.textContent = t;
  }
}

let started = false;
export function startTicker() {
  if (started) return;
  started = true;
  setInterval(tick, 1000);
}

/** <time> showing "in 5 min" with the absolute local time as tooltip. */
export function relTimeEl(iso, props = {}) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso, 'data-rel': '', title: fmtAbs(iso), ...props }, relTime(iso));
}

/** Elapsed time since `since`, ticking (or frozen at `until`). */
export function elapsedEl(since, until = null) {
  const el = h('span', { class: 'elapsed', 'data-since': since });
  if (until) el.dataset.until = until;
  el.textContent = fmtElapsed((until ? Date.parse(until) : Date.now()) - Date.parse(since));
  return el;
}
