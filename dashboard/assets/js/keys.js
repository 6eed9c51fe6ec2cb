// Global keyboard shortcuts: "g" then a letter to switch pages, "n" for a
// new job, "/" to focus the page's filter box, "?" for help. Ignored while
// typing in a field. Page-specific keys are bound by the pages themselves.

import { isTyping } from './dom.js';
import { showShortcuts } from './dialog.js';

const GO = { j: '#/jobs', r: '#/runs', h: '#/history', c: '#/calendar', p: '#/preferences' };

export function installShortcuts() {
  let pendingG = 0;
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTyping(e)) return;
    if (document.querySelector('dialog[open]')) return;
    if (pendingG && Date.now() - pendingG < 1200 && GO[e.key]) {
      e.preventDefault();
      pendingG = 0;
      location.hash = GO[e.key];
      return;
    }
    pendingG = 0;
    if (e.key === 'g') {
      pendingG = Date.now();
    } else if (e.key === 'n') {
      e.preventDefault();
      location.hash = '#/jobs/new';
    } else if (e.key === '?') {
      e.preventDefault();
      showShortcuts();
    } else if (e.key === '/') {
      const box = document.querySelector('[data-search]');
      if (box) {
        e.preventDefault();
        box.focus();
        box.select();
      }
    }
  });
}
