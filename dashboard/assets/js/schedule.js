// Schedules in words. Cron descriptions come from POST /api/cron/preview and
// are cached per expression + time zone (they never change); once and
// manual schedules are described locally.

import { post } from './api.js';
import { fmtAbs, fmtClock } from './time.js';

const cache = new Map();

function key(expr, timezone) {
  return `${expr}\u0000${timezone || ''}`;
}

/** Preview a cron expression: {description, next[]}. Throws ApiError (422) if invalid. */
export async function previewCron(expr, timezone, { count = 5, signal } = {}) {
  const body = { expr, count };
  if (timezone) body.timezone = timezone;
  const res = await post('/cron/preview', body, { signal });
  res.description = localizeClock(res.description);
  cache.set(key(expr, timezone), Promise.resolve(res.description));
  return res;
}

/**
 * The server writes clock times as 24-hour "HH:MM"; show them the way the
 * browser's locale writes times everywhere else on the page ("3:00 AM" in
 * en-US), so 12- and 24-hour times never stand side by side.
 */
export function localizeClock(text) {
  return String(text).replace(/\b([01]?\d|2[0-3]):([0-5]\d)\b(?!:)/g, (_, hh, mm) => fmtClock(Number(hh), Number(mm)));
}

/** Cached description of a cron expression ("At 03:00 every day"). */
export function describeCron(expr, timezone) {
  const k = key(expr, timezone);
  if (!cache.has(k)) {
    const p = previewCron(expr, timezone, { count: 1 }).then((r) => r.description);
    p.catch(() => cache.delete(k));
    cache.set(k, p);
  }
  return cache.get(k);
}

/** "At 03:00 every day" + ", Europe/Paris" (without a doubled full stop). */
export function withZone(description, timezone) {
  const d = String(description).replace(/\.\s*$/, '');
  return timezone ? `${d}, ${timezone}` : d;
}

/** Words for a whole schedule; resolves to e.g. "At 03:00 every day, Europe/Paris". */
export async function describeSchedule(schedule) {
  if (!schedule) return '—';
  if (schedule.kind === 'manual') return 'Manual only';
  if (schedule.kind === 'once') return `Once, ${fmtAbs(schedule.at)}`;
  if (schedule.kind === 'cron') {
    let desc;
    try {
      desc = await describeCron(schedule.expr, schedule.timezone);
    } catch {
      desc = schedule.expr;
    }
    return withZone(desc, schedule.timezone);
  }
  return schedule.kind;
}

/** Synchronous first guess while the description loads. */
export function scheduleFallback(schedule) {
  if (!schedule) return '—';
  if (schedule.kind === 'cron') return schedule.expr + (schedule.timezone ? `, ${schedule.timezone}` : '');
  if (schedule.kind === 'manual') return 'Manual only';
  if (schedule.kind === 'once') return `Once, ${fmtAbs(schedule.at)}`;
  return schedule.kind;
}

export const CRON_PRESETS = [
  ['Every minute', '* * * * *'],
  ['Every 5 min', '*/5 * * * *'],
  ['Hourly', '0 * * * *'],
  ['Daily 03:00', '0 3 * * *'],
  ['Weekdays 09:00', '0 9 * * 1-5'],
  ['Mondays 09:00', '0 9 * * 1'],
  ['Monthly, 1st', '0 0 1 * *'],
].map(([label, expr]) => [localizeClock(label), expr]);
