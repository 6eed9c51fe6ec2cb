// Per-job AI settings of the editor (backend, model, reasoning effort,
// Claude permission mode, Codex sandbox, daily budget, per-run budget,
// token cap, session). Empty means "use
// the global preference", which each control shows as its placeholder/default
// option; the effort list follows the chosen backend.

import { h, replace } from '../dom.js';
import { field } from './fields.js';

const EFFORTS = {
  claude: ['low', 'medium', 'high', 'xhigh', 'max'],
  codex: ['minimal', 'low', 'medium', 'high', 'xhigh', 'max'],
};
const PERMISSION_MODES = ['default', 'acceptEdits', 'plan', 'dontAsk', 'auto', 'bypassPermissions'];
const SANDBOXES = ['read-only', 'workspace-write', 'danger-full-access'];
const EMPTY = {
  mode: null, model: null, effort: null, permissionMode: null, sandbox: null, dailyBudgetUsd: null,
  maxBudgetUsd: null, maxTokens: null, session: null,
};

/** The budget as typed: a number, null when empty, else the text (the API names the mistake). */
function budgetValue(text) {
  const t = text.trim().replace(/^\$/, '');
  if (!t) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

/** The token cap as typed: an integer, null when empty, else the text. */
function tokensValue(text) {
  const t = text.trim().replace(/[,_ ]/g, '');
  if (!t) return null;
  return /^\d+$/.test(t) ? Number(t) : text.trim();
}

const HINTS = {
  maxBudgetUsd: 'What one run may cost; it is stopped when it gets there (“budget of $0.50 reached”). Empty: the per-run budget in Preferences, if any.',
  maxTokens: 'Stop a run once it has used this many tokens (input + output). Empty: no cap.',
  session: '“Continue” resumes the conversation of the last successful run, so the AI remembers it.',
  dailyBudgetUsd: 'What its runs of the last 24 hours may cost; a run that would go past it is not started (recorded “dropped”). Empty: no limit but the one in Preferences.',
};

function option(value, label, selected) {
  return h('option', { value, selected: value === selected }, label);
}

export function aiOverrides({ prefs, errors, onChange }) {
  const inputs = {
    mode: h('select', { class: 'input', name: 'ai.mode' }),
    model: h('input', { class: 'input', type: 'text', name: 'ai.model', autocomplete: 'off', spellcheck: 'false' }),
    effort: h('select', { class: 'input', name: 'ai.effort' }),
    permissionMode: h('select', { class: 'input', name: 'ai.permissionMode' }),
    sandbox: h('select', { class: 'input', name: 'ai.sandbox' }),
    dailyBudgetUsd: h('input', { class: 'input', type: 'text', inputmode: 'decimal', name: 'ai.dailyBudgetUsd', autocomplete: 'off', placeholder: 'No limit (US dollars)' }),
    maxBudgetUsd: h('input', { class: 'input', type: 'text', inputmode: 'decimal', name: 'ai.maxBudgetUsd', autocomplete: 'off' }),
    maxTokens: h('input', { class: 'input', type: 'text', inputmode: 'numeric', name: 'ai.maxTokens', autocomplete: 'off', placeholder: 'No cap' }),
    session: h('select', { class: 'input', name: 'ai.session' }),
  };
  const labels = {
    mode: 'AI backend', model: 'Model', effort: 'Reasoning effort',
    permissionMode: 'Claude permission mode', sandbox: 'Codex sandbox',
    dailyBudgetUsd: 'Daily budget (US dollars)',
    maxBudgetUsd: 'Budget per run (US dollars)', maxTokens: 'Token cap per run', session: 'Session',
  };
  const fields = {};
  for (const [k, input] of Object.entries(inputs)) {
    fields[k] = field({ label: labels[k], input, name: `ai.${k}`, hint: HINTS[k] ?? null });
    errors.register(`ai.${k}`, fields[k].querySelector('.error'), input);
  }
  const sectionError = h('div', { class: 'error' });
  errors.register('ai', sectionError);
  const el = h('section', { class: 'form-section', 'data-section': 'ai' },
    h('h2', null, 'AI settings'),
    h('p', { class: 'muted small', style: { margin: 0 } }, 'Empty fields use the defaults from Preferences (shown as “Default (…)”).'),
    h('div', { class: 'fields' }, Object.values(fields)), sectionError);

  function current() {
    const v = (x) => x.value.trim() || null;
    return {
      mode: v(inputs.mode), model: v(inputs.model), effort: v(inputs.effort),
      permissionMode: fields.permissionMode.hidden ? null : v(inputs.permissionMode),
      sandbox: fields.sandbox.hidden ? null : v(inputs.sandbox),
      dailyBudgetUsd: budgetValue(inputs.dailyBudgetUsd.value),
      maxBudgetUsd: budgetValue(inputs.maxBudgetUsd.value),
      maxTokens: tokensValue(inputs.maxTokens.value),
      session: v(inputs.session),
    };
  }

  function render(ai) {
    const cur = { ...EMPTY, ...ai };
    const m = cur.mode || prefs.aiMode || 'claude';
    const efforts = EFFORTS[m] || EFFORTS.claude;
    replace(inputs.mode,
      option('', `Default (${prefs.aiMode || 'claude'})`, cur.mode || ''),
      option('claude', 'Claude', cur.mode || ''),
      option('codex', 'Codex', cur.mode || ''));
    replace(inputs.effort, option('', `Default (${prefs[`${m}Effort`] || 'CLI default'})`, cur.effort || ''),
      efforts.map((e) => option(e, e, cur.effort || '')),
      cur.effort && !efforts.includes(cur.effort) ? option(cur.effort, `${cur.effort} (not valid for ${m})`, cur.effort) : null);
    replace(inputs.permissionMode, option('', `Default (${prefs.claudePermissionMode || 'bypassPermissions'})`, cur.permissionMode || ''),
      PERMISSION_MODES.map((p) => option(p, p, cur.permissionMode || '')));
    replace(inputs.sandbox, option('', `Default (${prefs.codexSandbox || 'danger-full-access'})`, cur.sandbox || ''),
      SANDBOXES.map((s) => option(s, s, cur.sandbox || '')));
    inputs.model.value = cur.model || '';
    inputs.dailyBudgetUsd.value = cur.dailyBudgetUsd == null ? '' : String(cur.dailyBudgetUsd);
    inputs.maxBudgetUsd.value = cur.maxBudgetUsd == null ? '' : String(cur.maxBudgetUsd);
    inputs.maxBudgetUsd.placeholder = prefs.aiMaxBudgetUsdPerRun == null ? 'No limit (US dollars)' : `Default: $${prefs.aiMaxBudgetUsdPerRun}`;
    inputs.maxTokens.value = cur.maxTokens == null ? '' : String(cur.maxTokens);
    replace(inputs.session,
      option('', 'Fresh each run (default)', cur.session || ''),
      option('continue', 'Continue the last run’s session', cur.session || ''));
    inputs.model.placeholder = `Default: ${prefs[`${m}Model`] || 'the CLI’s default'}`;
    // An explicit backend shows only its own setting; "default" shows both.
    fields.permissionMode.hidden = Boolean(cur.mode) && cur.mode !== 'claude';
    fields.sandbox.hidden = Boolean(cur.mode) && cur.mode !== 'codex';
  }

  inputs.mode.addEventListener('change', () => {
    render({ ...current(), mode: inputs.mode.value || null });
    if (onChange) onChange();
  });
  render(EMPTY);

  return {
    el,
    /** The job's `ai` value: null when everything is left to the defaults. */
    get value() {
      const a = current();
      return Object.values(a).some((v) => v !== null) ? a : null;
    },
    set value(ai) { render(ai || EMPTY); },
  };
}
