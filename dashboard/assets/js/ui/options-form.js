// Executor options of a job (`executorOptions`): a form rendered from the
// executor's optionsSchema (GET /api/executors) for string, integer,
// number, boolean, enum and array-of-strings properties, with the raw JSON
// as a fallback (for other schemas, or by choice). Server errors for
// "executorOptions.NAME" land on that option's field.

import { h } from '../dom.js';
import { field, uid } from './fields.js';

function kindOf(prop) {
  if (!prop || typeof prop !== 'object') return null;
  if (Array.isArray(prop.enum) && prop.enum.every((v) => typeof v === 'string')) return 'enum';
  if (prop.type === 'string') return 'string';
  if (prop.type === 'integer' || prop.type === 'number') return 'number';
  if (prop.type === 'boolean') return 'boolean';
  if (prop.type === 'array' && prop.items && prop.items.type === 'string') return 'list';
  return null;
}

/** Whether every property of `schema` has a form field kind. */
function formable(schema) {
  const props = schema && schema.properties;
  return Boolean(props) && Object.values(props).every((p) => kindOf(p) !== null);
}

export function optionsForm({ errors, onChange }) {
  const fields = h('div', { class: 'fields' });
  const raw = h('textarea', { class: 'input mono', rows: 5, spellcheck: 'false', 'data-options-json': '', 'aria-label': 'Executor options as JSON' });
  const rawField = h('div', { class: 'field' }, raw);
  const toggle = h('button', { class: 'btn sm', type: 'button', 'data-options-raw': '' }, 'Edit as JSON');
  const sectionError = h('div', { class: 'error', role: 'alert' });
  const intro = h('p', { class: 'hint' });
  const el = h('section', { class: 'form-section', 'data-field': 'executorOptions' },
    h('h2', null, 'Executor options'), intro, fields, rawField, h('div', null, toggle), sectionError);
  errors.register('executorOptions', sectionError, raw);

  let schema = null;
  let useRaw = true;
  let inputs = new Map(); // name -> { kind, input, errorEl }
  let current = {};

  errors.addResolver((path) => {
    if (!path || !path.startsWith('executorOptions.')) return null;
    const name = path.slice('executorOptions.'.length).split('.')[0];
    const slot = inputs.get(name);
    if (useRaw || !slot) return 'executorOptions';
    errors.register(`executorOptions.${name}`, slot.errorEl, slot.input);
    return `executorOptions.${name}`;
  });

  function readForm() {
    const out = { ...current };
    for (const [name, { kind, input }] of inputs) {
      delete out[name];
      if (kind === 'boolean') {
        if (input.checked || (schema.properties[name].default === true)) out[name] = input.checked;
      } else if (kind === 'number') {
        const v = input.value.trim();
        if (v !== '') out[name] = Number(v);
      } else if (kind === 'list') {
        const items = input.value.split('\n').map((s) => s.trim()).filter(Boolean);
        if (items.length) out[name] = items;
      } else if (input.value !== '') {
        out[name] = input.value;
      }
    }
    return out;
  }

  function renderForm() {
    inputs = new Map();
    fields.replaceChildren();
    const required = new Set((schema && schema.required) || []);
    for (const [name, prop] of Object.entries(schema.properties)) {
      const kind = kindOf(prop);
      const label = `${prop.title || name}${required.has(name) ? '' : ' (optional)'}`;
      const value = current[name];
      let input;
      if (kind === 'enum') {
        input = h('select', { class: 'input', name: `opt-${name}` },
          h('option', { value: '' }, prop.default !== undefined ? `${prop.default} (default)` : '—'),
          prop.enum.map((v) => h('option', { value: v, selected: v === value }, v)));
      } else if (kind === 'boolean') {
        input = h('input', { type: 'checkbox', name: `opt-${name}`, checked: value === undefined ? prop.default === true : Boolean(value) });
      } else if (kind === 'list') {
        input = h('textarea', { class: 'input mono', rows: 2, name: `opt-${name}`, spellcheck: 'false', placeholder: 'one per line' });
        input.value = Array.isArray(value) ? value.join('\n') : '';
      } else {
        input = h('input', { class: `input${kind === 'string' ? ' mono' : ''}`, type: kind === 'number' ? 'number' : 'text', name: `opt-${name}`, spellcheck: 'false', autocomplete: 'off', placeholder: prop.default !== undefined ? String(prop.default) : '' });
        input.value = value === undefined ? '' : String(value);
      }
      input.id = uid('opt');
      const wrap = field({ label, input, name: `executorOptions.${name}`, hint: prop.description || null });
      inputs.set(name, { kind, input, errorEl: wrap.querySelector('.error') });
      fields.append(wrap);
    }
  }

  function show() {
    fields.hidden = useRaw;
    rawField.hidden = !useRaw;
    toggle.hidden = !formable(schema);
    toggle.textContent = useRaw ? 'Edit as form' : 'Edit as JSON';
    if (useRaw) raw.value = Object.keys(current).length ? JSON.stringify(current, null, 2) : '';
    else renderForm();
  }

  toggle.addEventListener('click', () => {
    if (useRaw) {
      try {
        current = parseRaw();
      } catch (e) {
        sectionError.textContent = e.message;
        return;
      }
    } else {
      current = readForm();
    }
    sectionError.textContent = '';
    useRaw = !useRaw;
    show();
  });
  raw.addEventListener('input', () => { if (onChange) onChange(); });

  function parseRaw() {
    const text = raw.value.trim();
    if (!text) return {};
    const value = JSON.parse(text);
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('Executor options must be a JSON object.');
    return value;
  }

  return {
    el,
    /** The executor's optionsSchema (null: none) and its name for the intro. */
    setSchema(next, executorName) {
      if (!useRaw) current = readForm();
      else { try { current = parseRaw(); } catch { /* keep the last good value */ } }
      schema = next && typeof next === 'object' ? next : null;
      useRaw = !formable(schema);
      intro.textContent = schema
        ? `Options of ${executorName}, checked against its schema when you save.`
        : 'Passed as JSON to the executor in its start message (it publishes no schema).';
      show();
    },
    /** Whether the section is worth showing: a schema, or options already set. */
    get relevant() {
      return Boolean(schema) || Object.keys(this.value || {}).length > 0;
    },
    get value() {
      if (useRaw) {
        try { return parseRaw(); } catch { return raw.value; }
      }
      return readForm();
    },
    set value(options) {
      current = options && typeof options === 'object' ? { ...options } : {};
      show();
    },
    /** A local error (raw JSON that does not parse), shown; else null. */
    localError() {
      if (!useRaw) return null;
      try { parseRaw(); return null; } catch (e) {
        sectionError.textContent = e instanceof SyntaxError ? `Not valid JSON: ${e.message}` : e.message;
        return raw;
      }
    },
  };
}
