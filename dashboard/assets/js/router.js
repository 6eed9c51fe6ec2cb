// Hash router: "#/jobs/3/edit?x=1" → {path: ['jobs','3','edit'], query}.
// Mounts one page at a time into <main>; a page's mount() returns a cleanup
// function or {cleanup, isDirty}; leaving a dirty page asks first.

import { h } from './dom.js';

export function parseHash(hash = location.hash) {
  const raw = hash.replace(/^#\/?/, '');
  const [pathPart, queryPart = ''] = raw.split('?');
  const path = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  return { path, query: Object.fromEntries(new URLSearchParams(queryPart)) };
}

/** Build "#/a/b?k=v" from parts and a query object (empty values dropped). */
export function hashFor(path, query = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== '' && v !== null && v !== undefined) q.set(k, v);
  const s = q.toString();
  return `#/${path}${s ? `?${s}` : ''}`;
}

let quiet = null;

/**
 * Records `hash` in the address bar (replacing the entry) without
 * re-mounting the page: for filters a page applies itself. The router
 * treats it as the current route.
 */
export function setHashQuietly(hash) {
  if (quiet) quiet(hash);
  else history.replaceState(null, '', hash);
}

export function createRouter(main, resolve, onRoute) {
  let current = null;
  let currentHash = null;
  quiet = (hash) => {
    history.replaceState(null, '', hash);
    currentHash = location.hash;
  };
  let generation = 0;

  async function render() {
    if (location.hash === currentHash) return;
    if (current && current.isDirty && current.isDirty()) {
      // eslint-disable-next-line no-alert
      if (!window.confirm('Leave this page? Your unsaved changes will be lost.')) {
        history.replaceState(null, '', currentHash);
        return;
      }
    }
    const route = parseHash();
    const match = resolve(route);
    if (match.redirect) {
      location.replace(match.redirect);
      return;
    }
    if (current && current.cleanup) current.cleanup();
    current = null;
    currentHash = location.hash;
    const gen = ++generation;
    onRoute(route, match);
    main.replaceChildren();
    window.scrollTo(0, 0);
    try {
      const result = await match.page(main, { ...match.params, query: route.query });
      const page = typeof result === 'function' ? { cleanup: result } : result || {};
      if (gen !== generation) {
        if (page.cleanup) page.cleanup();
        return;
      }
      current = page;
      // Move focus into the new page (screen readers announce it, keys act
      // on it) unless the page already focused something of its own.
      if (!main.contains(document.activeElement)) main.focus({ preventScroll: true });
    } catch (e) {
      if (gen !== generation) return;
      if (e.status === 401) {
        // app.js shows the "session expired" notice; nothing else to say.
        main.replaceChildren();
        return;
      }
      console.error(e);
      main.replaceChildren(h('div', { class: 'banner error' },
        h('div', null, h('strong', null, 'This page failed to load'), e.message || String(e))));
    }
  }

  window.addEventListener('hashchange', render);
  window.addEventListener('beforeunload', (e) => {
    if (current && current.isDirty && current.isDirty()) e.preventDefault();
  });
  return { start: render };
}
