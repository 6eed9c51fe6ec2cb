// Job editor (#/jobs/new, #/jobs/:id/edit): title, type, body (highlighted
// for shell), schedule builder, cwd, env, timeout, overlap, retries and
// limits (retry, stall, long-run, catch-up), notifications (channels,
// events, repeat, ping URL), executor options (a form from the executor's
// optionsSchema) and AI overrides with the
// global defaults as placeholders; AI drafting/refining
// beside it. Server 422 errors are shown next to their field.

import { get, post, patch } from '../api.js';
import { h, replace, setTitle, loading, isTyping } from '../dom.js';
import { fmtDuration } from '../time.js';
import { icon } from '../icons.js';
import { toast, toastError } from '../toast.js';
import { field, FieldErrors, uid } from '../ui/fields.js';
import { codeEditor } from '../ui/code-editor.js';
import { scheduleBuilder } from '../ui/schedule-builder.js';
import { envEditor } from '../ui/env-editor.js';
import { aiAssist } from '../ui/ai-assist.js';
import { aiOverrides } from '../ui/ai-overrides.js';
import { optionsForm } from '../ui/options-form.js';
import { aboutCard } from '../ui/job-about.js';
import { retryLimits } from '../ui/retry-limits.js';
import { notifyEditor } from '../ui/notify-editor.js';
import { parseTags } from '../ui/tags.js';

const UNITS = [['s', 1000], ['min', 60000], ['h', 3600000]];

const OVERLAP = [
  ['queue', 'Queue', 'A new run waits for the running one, then starts.'],
  ['skip', 'Skip', 'The occurrence is recorded as a dropped run.'],
  ['parallel', 'Parallel', 'Runs side by side.'],
];

const BLANK = {
  title: '', type: 'script', body: '', schedule: { kind: 'cron', expr: '0 3 * * *' },
  enabled: true, cwd: null, env: {}, timeoutMs: null, ai: null, overlap: 'queue', catchUp: 'none',
  retry: null, stallTimeoutMs: null, longRunMs: null,
  executorOptions: {}, tags: [],
};

function option(value, label, selected) {
  return h('option', { value, selected: value === selected }, label);
}

/** Job types from /api/executors: [{type, label, available}] (script and ai first). */
function jobTypes(executors, current) {
  const map = new Map([['script', { type: 'script', label: 'Script', available: false }], ['ai', { type: 'ai', label: 'AI instruction', available: false }]]);
  for (const ex of executors) {
    const type = ex.jobType || ex.name;
    if (!type) continue;
    if (!map.has(type)) map.set(type, { type, label: type, available: false, description: ex.description });
    if (ex.available !== false) map.get(type).available = true;
  }
  if (current && !map.has(current)) map.set(current, { type: current, label: current, available: false });
  return [...map.values()];
}

export default async function editorPage(main, { id }) {
  const isNew = id === null;
  setTitle(isNew ? 'New job' : `Edit job #${id}`);
  main.append(loading());
  const [job, prefs, executors, channels] = await Promise.all([
    isNew ? Promise.resolve(null) : get(`/jobs/${id}`).catch((e) => {
      if (e.status === 404) return undefined;
      throw e;
    }),
    get('/preferences').catch(() => ({})),
    get('/executors').then((r) => r.executors || []).catch(() => []),
    get('/channels').then((r) => r.channels || []).catch(() => []),
  ]);
  if (job === undefined) {
    replace(main, h('div', { class: 'card empty' },
      h('h2', null, `Job #${id} not found`),
      h('p', null, 'It may have been deleted.'),
      h('a', { class: 'btn', href: '#/jobs' }, 'Back to jobs')));
    return null;
  }
  const start = job || BLANK;
  if (job) setTitle(`Edit “${job.title}”`);

  const formError = h('div', { class: 'form-error', role: 'alert', 'data-form-error': '' });
  const errors = new FieldErrors(formError);
  let saved = false;

  // --- job basics -----------------------------------------------------------------
  const title = h('input', { class: 'input', type: 'text', name: 'title', required: true, maxlength: 200, placeholder: 'Nightly backup', autocomplete: 'off' });
  const titleField = field({ label: 'Title', input: title, name: 'title' });
  errors.register('title', titleField.querySelector('.error'), title);

  const types = jobTypes(executors, start.type);
  const type = h('select', { class: 'input', name: 'type' },
    types.map((t) => option(t.type, `${t.label}${t.available || !executors.length ? '' : ' (not installed)'}`, start.type)));
  const typeField = field({ label: 'Type', input: type, name: 'type', hint: '' });
  errors.register('type', typeField.querySelector('.error'), type);

  const tagsInput = h('input', {
    class: 'input mono', type: 'text', name: 'tags', placeholder: 'backup, nightly', spellcheck: 'false', autocomplete: 'off', 'data-tags-input': '',
  });
  const tagsField = field({ label: 'Tags', input: tagsInput, name: 'tags', hint: 'Separate with commas or spaces; letters, digits and . _ - (lowercased). Filter the jobs list by them.' });
  errors.register('tags', tagsField.querySelector('.error'), tagsInput);
  errors.addResolver((path) => (/^tags(\[\d+\])?$/.test(path) ? 'tags' : null));
  tagsInput.addEventListener('input', () => {
    const { error } = parseTags(tagsInput.value);
    if (error) errors.show('tags', error);
    else errors.clearOne('tags');
  });

  const bodyId = uid('body');
  const body = codeEditor({ id: bodyId, value: start.body, language: start.type === 'script' ? 'shell' : 'prose' });
  const bodyLabel = h('label', { for: bodyId });
  const bodyHint = h('div', { class: 'hint' });
  const bodyError = h('div', { class: 'error', role: 'alert' });
  const bodyField = h('div', { class: 'field', 'data-field': 'body' }, bodyLabel, body.el, bodyHint, bodyError);
  errors.register('body', bodyError, body.el);

  // --- schedule -----------------------------------------------------------------------
  const schedule = scheduleBuilder({ errors, onChange: changed });

  // --- execution ------------------------------------------------------------------------
  const cwd = h('input', { class: 'input mono', type: 'text', name: 'cwd', placeholder: 'Your home directory', spellcheck: 'false', autocomplete: 'off' });
  const cwdField = field({ label: 'Working directory', input: cwd, name: 'cwd', hint: 'Absolute path; empty means your home directory.' });
  errors.register('cwd', cwdField.querySelector('.error'), cwd);

  const timeoutValue = h('input', { class: 'input', type: 'number', min: 1, step: 'any', name: 'timeout', placeholder: `${fmtDuration(prefs.defaultTimeoutMs || 1800000)} (default)` });
  const timeoutUnit = h('select', { class: 'input', 'aria-label': 'Timeout unit' }, UNITS.map(([u]) => option(u, u, 'min')));
  const timeoutWrap = h('div', { class: 'inline' }, timeoutValue, timeoutUnit);
  const timeoutField = field({ label: 'Timeout', input: timeoutValue, name: 'timeoutMs', hint: 'Empty uses the default from Preferences. Between 1 s and 7 days.' });
  timeoutField.replaceChild(timeoutWrap, timeoutValue);
  timeoutWrap.prepend(timeoutValue);
  errors.register('timeoutMs', timeoutField.querySelector('.error'), timeoutValue);

  const overlapName = uid('overlap');
  const overlapRadios = OVERLAP.map(([value, label, hint]) => {
    const input = h('input', { type: 'radio', name: overlapName, value, checked: value === (start.overlap || 'queue') });
    return { value, input, el: h('label', { class: 'check' }, input, h('span', null, h('strong', null, label), h('span', { class: 'hint' }, hint))) };
  });
  const overlapError = h('div', { class: 'error' });
  const overlapField = h('fieldset', { class: 'field', 'data-field': 'overlap', style: { border: 0, padding: 0, margin: 0 } },
    h('legend', { class: 'label', style: { fontWeight: 600, fontSize: '0.88rem', marginBottom: '0.3rem' } }, 'When a run is still going at the next occurrence'),
    overlapRadios.map((r) => r.el), overlapError);
  errors.register('overlap', overlapError);

  const limits = retryLimits({ prefs, errors });
  const notify = notifyEditor({ channels, errors });
  const enabled = h('input', { type: 'checkbox', name: 'enabled' });
  const enabledField = h('label', { class: 'check', 'data-field': 'enabled' }, enabled,
    h('span', null, h('strong', null, 'Enabled'), h('span', { class: 'hint' }, 'Disabled jobs never fire on their schedule; you can still run them by hand.')));

  // --- environment ------------------------------------------------------------------------
  const env = envEditor({ errors, onChange: changed });

  // --- executor options ------------------------------------------------------------------
  const options = optionsForm({ errors, onChange: changed });

  // --- AI overrides --------------------------------------------------------------------------
  const ai = aiOverrides({ prefs, errors, onChange: changed });
  const aiSection = ai.el;

  // --- layout --------------------------------------------------------------------------------------
  const saveBtn = h('button', { class: 'btn primary', type: 'submit', 'data-save': '' }, isNew ? 'Create job' : 'Save changes', h('kbd', null, 'Ctrl S'));
  const cancelBtn = h('a', { class: 'btn ghost', href: '#/jobs' }, 'Cancel');
  const execSection = h('section', { class: 'form-section' },
    h('h2', null, 'Execution'),
    h('div', { class: 'fields' }, cwdField, timeoutField),
    overlapField, enabledField);
  const form = h('form', { class: 'card', novalidate: true, 'data-job-form': '' },
    h('section', { class: 'form-section' },
      h('h2', null, 'Job'),
      h('div', { class: 'fields', style: { gridTemplateColumns: 'minmax(0,2fr) minmax(0,1fr)' } }, titleField, typeField),
      bodyField, tagsField),
    h('section', { class: 'form-section' }, h('h2', null, 'Schedule'), schedule.el),
    execSection,
    limits.el,
    notify.el,
    h('section', { class: 'form-section' }, h('h2', null, 'Environment variables'), env.el),
    options.el,
    aiSection,
    h('div', { class: 'form-actions' }, saveBtn, cancelBtn, h('span', { class: 'grow' }), formError));

  const side = h('div', { class: 'side' });
  const assist = aiAssist({ prefs, getJob: payload, apply: applyDraft, isExisting: () => !isNew || Boolean(body.value.trim()) });
  side.append(assist.el);
  if (job) side.append(aboutCard(job));

  replace(main,
    h('div', { class: 'page-head' },
      h('h1', null, isNew ? 'New job' : `Edit job`),
      job ? h('span', { class: 'muted' }, `#${job.id}`) : null,
      job ? h('button', { class: 'btn', type: 'button', 'data-run-now': '', onclick: runNow }, icon('play'), 'Run now') : null),
    job && job.managedAs
      ? h('div', { class: 'banner info', 'data-managed': '' },
        h('div', null,
          h('strong', null, `Declared in a jobs file as “${job.managedAs}”`),
          'The next ', h('code', null, 'backbeat import --sync'), ' (or service start, with the Nix modules) puts back what the file says: change the file rather than this page.'))
      : null,
    h('div', { class: `editor-layout${isNew ? ' is-new' : ''}` }, form, side));

  // --- populate -----------------------------------------------------------------------------------------
  title.value = start.title;
  tagsInput.value = (start.tags || []).join(', ');
  schedule.value = start.schedule;
  cwd.value = start.cwd || '';
  setTimeoutMs(start.timeoutMs);
  limits.value = start;
  notify.value = start;
  enabled.checked = start.enabled !== false;
  env.value = start.env;
  ai.value = start.ai;
  options.value = start.executorOptions || {};
  syncType();
  const initial = JSON.stringify(payload());

  function setTimeoutMs(ms) {
    if (ms === null || ms === undefined) {
      timeoutValue.value = '';
      timeoutUnit.value = 'min';
      return;
    }
    const [u, f] = [...UNITS].reverse().find(([, f]) => ms % f === 0) || UNITS[0];
    timeoutUnit.value = u;
    timeoutValue.value = String(ms / f);
  }

  function timeoutMs() {
    const v = timeoutValue.value.trim();
    if (!v) return null;
    const f = UNITS.find(([u]) => u === timeoutUnit.value)[1];
    return Math.round(Number(v) * f);
  }

  function syncType() {
    const t = type.value;
    body.setLanguage(t === 'script' ? 'shell' : 'prose');
    if (t === 'script') {
      bodyLabel.textContent = 'Script';
      bodyHint.textContent = 'Runs with /bin/sh in the working directory. Tab indents; Esc then Tab moves on.';
      body.textarea.placeholder = '#!/bin/sh\nset -e\necho "hello from backbeat"';
    } else if (t === 'ai') {
      bodyLabel.textContent = 'Instruction';
      bodyHint.textContent = 'Plain language, given to the AI CLI as the prompt.';
      body.textarea.placeholder = 'Summarise the git log of the last day into notes/daily.md';
    } else {
      bodyLabel.textContent = 'Body';
      const info = types.find((x) => x.type === t);
      bodyHint.textContent = `Passed to the ${t}-runner executor.${info && info.description ? ` ${info.description}` : ''}`;
      body.textarea.placeholder = '';
    }
    const info = types.find((x) => x.type === t);
    typeField.querySelector('.hint').textContent = info && !info.available && executors.length
      ? `No ${t === 'script' ? 'sh' : t === 'ai' ? 'claude/codex' : t}-runner found: runs will fail until it is installed.` : '';
    aiSection.hidden = t !== 'ai';
    const runner = t === 'script' ? 'sh-runner' : t === 'ai' ? null : `${t}-runner`;
    const described = executors.find((x) => x.name === runner);
    options.setSchema(described ? described.optionsSchema : null, runner);
    options.el.hidden = !options.relevant;
  }
  type.addEventListener('change', () => { syncType(); changed(); });

  function payload() {
    const t = type.value;
    const p = {
      title: title.value.trim(),
      type: t,
      body: body.value,
      schedule: schedule.value,
      cwd: cwd.value.trim() || null,
      env: env.value,
      timeoutMs: timeoutMs(),
      overlap: (overlapRadios.find((r) => r.input.checked) || { value: 'queue' }).value,
      ...limits.value,
      ...notify.value,
      enabled: enabled.checked,
      ai: t === 'ai' ? ai.value : null,
      executorOptions: options.value,
      tags: parseTags(tagsInput.value).tags,
    };
    return p;
  }

  function changed() {
    assist.sync();
    limits.sync({ type: type.value, scheduleKind: schedule.value.kind });
  }
  form.addEventListener('input', changed);
  form.addEventListener('change', changed);
  changed();

  /** Put an AI draft into the form; returns the names of what changed. */
  function applyDraft(d) {
    const before = payload();
    const flash = [];
    if (typeof d.title === 'string') { title.value = d.title; flash.push(title); }
    if (typeof d.type === 'string') {
      if (![...type.options].some((o) => o.value === d.type)) type.append(option(d.type, d.type, d.type));
      type.value = d.type;
      syncType();
    }
    if (typeof d.body === 'string') { body.value = d.body; flash.push(body.el); }
    if (d.schedule && typeof d.schedule === 'object') { schedule.value = d.schedule; flash.push(schedule.el); }
    if ('cwd' in d && d.cwd !== undefined) { cwd.value = d.cwd || ''; flash.push(cwd); }
    if ('timeoutMs' in d && d.timeoutMs !== undefined) { setTimeoutMs(d.timeoutMs); flash.push(timeoutValue); }
    if (d.env && typeof d.env === 'object') env.value = d.env;
    if (d.ai !== undefined && d.ai !== null) ai.value = d.ai;
    changed();
    for (const el of flash) {
      el.classList.remove('changed');
      void el.offsetWidth; // restart the animation
      el.classList.add('changed');
    }
    const after = payload();
    const names = { title: 'title', type: 'type', body: 'body', schedule: 'schedule', cwd: 'working directory', timeoutMs: 'timeout', env: 'environment', ai: 'AI settings' };
    return Object.keys(names).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).map((k) => names[k]);
  }

  // --- save ---------------------------------------------------------------------------------------------
  async function save(e) {
    if (e) e.preventDefault();
    errors.clear();
    const p = payload();
    let focusEl = null;
    if (!p.title) focusEl = focusEl || errors.show('title', 'Give the job a title.');
    if (!p.body.trim()) focusEl = focusEl || errors.show('body', type.value === 'script' ? 'The script is empty.' : 'The instruction is empty.') || body.textarea;
    if (p.schedule.kind === 'cron' && !p.schedule.expr) focusEl = focusEl || errors.show('schedule.expr', 'Enter a cron expression or pick a preset.');
    if (p.schedule.kind === 'once' && !p.schedule.at) focusEl = focusEl || errors.show('schedule.at', 'Pick the date and time to run at.');
    if (p.timeoutMs !== null && !(p.timeoutMs >= 1000 && p.timeoutMs <= 604800000)) focusEl = focusEl || errors.show('timeoutMs', 'The timeout must be between 1 s and 7 days.');
    const tagsError = parseTags(tagsInput.value).error;
    if (tagsError) focusEl = focusEl || errors.show('tags', tagsError);
    const optionsError = options.el.hidden ? null : options.localError();
    if (optionsError) focusEl = focusEl || optionsError;
    if (env.hasLocalErrors()) focusEl = focusEl || env.el.querySelector('[aria-invalid="true"]');
    // The cron error the live preview showed while typing stays visible
    // (the server reports it again, with any others, if nothing here stops the save).
    schedule.reshowError();
    if (focusEl) {
      (focusEl === body.el ? body.textarea : focusEl).focus();
      formError.textContent = 'Please fix the highlighted fields.';
      return;
    }
    saveBtn.disabled = true;
    try {
      const result = isNew ? await post('/jobs', p) : await patch(`/jobs/${id}`, p);
      saved = true;
      toast(isNew ? `Created “${result.title}”.` : `Saved “${result.title}”.`, { kind: 'ok' });
      location.hash = `#/jobs?focus=${result.id}`;
    } catch (err) {
      if (err.status === 422 || err.status === 400) {
        // Mark every invalid field at once; focus the first one.
        const list = err.errors.length ? err.errors : [{ field: err.field, message: err.message }];
        let first = null;
        const unplaced = [];
        for (const fieldError of list) {
          const input = errors.show(fieldError.field, fieldError.message);
          if (!input) unplaced.push(fieldError.message);
          else if (!first) first = input;
        }
        const ask = list.length > 1 ? 'Please fix the highlighted fields.' : 'Please fix the highlighted field.';
        formError.textContent = [...unplaced, first ? ask : null].filter(Boolean).join(' ');
        if (first) (first === body.el ? body.textarea : first).focus();
      } else {
        formError.textContent = err.message;
      }
    } finally {
      saveBtn.disabled = false;
    }
  }
  form.addEventListener('submit', save);

  async function runNow() {
    try {
      const run = await post(`/jobs/${id}/runs`);
      toast(`Started run #${run.id} (saved version of the job).`, { kind: 'ok', link: { href: `#/runs/${run.id}`, label: 'Watch it →' } });
    } catch (err) {
      toastError('Could not start a run', err);
    }
  }

  function onKey(e) {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
      e.preventDefault();
      save();
    } else if (e.key === 'Escape' && !document.querySelector('dialog[open]')) {
      // Esc in a field leaves the field (the code editor keeps Esc for its
      // Tab handling); Esc outside any field leaves the editor.
      if (!isTyping(e)) location.hash = '#/jobs';
      else if (!e.target.matches('textarea[data-code]')) e.target.blur();
    }
  }
  document.addEventListener('keydown', onKey);
  (isNew ? title : title).focus();

  return {
    cleanup() {
      document.removeEventListener('keydown', onKey);
      assist.destroy();
    },
    isDirty: () => !saved && JSON.stringify(payload()) !== initial,
  };
}
