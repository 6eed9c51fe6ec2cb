// Time formatting shared by every page: relative times ("in 3 h 20 min",
// "5 min ago"), durations ("1.53 s", "4 min 5 s"), absolute local date-times,
// and the datetime-local <-> RFC 3339 conversion of the once-schedule picker.
// Pure (the `now` argument is explicit); unit-tested in tests/e2e/unit.

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Span of time in words, coarse: "42 s", "5 min", "3 h 20 min", "2 days". */
export function spanWords(ms) {
  const a = Math.abs(ms);
  if (a < MIN) return `${Math.round(a / SEC)} s`;
  if (a < HOUR) return `${Math.round(a / MIN)} min`;
  if (a < 10 * HOUR) {
    const h = Math.floor(a / HOUR);
    const m = Math.round((a - h * HOUR) / MIN);
    if (m === 60) return `${h + 1} h`;
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  if (a < 36 * HOUR) return `${Math.round(a / HOUR)} h`;
  if (a < 60 * DAY) return plural(Math.round(a / DAY), 'day');
  if (a < 700 * DAY) return plural(Math.round(a / (30.44 * DAY)), 'month');
  return plural(Math.round(a / (365.25 * DAY)), 'year');
}

/** "in 5 min", "3 h ago", "just now". */
export function relTime(date, now = Date.now()) {
  const t = typeof date === 'number' ? date : new Date(date).getTime();
  if (!Number.isFinite(t)) return '';
  const diff = t - now;
  if (Math.abs(diff) < 5 * SEC) return diff >= 0 ? 'now' : 'just now';
  return diff > 0 ? `in ${spanWords(diff)}` : `${spanWords(diff)} ago`;
}

/** A run's duration: "340 ms", "1.53 s", "42 s", "4 min 5 s", "2 h 3 min". */
export function fmtDuration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 0) ms = 0;
  if (ms < SEC) return `${Math.round(ms)} ms`;
  if (ms < 10 * SEC) return `${(ms / SEC).toFixed(2).replace(/\.?0+$/, '')} s`;
  if (ms < MIN) return `${Math.floor(ms / SEC)} s`;
  if (ms < HOUR) {
    const m = Math.floor(ms / MIN);
    const s = Math.floor((ms - m * MIN) / SEC);
    return s ? `${m} min ${s} s` : `${m} min`;
  }
  const h = Math.floor(ms / HOUR);
  const m = Math.floor((ms - h * HOUR) / MIN);
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** Elapsed time for a ticking clock, whole seconds: "0 s", "1 min 5 s". */
export function fmtElapsed(ms) {
  if (ms < MIN) return `${Math.max(0, Math.floor(ms / SEC))} s`;
  return fmtDuration(Math.floor(ms / SEC) * SEC);
}

const absFmt = new Intl.DateTimeFormat(undefined, {
  weekday: 'short', year: 'numeric', month: 'short', day: 'numeric',
  hour: '2-digit', minute: '2-digit',
});
const absSecFmt = new Intl.DateTimeFormat(undefined, {
  weekday: 'short', year: 'numeric', month: 'short', day: 'numeric',
  hour: '2-digit', minute: '2-digit', second: '2-digit',
});
const shortFmt = new Intl.DateTimeFormat(undefined, {
  month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
});
const shortSecFmt = new Intl.DateTimeFormat(undefined, {
  month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
});
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** Full local date-time, e.g. "Tue, 24 Nov 2026, 03:00" (with seconds if asked). */
export function fmtAbs(date, { seconds = false } = {}) {
  if (!date) return '—';
  return (seconds ? absSecFmt : absFmt).format(new Date(date));
}

/** Compact local date-time: "24 Nov, 03:00" (with seconds if asked). */
export function fmtShort(date, { seconds = false } = {}) {
  if (!date) return '—';
  return (seconds ? shortSecFmt : shortFmt).format(new Date(date));
}

/** Local clock time: "03:00". */
export function fmtTime(date) {
  return timeFmt.format(new Date(date));
}

/** A wall-clock time of day in the locale's style: fmtClock(15, 5) → "15:05" or "3:05 PM". */
export function fmtClock(hour, minute) {
  return timeFmt.format(new Date(2000, 0, 1, hour, minute));
}

function pad(n, w = 2) {
  return String(n).padStart(w, '0');
}

/** Date → value for <input type="datetime-local"> in the browser's zone. */
export function toLocalInput(date) {
  const d = new Date(date);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** <input type="datetime-local"> value (browser zone) → RFC 3339 UTC, or null. */
export function fromLocalInput(value) {
  if (!value) return null;
  const d = new Date(value); // no zone suffix: parsed as local time
  if (Number.isNaN(d.getTime())) return null;
  return d.toISOString();
}
