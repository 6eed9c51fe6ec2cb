// Environment variables of a job as key/value rows (add, remove), checked
// as you type (names must match [A-Za-z_][A-Za-z0-9_]*, no duplicates);
// server errors for "env.NAME" land on that row.

import { h } from '../dom.js';
import { icon } from '../icons.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function envEditor({ errors, onChange }) {
  const rows = h('div', { class: 'env-rows' });
  const sectionError = h('div', { class: 'error' });
  const addBtn = h('button', { class: 'btn sm', type: 'button', 'data-add-env': '' }, icon('plus'), 'Add variable');
  const el = h('div', { class: 'stack', 'data-field': 'env' }, rows, sectionError, h('div', null, addBtn));
  errors.register('env', sectionError);
  errors.addResolver((path) => {
    if (!path || !path.startsWith('env.')) return null;
    const key = path.slice(4);
    for (const row of rows.children) {
      if (row.querySelector('[data-env-key]').value.trim() === key) {
        const slot = `env.${key}`;
        errors.register(slot, row.querySelector('.error'), row.querySelector('[data-env-key]'));
        return slot;
      }
    }
    return 'env';
  });

  function validate() {
    const seen = new Set();
    for (const row of rows.children) {
      const k = row.querySelector('[data-env-key]');
      const err = row.querySelector('.error');
      const name = k.value.trim();
      let msg = '';
      if (name && !NAME.test(name)) msg = `“${name}” is not a valid name: letters, digits and _ only, not starting with a digit.`;
      else if (name && seen.has(name)) msg = `${name} is set twice.`;
      else if (!name && row.querySelector('[data-env-value]').value) msg = 'Give this value a name.';
      seen.add(name);
      err.textContent = msg;
      if (msg) k.setAttribute('aria-invalid', 'true');
      else k.removeAttribute('aria-invalid');
    }
  }

  function addRow(key = '', value = '', focus = false) {
    const k = h('input', { class: 'input mono', placeholder: 'NAME', 'aria-label': 'Variable name', 'data-env-key': '', value: key, spellcheck: 'false', autocomplete: 'off' });
    const v = h('input', { class: 'input mono', placeholder: 'value', 'aria-label': 'Variable value', 'data-env-value': '', value, spellcheck: 'false', autocomplete: 'off' });
    const remove = h('button', { class: 'icon-btn', type: 'button', 'aria-label': 'Remove variable', title: 'Remove' }, icon('x'));
    const row = h('div', { class: 'env-row' }, k, v, remove, h('div', { class: 'error', role: 'alert' }));
    remove.addEventListener('click', () => {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      validate();
      if (onChange) onChange();
      (next ? next.querySelector('input') : addBtn).focus();
    });
    for (const input of [k, v]) {
      input.addEventListener('input', () => { validate(); if (onChange) onChange(); });
      input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') { e.preventDefault(); addRow('', '', true); }
      });
    }
    rows.append(row);
    if (focus) k.focus();
  }

  addBtn.addEventListener('click', () => { addRow('', '', true); if (onChange) onChange(); });

  return {
    el,
    get value() {
      const env = {};
      for (const row of rows.children) {
        const key = row.querySelector('[data-env-key]').value.trim();
        if (key) env[key] = row.querySelector('[data-env-value]').value;
      }
      return env;
    },
    set value(env) {
      rows.replaceChildren();
      for (const [key, value] of Object.entries(env || {})) addRow(key, value);
    },
    hasLocalErrors() {
      validate();
      return [...rows.querySelectorAll('.error')].some((e) => e.textContent);
    },
  };
}
