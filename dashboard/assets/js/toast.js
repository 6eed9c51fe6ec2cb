// Transient notifications in the corner (aria-live): toast("Saved", {kind:"ok"}).
// A toast may carry a link (e.g. to the run that was just started). While
// toasts show, the page gets that much room at its bottom, a page scrolled
// to its end stays at its end and the control just used (with its row) is
// scrolled clear, so toasts never hide the last row's buttons; on a phone
// they sit above the bottom tab bar (style.css).

import { h } from './dom.js';

function atEnd() {
  const doc = document.documentElement;
  return window.scrollY + window.innerHeight >= doc.scrollHeight - 4;
}

/** Give the page bottom room for the toasts showing now. */
function makeRoom(box) {
  const wasAtEnd = atEnd();
  const room = box.childElementCount ? box.getBoundingClientRect().height + 16 : 0;
  document.body.style.paddingBottom = room ? `${Math.ceil(room)}px` : '';
  if (!room) return;
  if (wasAtEnd) window.scrollTo({ top: document.documentElement.scrollHeight, behavior: 'instant' });
  // Never cover the control just used (nor the rest of its row / card).
  // <main> and headings hold focus only for the router and screen readers
  // (tabindex -1): they are no control, and scrolling the whole page clear
  // of a toast would throw the page far down.
  const used = document.activeElement;
  if (!used || used === document.body || used.tabIndex < 0 || box.contains(used)) return;
  const area = (used.closest('.card.job, tr') || used).getBoundingClientRect();
  const top = box.getBoundingClientRect().top;
  if (area.bottom > top && area.top < window.innerHeight) window.scrollBy({ top: area.bottom - top + 12, behavior: 'instant' });
}

export function toast(message, { kind = 'info', timeout = 5000, link = null } = {}) {
  const box = document.getElementById('toasts');
  if (!box) return;
  const close = () => {
    if (!el.isConnected) return;
    el.remove();
    makeRoom(box);
  };
  const el = h('div', { class: `toast ${kind}` },
    h('div', { class: 'grow' }, message,
      link ? [' ', h('a', { href: link.href, onclick: close }, link.label)] : null),
    h('button', { class: 'icon-btn', type: 'button', 'aria-label': 'Dismiss', onclick: close, style: { width: '22px', height: '22px' } }, '×'));
  box.append(el);
  makeRoom(box);
  if (timeout) setTimeout(close, timeout);
}

/** Toast for a failed API call. */
export function toastError(prefix, err) {
  toast(`${prefix}: ${err.message}`, { kind: 'error', timeout: 8000 });
}
