// The editor's "Retries and limits" section: retry attempts with their
// delay, backoff and cap; the stall timeout (no output for that long stops
// the run), the long-run alert threshold, and what happens to occurrences
// missed while Backbeat was down (catch-up, cron jobs only).

import { h } from '../dom.js';
import { field } from './fields.js';

const UNITS = [['ms', 1], ['s', 1000], ['min', 60000], ['h', 3600000]];
const CATCH_UP = [
  ['none', 'Record them, run nothing'],
  ['last', 'Run the latest once'],
  ['all', 'Run each, in order (at most 10)'],
];

function option(value, label, selected) {
  return h('option', { value, selected: value === selected }, label);
}

/** A number + unit pair for a duration in ms; empty = null. */
function durationInput(name, label, defaultUnit) {
  const value = h('input', { class: 'input', type: 'number', min: 0, step: 'any', name });
  const unit = h('select', { class: 'input', 'aria-label': `${label} unit` }, UNITS.map(([u]) => option(u, u, defaultUnit)));
  return {
    value, unit,
    el: h('div', { class: 'inline' }, value, unit),
    get ms() {
      const v = value.value.trim();
      if (!v) return null;
      return Math.round(Number(v) * UNITS.find(([u]) => u === unit.value)[1]);
    },
    set ms(ms) {
      if (ms === null || ms === undefined) {
        value.value = '';
        unit.value = defaultUnit;
        return;
      }
      const [u, f] = [...UNITS].reverse().find(([, f]) => ms % f === 0) || UNITS[0];
      unit.value = u;
      value.value = String(ms / f);
    },
  };
}

function durationField(errors, name, label, hint, defaultUnit) {
  const d = durationInput(name, label, defaultUnit);
  const f = field({ label, input: d.value, name, hint });
  f.replaceChild(d.el, d.value);
  d.el.prepend(d.value);
  errors.register(name, f.querySelector('.error'), d.value);
  return { d, el: f };
}

export function retryLimits({ prefs, errors }) {
  const attempts = h('input', { class: 'input', type: 'number', min: 0, max: 10, step: 1, name: 'retry.attempts', placeholder: '0' });
  const attemptsField = field({ label: 'Retries', input: attempts, name: 'retry.attempts', hint: 'After a failure or timeout, 0–10. Never after you stop a run.' });
  errors.register('retry.attempts', attemptsField.querySelector('.error'), attempts);
  errors.register('retry', attemptsField.querySelector('.error'), attempts);
  const delay = durationField(errors, 'retry.delayMs', 'First delay', 'Wait before the first retry.', 's');
  const backoff = h('select', { class: 'input', name: 'retry.backoff' },
    option('fixed', 'Fixed: the same delay each time', 'fixed'),
    option('exponential', 'Exponential: doubled each retry', 'fixed'));
  const backoffField = field({ label: 'Backoff', input: backoff, name: 'retry.backoff' });
  errors.register('retry.backoff', backoffField.querySelector('.error'), backoff);
  const maxDelay = durationField(errors, 'retry.maxDelayMs', 'Longest delay', 'Empty: 1 h.', 'min');
  const stall = durationField(errors, 'stallTimeoutMs', 'Stall timeout',
    '', 'min');
  const longRun = durationField(errors, 'longRunMs', 'Long-run alert after', 'Raises the “long” notification once per run.', 'min');
  const catchUp = h('select', { class: 'input', name: 'catchUp' }, CATCH_UP.map(([v, l]) => option(v, l, 'none')));
  const catchUpField = field({ label: 'Occurrences missed while Backbeat was down', input: catchUp, name: 'catchUp',
    hint: 'Whatever does not run is recorded as one dropped run.' });
  errors.register('catchUp', catchUpField.querySelector('.error'), catchUp);

  const retryDetails = [delay.el, backoffField, maxDelay.el];
  const el = h('section', { class: 'form-section', 'data-section': 'limits' },
    h('h2', null, 'Retries and limits'),
    h('div', { class: 'fields' }, attemptsField, ...retryDetails),
    h('div', { class: 'fields' }, stall.el, longRun.el),
    catchUpField);

  function sync({ type, scheduleKind }) {
    const retrying = Number(attempts.value) > 0;
    for (const f of retryDetails) f.hidden = !retrying;
    const aiDefault = prefs.aiStallTimeoutMs;
    stall.el.querySelector('.hint').textContent = type === 'ai' && aiDefault
      ? `No output for this long stops the run (ends “timeout”). Empty: ${Math.round(aiDefault / 60000)} min for AI jobs (Preferences).`
      : 'No output for this long stops the run (ends “timeout”). Empty: no limit.';
    catchUpField.hidden = scheduleKind !== 'cron';
  }

  return {
    el,
    sync,
    get value() {
      const n = attempts.value.trim() === '' ? 0 : Number(attempts.value);
      return {
        retry: n > 0 ? {
          attempts: n,
          ...(delay.d.ms !== null ? { delayMs: delay.d.ms } : {}),
          backoff: backoff.value,
          ...(maxDelay.d.ms !== null ? { maxDelayMs: maxDelay.d.ms } : {}),
        } : null,
        stallTimeoutMs: stall.d.ms,
        longRunMs: longRun.d.ms,
        catchUp: catchUp.value,
      };
    },
    set value(job) {
      const r = job.retry;
      attempts.value = r ? String(r.attempts) : '';
      delay.d.ms = r ? r.delayMs : null;
      backoff.value = r ? r.backoff : 'fixed';
      maxDelay.d.ms = r ? r.maxDelayMs : null;
      stall.d.ms = job.stallTimeoutMs ?? null;
      longRun.d.ms = job.longRunMs ?? null;
      const c = job.catchUp === true ? 'last' : job.catchUp === false || !job.catchUp ? 'none' : job.catchUp;
      catchUp.value = c;
    },
  };
}
