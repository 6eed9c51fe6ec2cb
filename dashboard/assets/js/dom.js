// Tiny DOM builder used by every page: h(tag, props, ...children) creates
// elements safely (children are text nodes unless they are Nodes), plus a
// few helpers. No templates with string interpolation of user data.

const PROPS = new Set(['value', 'checked', 'selected', 'indeterminate', 'open']);

/** Create an element. props: class, dataset, style (object), on<Event>, html (trusted only), attributes. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'style' && typeof v === 'object') {
        for (const [prop, val] of Object.entries(v)) {
          if (prop.startsWith('--')) el.style.setProperty(prop, val);
          else el.style[prop] = val;
        }
      }
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
      else if (k === 'html') el.innerHTML = v;
      else if (PROPS.has(k)) el[k] = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

/** Append children (strings, numbers, Nodes, nested arrays; null/false skipped). */
export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false || c === true) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replace all children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** Debounce a function. */
export function debounce(fn, ms) {
  let t;
  const wrapped = (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(t);
  return wrapped;
}

/** Document title helper. */
export function setTitle(...parts) {
  document.title = [...parts.filter(Boolean), 'Backbeat'].join(' · ');
}

/** True when a key event happens inside a text-editing control. */
export function isTyping(e) {
  const t = e.target;
  if (!(t instanceof Element)) return false;
  return t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName);
}

/** Short "spinner + text" placeholder. */
export function loading(text = 'Loading…') {
  return h('div', { class: 'loading' }, h('span', { class: 'spinner' }), text);
}

/**
 * Re-render `container` with `render()` without losing keyboard focus: the
 * focused element's `data-focus-key` is looked up again afterwards; if it
 * is gone, focus goes to `fallback(key)` (an element, or null for none).
 */
export function keepFocus(container, render, fallback = () => null) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.focusKey : null;
  render();
  if (!key) return;
  const same = container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
  const target = same || fallback(key);
  if (target && document.activeElement !== target) target.focus({ preventScroll: !!same });
}
