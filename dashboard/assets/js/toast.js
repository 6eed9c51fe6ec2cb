// Transient notifications in the corner (aria-live): toast("Saved", {kind:"ok"}).
// A toast may carry a link (e.g. to the run that was just started).

import { h } from './dom.js';

export function toast(message, { kind = 'info', timeout = 5000, link = null } = {}) {
  const box = document.getElementById('toasts');
  if (!box) return;
  const close = () => el.remove();
  const el = h('div', { class: `toast ${kind}` },
    h('div', { class: 'grow' }, message,
      link ? [' ', h('a', { href: link.href, onclick: close }, link.label)] : null),
    h('button', { class: 'icon-btn', type: 'button', 'aria-label': 'Dismiss', onclick: close, style: { width: '22px', height: '22px' } }, '×'));
  box.append(el);
  if (timeout) setTimeout(close, timeout);
}

/** Toast for a failed API call. */
export function toastError(prefix, err) {
  toast(`${prefix}: ${err.message}`, { kind: 'error', timeout: 8000 });
}
