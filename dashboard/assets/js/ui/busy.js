// A control busy with a request: marked aria-busy/aria-disabled (looks
// disabled) but never `disabled`, which would throw keyboard focus to
// <body>. Input while busy is ignored (`revert` undoes a checkbox flip).

/** Run `fn` with `el` busy; a second call while busy only calls `revert`. */
export async function busy(el, fn, { revert } = {}) {
  if (el.getAttribute('aria-busy') === 'true') {
    if (revert) revert();
    return undefined;
  }
  el.setAttribute('aria-busy', 'true');
  el.setAttribute('aria-disabled', 'true');
  try {
    return await fn();
  } finally {
    el.removeAttribute('aria-busy');
    el.removeAttribute('aria-disabled');
  }
}
