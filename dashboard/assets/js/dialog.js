// Modal dialogs on <dialog>: a confirmation (resolves true/false; Esc
// cancels, focus returns where it was) and the keyboard-shortcut help.

import { h } from './dom.js';

export function confirmDialog({ title, message, confirmLabel = 'Confirm', danger = false }) {
  return new Promise((resolve) => {
    const previous = document.activeElement;
    const dlg = h('dialog', { 'aria-labelledby': 'dlg-title' },
      h('form', { method: 'dialog' },
        h('div', { class: 'dlg-body' }, h('h2', { id: 'dlg-title' }, title), h('p', null, message)),
        h('div', { class: 'dlg-actions' },
          h('button', { class: 'btn', value: 'cancel', type: 'submit' }, 'Cancel'),
          h('button', { class: `btn ${danger ? 'danger solid' : 'primary'}`, value: 'ok', type: 'submit', 'data-confirm': '' }, confirmLabel))));
    dlg.addEventListener('close', () => {
      resolve(dlg.returnValue === 'ok');
      dlg.remove();
      if (previous && previous.focus) previous.focus();
    });
    document.body.append(dlg);
    dlg.showModal();
    dlg.querySelector('[data-confirm]').focus();
  });
}

const SHORTCUTS = [
  ['g j', 'Jobs'], ['g r', 'Runs (active)'], ['g h', 'History'], ['g c', 'Calendar'], ['g p', 'Preferences'],
  ['n', 'New job'], ['/', 'Filter jobs'], ['Ctrl S', 'Save the job (in the editor)'],
  ['Esc', 'Leave the editor / close a dialog'], ['← →', 'Previous / next (calendar)'], ['?', 'This help'],
];

export function showShortcuts() {
  if (document.querySelector('dialog.shortcuts-dlg')) return;
  const dlg = h('dialog', { class: 'shortcuts-dlg', 'aria-labelledby': 'kbd-title' },
    h('form', { method: 'dialog' },
      h('div', { class: 'dlg-body' },
        h('h2', { id: 'kbd-title' }, 'Keyboard shortcuts'),
        h('div', { class: 'shortcuts' },
          SHORTCUTS.map(([keys, what]) => [
            h('span', null, keys.split(' ').map((k) => h('kbd', null, k)).reduce((a, k) => (a.length ? [...a, ' ', k] : [k]), [])),
            h('span', null, what),
          ]))),
      h('div', { class: 'dlg-actions' }, h('button', { class: 'btn', type: 'submit' }, 'Close'))));
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
}
