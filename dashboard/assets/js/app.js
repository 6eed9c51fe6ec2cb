// Dashboard entry point: routes, the top bar (active page, live-connection
// dot, count of active runs), the "session expired" notice, the health
// check (scheduler disabled warning) and global shortcuts.

import { createRouter } from './router.js';
import { connect, on } from './events.js';
import { get, UNAUTHORIZED_EVENT } from './api.js';
import { h, replace } from './dom.js';
import { startTicker } from './ticker.js';
import { installShortcuts } from './keys.js';
import { showShortcuts } from './dialog.js';
import { isActive } from './status.js';
import jobsPage from './pages/jobs.js';
import editorPage from './pages/editor.js';
import jobPage from './pages/job.js';
import runsPage from './pages/runs.js';
import runDetailPage from './pages/run-detail.js';
import historyPage from './pages/history.js';
import calendarPage from './pages/calendar.js';
import preferencesPage from './pages/preferences.js';

const main = document.getElementById('main');

function resolve({ path }) {
  const [a, b, c] = path;
  if (!a) return { redirect: '#/jobs' };
  if (a === 'jobs' && !b) return { page: jobsPage, nav: 'jobs' };
  if (a === 'jobs' && b === 'new') return { page: editorPage, nav: 'jobs', params: { id: null } };
  if (a === 'jobs' && /^\d+$/.test(b) && c === 'edit') return { page: editorPage, nav: 'jobs', params: { id: Number(b) } };
  if (a === 'jobs' && /^\d+$/.test(b) && !c) return { page: jobPage, nav: 'jobs', params: { id: Number(b) } };
  if (a === 'runs' && !b) return { page: runsPage, nav: 'runs' };
  if (a === 'runs' && /^\d+$/.test(b)) return { page: runDetailPage, nav: 'runs', params: { id: Number(b) } };
  if (a === 'history') return { page: historyPage, nav: 'history' };
  if (a === 'calendar') return { page: calendarPage, nav: 'calendar' };
  if (a === 'preferences') return { page: preferencesPage, nav: 'preferences' };
  return { page: notFound, nav: null };
}

function notFound(el) {
  replace(el, h('div', { class: 'card empty' },
    h('h2', null, 'Page not found'),
    h('p', null, 'There is nothing at ', h('code', null, location.hash), '.'),
    h('a', { class: 'btn', href: '#/jobs' }, 'Go to jobs')));
}

function onRoute(route, match) {
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === match.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// ---- session expired -------------------------------------------------------
window.addEventListener(UNAUTHORIZED_EVENT, () => {
  const box = document.getElementById('session-banner');
  if (!box.hidden) return;
  replace(box, h('div', { class: 'banner error', role: 'alert', style: { margin: '1rem auto 0', maxWidth: '1200px' } },
    h('div', null,
      h('strong', null, 'Session expired — run ', h('code', null, 'backbeat url'), ' to sign in again'),
      'Your session is no longer valid. Run ', h('code', null, 'backbeat url'),
      ' in a terminal on the machine running Backbeat and open the link it prints.')));
  box.hidden = false;
});

// ---- live indicator and active-run count -----------------------------------
const live = document.getElementById('live');
on('state', (s) => {
  live.dataset.state = s;
  live.querySelector('.label').textContent = s === 'open' ? 'live' : s === 'error' ? 'reconnecting…' : 'connecting…';
  live.title = s === 'open' ? 'Live updates on' : 'Live updates interrupted; retrying';
});

const active = new Map();
const countEl = document.getElementById('active-count');
function showCount() {
  countEl.hidden = active.size === 0;
  countEl.textContent = String(active.size);
  countEl.title = `${active.size} running or queued`;
}
async function loadActive() {
  try {
    const { runs } = await get('/runs?status=running,queued&limit=500');
    active.clear();
    for (const r of runs) active.set(r.id, r.status);
    showCount();
  } catch { /* the pages report errors */ }
}
on('run', (run) => {
  if (isActive(run.status)) active.set(run.id, run.status);
  else active.delete(run.id);
  showCount();
});
on('reconnect', loadActive);

async function checkHealth() {
  try {
    const res = await fetch('/api/health', { cache: 'no-store' });
    const health = await res.json();
    document.querySelector('.brand').title = `Backbeat ${health.version || ''}`.trim();
    if (health.scheduler === 'disabled') {
      const box = document.getElementById('session-banner');
      if (box.hidden) {
        replace(box, h('div', { class: 'banner info', style: { margin: '1rem auto 0', maxWidth: '1200px' } },
          h('div', null, h('strong', null, 'Scheduler disabled'),
            'BACKBEAT_DISABLE_SCHEDULER=1 is set: nothing runs on its schedule. Manual runs still work.')));
        box.hidden = false;
      }
    }
  } catch { /* offline: the live dot says so */ }
}

document.getElementById('help-btn').addEventListener('click', showShortcuts);
installShortcuts();
startTicker();
connect();
loadActive();
checkHealth();
createRouter(main, resolve, onRoute).start();
