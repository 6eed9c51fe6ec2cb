// Date arithmetic for the calendar page: week/month grids in the browser's
// local zone (weeks start on Monday), day keys, and grouping of schedule
// occurrences by day. Pure; unit-tested in tests/e2e/unit.

/** Local midnight of the given date. */
export function startOfDay(d) {
  const x = new Date(d);
  x.setHours(0, 0, 0, 0);
  return x;
}

/** Add whole calendar days (DST-safe: works on local dates, not ms). */
export function addDays(d, n) {
  const x = new Date(d);
  x.setDate(x.getDate() + n);
  return x;
}

/** Monday of the week containing d, at local midnight. */
export function startOfWeek(d) {
  const x = startOfDay(d);
  const dow = (x.getDay() + 6) % 7; // Monday = 0
  return addDays(x, -dow);
}

/** "YYYY-MM-DD" of the local date. */
export function dayKey(d) {
  const x = new Date(d);
  return `${x.getFullYear()}-${String(x.getMonth() + 1).padStart(2, '0')}-${String(x.getDate()).padStart(2, '0')}`;
}

/** Parse a day key back into local midnight. */
export function fromDayKey(key) {
  const [y, m, d] = key.split('-').map(Number);
  return new Date(y, m - 1, d);
}

/**
 * The days shown for the month containing `d`: whole weeks from the Monday on
 * or before the 1st to the Sunday on or after the last day (4–6 weeks).
 */
export function monthGrid(d) {
  const first = new Date(d.getFullYear(), d.getMonth(), 1);
  const last = new Date(d.getFullYear(), d.getMonth() + 1, 0);
  const start = startOfWeek(first);
  const end = addDays(startOfWeek(last), 7);
  const days = [];
  for (let x = start; x < end; x = addDays(x, 1)) days.push(x);
  return days;
}

/** The seven days of the week containing `d`. */
export function weekDays(d) {
  const start = startOfWeek(d);
  return Array.from({ length: 7 }, (_, i) => addDays(start, i));
}

/** Map dayKey → occurrences (sorted by time), from a schedule response. */
export function groupByDay(occurrences) {
  const map = new Map();
  for (const o of occurrences) {
    const k = dayKey(o.at);
    if (!map.has(k)) map.set(k, []);
    map.get(k).push(o);
  }
  for (const list of map.values()) list.sort((a, b) => a.at.localeCompare(b.at));
  return map;
}

/**
 * Collapse one day's occurrences per job: [{jobId, title, first, count, times}],
 * ordered by first occurrence. Keeps a busy every-minute job to one line.
 */
export function collapseByJob(list) {
  const byJob = new Map();
  for (const o of list) {
    let g = byJob.get(o.jobId);
    if (!g) {
      g = { jobId: o.jobId, title: o.title, first: o.at, count: 0, times: [] };
      byJob.set(o.jobId, g);
    }
    g.count += 1;
    g.times.push(o.at);
  }
  return [...byJob.values()].sort((a, b) => a.first.localeCompare(b.first));
}

/** Month title, e.g. "November 2026". */
export function monthTitle(d) {
  return new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric' }).format(d);
}
