// Calendar (#/calendar?view=month|week&date=YYYY-MM-DD): upcoming fire times
// from GET /api/schedule, in month and week views, in the browser's zone;
// today marked; each occurrence links to its job. Busy jobs (every minute…)
// are collapsed to one line per day with a count.

import { get, qs } from '../api.js';
import { h, replace, setTitle, loading, isTyping } from '../dom.js';
import { on } from '../events.js';
import { monthGrid, weekDays, dayKey, fromDayKey, addDays, startOfDay, startOfWeek, groupByDay, collapseByJob, monthTitle } from '../calendar-math.js';
import { fmtTime } from '../time.js';
import { hashFor } from '../router.js';
import { icon } from '../icons.js';

const MONTH_CELL_GROUPS = 3;
const phone = window.matchMedia('(max-width: 720px)');
const WEEK_SPLIT_MAX = 4; // more runs of one job in a day are collapsed

const dowFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
const rangeFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });

function occLink(group, { showAll = false } = {}) {
  const times = group.times.map(fmtTime);
  const title = `${group.title}: ${group.count === 1 ? times[0] : `${group.count}× (${times[0]}–${times[times.length - 1]})`}`;
  return h('a', { class: 'occ', href: `#/jobs/${group.jobId}`, title, 'data-occ-job': group.jobId, style: { '--job-hue': String((group.jobId * 67) % 360) } },
    h('time', { datetime: group.first }, times[0]),
    h('span', { class: 't' }, group.title),
    group.count > 1 && !showAll ? h('span', { class: 'n' }, `×${group.count}`) : null);
}

export default async function calendarPage(main, { query }) {
  setTitle('Calendar');
  const view = query.view === 'week' ? 'week' : 'month';
  const anchor = query.date && /^\d{4}-\d{2}-\d{2}$/.test(query.date) ? fromDayKey(query.date) : startOfDay(new Date());
  const today = dayKey(new Date());

  const days = view === 'month' ? monthGrid(anchor) : weekDays(anchor);
  const rangeStart = days[0];
  const rangeEnd = addDays(days[days.length - 1], 1);

  const go = (changes) => { location.hash = hashFor('calendar', { view, date: dayKey(anchor), ...changes }); };
  const step = (dir) => {
    const d = view === 'month' ? new Date(anchor.getFullYear(), anchor.getMonth() + dir, 1) : addDays(anchor, 7 * dir);
    go({ date: dayKey(d) });
  };

  const title = view === 'month' ? monthTitle(anchor)
    : `${rangeFmt.format(rangeStart)} – ${rangeFmt.format(addDays(rangeEnd, -1))}`;
  const segmented = h('div', { class: 'segmented', role: 'radiogroup', 'aria-label': 'View' },
    ['month', 'week'].map((v) => {
      const input = h('input', { type: 'radio', name: 'cal-view', value: v, checked: v === view, 'data-view': v });
      input.addEventListener('change', () => go({ view: v }));
      return h('label', null, input, h('span', null, v === 'month' ? 'Month' : 'Week'));
    }));
  const banner = h('div');
  const grid = h('div', { class: `cal-grid ${view === 'week' ? 'week-grid' : ''}`, 'data-calendar': view });

  replace(main,
    h('div', { class: 'page-head' }, h('h1', null, 'Calendar'), segmented,
      h('div', { class: 'sub' }, 'Upcoming runs of enabled jobs, in your time zone. Click one to open its job.')),
    h('div', { class: 'cal-head' },
      h('button', { class: 'btn sm', type: 'button', 'aria-label': 'Previous', title: 'Previous (←)', onclick: () => step(-1) }, icon('left')),
      h('button', { class: 'btn sm', type: 'button', onclick: () => go({ date: today }) }, 'Today'),
      h('button', { class: 'btn sm', type: 'button', 'aria-label': 'Next', title: 'Next (→)', onclick: () => step(1) }, icon('right')),
      h('h2', { 'aria-live': 'polite' }, title)),
    banner,
    h('section', { class: 'card', style: { overflow: 'hidden' } }, grid));
  grid.append(loading());

  async function load() {
    // Only upcoming times: nothing before now.
    const now = new Date();
    const from = rangeStart > now ? rangeStart : now;
    let occurrences = [];
    let truncated = false;
    if (rangeEnd > from) {
      const res = await get(`/schedule${qs({ from: from.toISOString(), to: rangeEnd.toISOString() })}`);
      occurrences = res.occurrences || [];
      truncated = Boolean(res.truncated);
    }
    const byDay = groupByDay(occurrences);
    replace(banner, truncated ? h('div', { class: 'banner info' },
      h('div', null, h('strong', null, 'Not everything fits'), 'There are more than 5000 upcoming runs in this range; the last ones are not shown. Try the week view.')) : null);

    grid.replaceChildren();
    if (view === 'week' && !phone.matches) {
      renderHourGrid(byDay);
      return;
    }
    grid.classList.remove('hour-grid');
    for (const d of days.slice(0, 7)) grid.append(h('div', { class: 'cal-dow', 'aria-hidden': 'true' }, dowFmt.format(d)));
    for (const d of days) {
      const key = dayKey(d);
      const list = byDay.get(key) || [];
      const groups = collapseByJob(list);
      const cls = ['cal-day'];
      if (key === today) cls.push('today');
      if (view === 'month' && d.getMonth() !== anchor.getMonth()) cls.push('other');
      if (key < today) cls.push('past');
      // Weeks already over hold nothing upcoming: keep them short.
      if (view === 'month' && addDays(startOfWeek(d), 7) <= startOfDay(new Date())) cls.push('past-week');
      const cell = h('div', { class: cls.join(' '), 'data-day': key, 'aria-label': `${dayFmt.format(d)}: ${list.length} run${list.length === 1 ? '' : 's'}` },
        view === 'week'
          ? h('div', { class: 'cal-date' }, h('span', null, dayFmt.format(d)))
          : h('a', { class: 'cal-date', href: hashFor('calendar', { view: 'week', date: key }), title: `Week of ${dayFmt.format(d)}` }, String(d.getDate())));
      if (view === 'week') {
        cell.querySelector('.cal-date').style.width = 'auto';
        cell.querySelector('.cal-date').style.borderRadius = '6px';
        cell.querySelector('.cal-date').style.padding = '0 0.4rem';
        // A job's few runs of the day one by one; a busy job as one line.
        const lines = [];
        for (const g of groups) {
          if (g.count > WEEK_SPLIT_MAX) lines.push(g);
          else for (const t of g.times) lines.push({ ...g, first: t, count: 1, times: [t] });
        }
        lines.sort((a, b) => a.first.localeCompare(b.first));
        for (const g of lines) cell.append(occLink(g));
      } else {
        for (const g of groups.slice(0, MONTH_CELL_GROUPS)) cell.append(occLink(g));
        if (groups.length > MONTH_CELL_GROUPS) {
          cell.append(h('a', { class: 'more', href: hashFor('calendar', { view: 'week', date: key }) }, `+${groups.length - MONTH_CELL_GROUPS} more`));
        }
      }
      grid.append(cell);
    }
  }

  // The week on a wide screen: hours down the side, days across; each
  // hour cell lists that hour's runs (a busy job as one line with a count).
  function renderHourGrid(byDay) {
    grid.classList.add('hour-grid');
    grid.append(h('div', { class: 'cal-dow hour-corner', 'aria-hidden': 'true' }));
    for (const d of days) {
      const key = dayKey(d);
      grid.append(h('div', { class: `cal-dow${key === today ? ' today' : ''}`, 'data-day': key }, dayFmt.format(d)));
    }
    const byHour = new Map();
    for (const d of days) {
      for (const o of byDay.get(dayKey(d)) || []) {
        const k = `${dayKey(d)}/${new Date(o.at).getHours()}`;
        if (!byHour.has(k)) byHour.set(k, []);
        byHour.get(k).push(o);
      }
    }
    const hourFmt = new Intl.DateTimeFormat(undefined, { hour: 'numeric' });
    for (let hour = 0; hour < 24; hour += 1) {
      const at = new Date(days[0]); at.setHours(hour, 0, 0, 0);
      grid.append(h('div', { class: 'hour-label', 'data-hour': hour }, hourFmt.format(at)));
      for (const d of days) {
        const key = dayKey(d);
        const list = byHour.get(`${key}/${hour}`) || [];
        const cls = ['hour-cell'];
        if (key === today) cls.push('today');
        if (key < today) cls.push('past');
        grid.append(h('div', { class: cls.join(' '), 'data-day': key, 'data-hour': hour },
          collapseByJob(list).map((g) => occLink(g))));
      }
    }
  }

  function onKey(e) {
    if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey || document.querySelector('dialog[open]')) return;
    if (e.key === 'ArrowLeft') step(-1);
    else if (e.key === 'ArrowRight') step(1);
    else if (e.key === 't') go({ date: today });
  }
  document.addEventListener('keydown', onKey);
  let reloadTimer = null;
  const reloadSoon = () => { clearTimeout(reloadTimer); reloadTimer = setTimeout(() => load().catch(() => {}), 500); };
  const offs = [on('job', reloadSoon), on('job-deleted', reloadSoon), on('reconnect', reloadSoon)];

  try {
    await load();
  } catch (e) {
    replace(grid, h('div', { class: 'banner error', style: { gridColumn: '1 / -1', margin: '1rem' } }, e.message));
  }
  return () => {
    document.removeEventListener('keydown', onKey);
    clearTimeout(reloadTimer);
    offs.forEach((off) => off());
  };
}
