// Preferences (#/preferences): every key with its meaning and an input that
// is checked as you type; Save sends only the changed keys with
// PATCH /api/preferences; 422 errors appear next to their field. Below,
// the notification channels (ui/channels.js).

import { get, patch } from '../api.js';
import { h, replace, setTitle, loading } from '../dom.js';
import { toast } from '../toast.js';
import { PREFS, PREF_GROUPS, checkPref, humanPref, spentToday } from '../prefs-schema.js';
import { durationInput } from '../ui/duration-input.js';
import { channelsSection } from '../ui/channels.js';

function defaultWords(key, spec, def) {
  if (def === '') return 'empty';
  if (spec.unit === 'ms') return humanPref(key, def);
  return `${def}${spec.unit ? ` ${spec.unit}` : ''}${spec.unit && humanPref(key, def) ? ` (${humanPref(key, def)})` : ''}`;
}

export default async function preferencesPage(main) {
  setTitle('Preferences');
  main.append(loading());
  let prefs = await get('/preferences');

  const inputs = new Map();
  const errorsEl = new Map();
  const humans = new Map();
  const saveBtn = h('button', { class: 'btn primary', type: 'submit', disabled: true, 'data-save-prefs': '' }, 'Save preferences');
  const resetBtn = h('button', { class: 'btn ghost', type: 'button', disabled: true }, 'Undo changes');
  const formError = h('div', { class: 'form-error', role: 'alert' });
  const status = h('span', { class: 'muted small' });

  const wrappers = new Map();
  function inputFor(key, spec) {
    if (spec.kind === 'int' && spec.unit === 'ms') {
      const d = durationInput({ name: key, id: `pref-${key}`, label: spec.label });
      wrappers.set(key, d.el);
      return d.input;
    }
    if (spec.kind === 'enum') {
      return h('select', { class: 'input', name: key, id: `pref-${key}` },
        spec.values.map((v) => h('option', { value: v }, v === '' ? 'CLI default' : v)));
    }
    return h('input', {
      class: `input ${spec.kind === 'int' ? '' : 'mono'}`, name: key, id: `pref-${key}`,
      type: 'text', inputmode: { int: 'numeric', usd: 'decimal' }[spec.kind] || null,
      placeholder: spec.placeholder || '', autocomplete: 'off', spellcheck: 'false',
    });
  }

  function prefRow(key) {
    const spec = PREFS[key] || { label: key, kind: typeof prefs[key] === 'number' ? 'int' : 'string', meaning: '', min: -Infinity, max: Infinity };
    const input = inputFor(key, spec);
    const error = h('div', { class: 'error', id: `pref-${key}-err`, role: 'alert' });
    const human = h('div', { class: 'human' });
    input.setAttribute('aria-describedby', `pref-${key}-meaning pref-${key}-err`);
    inputs.set(key, input);
    errorsEl.set(key, error);
    humans.set(key, human);
    input.addEventListener('input', () => onEdit(key));
    input.addEventListener('change', () => onEdit(key));
    const def = spec.def === undefined ? null : spec.def;
    return h('div', { class: 'pref', 'data-pref': key },
      h('div', null,
        h('label', { for: `pref-${key}`, class: 'name' }, spec.label, h('span', { class: 'key' }, key)),
        h('div', { class: 'meaning', id: `pref-${key}-meaning` }, spec.meaning,
          def !== null ? h('span', { class: 'muted' }, ` Default: ${defaultWords(key, spec, def)}.`) : null)),
      h('div', null, wrappers.get(key) || input, human),
      error);
  }

  const known = new Set(PREF_GROUPS.flatMap((g) => g.keys));
  // defaultNotifyChannels is set in the Channels section below.
  const extra = Object.keys(prefs).filter((k) => !known.has(k) && k !== 'defaultNotifyChannels');
  const groups = [...PREF_GROUPS, ...(extra.length ? [{ title: 'Other', keys: extra }] : [])];
  const form = h('form', { class: 'card', novalidate: true, 'data-prefs-form': '' },
    groups.map((g) => h('section', { class: 'pref-group' }, h('h2', null, g.title), g.keys.map(prefRow))),
    h('div', { class: 'form-actions' }, saveBtn, resetBtn, status, h('span', { class: 'grow' }), formError));

  replace(main,
    h('div', { class: 'page-head' }, h('h1', null, 'Preferences'),
      h('div', { class: 'sub' }, 'Stored in preferences.json in the config directory; changes apply to runs that start after saving.')),
    form,
    channelsSection({ getPrefs: () => prefs, setPrefs: (p) => { prefs = p; } }).el);

  // What AI runs cost in the last 24 h, beside the global budget.
  const spentEl = h('div', { class: 'muted small', 'data-spent-today': '' });
  const budgetRow = form.querySelector('[data-pref="aiDailyBudgetUsd"] .human');
  if (budgetRow) budgetRow.after(spentEl);
  async function showSpent() {
    try {
      const spend = await get('/ai/spend');
      const limit = spend.dailyBudgetUsd == null ? ', no daily budget' : '';
      spentEl.textContent = `${spentToday(spend.spentTodayUsd, spend.dailyBudgetUsd)}${limit} by all AI runs (${spend.runningAiRuns} of ${spend.maxConcurrentAiRuns} AI run slots busy)`;
    } catch {
      spentEl.textContent = '';
    }
  }
  showSpent();

  function fill() {
    for (const [key, input] of inputs) {
      input.value = prefs[key] === undefined || prefs[key] === null ? '' : String(prefs[key]);
      errorsEl.get(key).textContent = '';
      input.removeAttribute('aria-invalid');
      showHuman(key);
    }
    refresh();
  }

  function showHuman(key) {
    const n = Number(inputs.get(key).value);
    // A duration already shows its unit; bytes and the like get "= 50 MiB".
    const shown = PREFS[key] && PREFS[key].unit !== 'ms' && humanPref(key, n);
    humans.get(key).textContent = shown ? `= ${shown}` : '';
  }

  function changes() {
    const out = {};
    let bad = false;
    for (const [key, input] of inputs) {
      const r = checkPref(key, input.value);
      if (r.error) { bad = true; continue; }
      if (r.value !== prefs[key]) out[key] = r.value;
    }
    return { out, bad };
  }

  function refresh() {
    const { out, bad } = changes();
    const n = Object.keys(out).length;
    saveBtn.disabled = n === 0 || bad;
    resetBtn.disabled = n === 0 && !bad;
    status.textContent = n ? `${n} unsaved change${n === 1 ? '' : 's'}` : '';
  }

  function onEdit(key) {
    const input = inputs.get(key);
    const r = checkPref(key, input.value);
    errorsEl.get(key).textContent = r.error || '';
    if (r.error) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    showHuman(key);
    formError.textContent = '';
    refresh();
  }

  resetBtn.addEventListener('click', fill);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const { out, bad } = changes();
    if (bad || !Object.keys(out).length) return;
    saveBtn.disabled = true;
    try {
      prefs = await patch('/preferences', out);
      fill();
      showSpent();
      toast('Preferences saved.', { kind: 'ok' });
    } catch (err) {
      const key = err.field && inputs.has(err.field) ? err.field : null;
      if (key) {
        errorsEl.get(key).textContent = err.message;
        inputs.get(key).setAttribute('aria-invalid', 'true');
        inputs.get(key).focus();
        formError.textContent = 'Not saved: fix the highlighted field.';
      } else {
        formError.textContent = `Not saved: ${err.message}`;
      }
      saveBtn.disabled = false;
    }
  });

  fill();
  return {
    cleanup() {},
    isDirty: () => Object.keys(changes().out).length > 0,
  };
}
