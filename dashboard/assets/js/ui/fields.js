// Form fields with an error slot, and the registry that routes server
// validation errors (422 error.field, a dotted path such as "schedule.expr"
// or "env.FOO") to the field they belong to, falling back to the nearest
// registered parent path, then to the form-level message.

import { h } from '../dom.js';

let seq = 0;
export function uid(prefix = 'f') {
  seq += 1;
  return `${prefix}-${seq}`;
}

/** A labelled field: returns the wrapper; `.error` holds its message. */
export function field({ label, input, hint = null, name = null, labelFor = null }) {
  const id = labelFor || input.id || uid();
  if (!labelFor && !input.id) input.id = id;
  const error = h('div', { class: 'error', id: `${id}-err`, role: 'alert' });
  const hintEl = hint !== null ? h('div', { class: 'hint', id: `${id}-hint` }, hint) : null;
  const describedBy = [hintEl && hintEl.id, error.id].filter(Boolean).join(' ');
  input.setAttribute?.('aria-describedby', describedBy);
  return h('div', { class: 'field', 'data-field': name },
    h('label', { for: id }, label), input, hintEl, error);
}

export class FieldErrors {
  constructor(formError) {
    this.formError = formError;
    this.slots = new Map();
    this.resolvers = [];
  }

  /** Register a slot: errorEl receives the text, input gets aria-invalid. */
  register(name, errorEl, input = null) {
    this.slots.set(name, { errorEl, input });
  }

  /** A resolver maps a field path to a slot name it handles (e.g. env.FOO). */
  addResolver(fn) {
    this.resolvers.push(fn);
  }

  clear() {
    for (const { errorEl, input } of this.slots.values()) {
      errorEl.textContent = '';
      if (input) input.removeAttribute('aria-invalid');
    }
    this.formError.textContent = '';
  }

  clearOne(name) {
    const slot = this.slots.get(name);
    if (!slot) return;
    slot.errorEl.textContent = '';
    if (slot.input) slot.input.removeAttribute('aria-invalid');
  }

  /** Show a message for a field path; returns the input (to focus) or null. */
  show(path, message) {
    let name = null;
    for (const r of this.resolvers) {
      name = r(path);
      if (name && this.slots.has(name)) break;
      name = null;
    }
    if (!name && path) {
      const parts = path.split('.');
      while (parts.length) {
        const candidate = parts.join('.');
        if (this.slots.has(candidate)) { name = candidate; break; }
        parts.pop();
      }
    }
    if (!name) {
      this.formError.textContent = message;
      return null;
    }
    const { errorEl, input } = this.slots.get(name);
    errorEl.textContent = message;
    if (input) input.setAttribute('aria-invalid', 'true');
    return input;
  }
}
