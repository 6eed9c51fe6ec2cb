// Schedule builder of the job editor: cron (presets, expression, time zone
// picker) with a live, debounced preview from POST /api/cron/preview (its
// description and the next five fire times, or the 422 message inline);
// once (date + time picker, in the browser's zone); manual.

import { h, replace, debounce } from '../dom.js';
import { previewCron, withZone, CRON_PRESETS } from '../schedule.js';
import { fmtAbs, relTime, toLocalInput, fromLocalInput } from '../time.js';
import { relTimeEl } from '../ticker.js';
import { field, uid } from './fields.js';

const BROWSER_TZ = Intl.DateTimeFormat().resolvedOptions().timeZone;

function zoneList() {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [BROWSER_TZ, 'UTC'];
  }
}

// What the server accepts (api-spec/openapi.yaml, CronSchedule).
const CRON_SYNTAX = [
  ['Fields', 'minute 0–59 · hour 0–23 · day-of-month 1–31 · month 1–12 or JAN–DEC · day-of-week 0–7 or SUN–SAT (0 and 7 are Sunday)'],
  ['Lists, ranges, steps', '1,15 · 9-17 · */15 (every 15 minutes) · 0-30/10 · 5/15 (= 5-59/15). A step must be smaller than its field: */60 is refused.'],
  ['Names', 'Month names only in the month field, day names only in day-of-week, any case: MON-FRI, jan,jul. FRI-SUN is Friday to Sunday.'],
  ['Both day fields', 'If both are restricted, a day matching either runs (0 0 1 * MON: the 1st and every Monday). A day field starting with * counts as unrestricted, so 0 0 */10 * MON-FRI needs both.'],
  ['Extras', 'Day-of-month: L (last day), LW (last weekday), 15W (weekday nearest the 15th). Day-of-week: 5L (last Friday), 1#2 (second Monday). ? = *.'],
  ['Aliases', '@hourly, @daily (@midnight), @weekly, @monthly, @yearly (@annually)'],
  ['Clock changes', 'A time skipped when clocks spring forward runs at the first instant after the jump, the same day; a repeated time runs once. With * or a step in the hour field, times follow real elapsed time.'],
];

function cronSyntaxHelp() {
  return h('details', { class: 'small', 'data-cron-help': '' },
    h('summary', null, 'Cron syntax'),
    h('dl', null, CRON_SYNTAX.flatMap(([term, text]) => [h('dt', null, term), h('dd', { class: 'muted' }, text)])));
}

export function scheduleBuilder({ errors, onChange }) {
  const name = uid('kind');
  const kinds = [['cron', 'Recurring (cron)'], ['once', 'Once'], ['manual', 'Manual']];
  const radios = {};
  const segmented = h('div', { class: 'segmented', role: 'radiogroup', 'aria-label': 'Schedule kind' },
    kinds.map(([k, label]) => {
      radios[k] = h('input', { type: 'radio', name, value: k, 'data-kind': k });
      return h('label', null, radios[k], h('span', null, label));
    }));

  // --- cron -------------------------------------------------------------
  const expr = h('input', { class: 'input mono', type: 'text', placeholder: '0 3 * * *', spellcheck: 'false', autocomplete: 'off', 'data-name': 'schedule.expr' });
  const listId = uid('tzlist');
  const tz = h('input', { class: 'input', type: 'text', list: listId, placeholder: 'Server’s local time zone', autocomplete: 'off', spellcheck: 'false', 'data-name': 'schedule.timezone' });
  const datalist = h('datalist', { id: listId }, zoneList().map((z) => h('option', { value: z })));
  const useMine = h('button', { class: 'btn sm ghost', type: 'button' }, `Use ${BROWSER_TZ}`);
  const presetButtons = CRON_PRESETS.map(([label, value]) => h('button', {
    class: 'chip', type: 'button', 'aria-pressed': 'false', 'data-preset': value, title: value,
    onclick: () => { expr.value = value; changed(); expr.focus(); },
  }, label));
  const preview = h('div', { class: 'preview-box', 'aria-live': 'polite', 'data-preview': '' });
  const exprField = field({ label: 'Cron expression', input: expr, name: 'schedule.expr', hint: 'minute hour day-of-month month day-of-week, or @hourly, @daily, @weekly…' });
  const cronHelp = cronSyntaxHelp();
  const tzField = field({ label: 'Time zone', input: tz, name: 'schedule.timezone', hint: 'IANA name, e.g. Europe/Paris. Empty: the server’s zone.' });
  tzField.append(useMine, datalist);
  const cronPart = h('div', { class: 'stack' },
    h('div', { class: 'presets', 'aria-label': 'Presets' }, presetButtons),
    h('div', { class: 'fields' }, exprField, tzField),
    cronHelp,
    preview);

  // --- once ---------------------------------------------------------------
  const at = h('input', { class: 'input', type: 'datetime-local', 'data-name': 'schedule.at' });
  const onceInfo = h('div', { class: 'preview-box' });
  const atField = field({ label: `Date and time (${BROWSER_TZ})`, input: at, name: 'schedule.at', hint: 'Runs once at this time, then the job disables itself.' });
  const oncePart = h('div', { class: 'stack' }, h('div', { class: 'fields' }, atField), onceInfo);

  // --- manual ----------------------------------------------------------------
  const manualPart = h('p', { class: 'muted', style: { margin: 0 } },
    'No schedule: the job runs only when you press “Run now” (or call the API / CLI).');

  const kindError = h('div', { class: 'error' });
  const el = h('div', { class: 'stack', 'data-field': 'schedule' }, segmented, kindError, cronPart, oncePart, manualPart);

  errors.register('schedule', kindError);
  errors.register('schedule.kind', kindError);
  errors.register('schedule.expr', exprField.querySelector('.error'), expr);
  errors.register('schedule.timezone', tzField.querySelector('.error'), tz);
  errors.register('schedule.at', atField.querySelector('.error'), at);

  let controller = null;
  let lastPreviewKey = null;

  function kind() {
    return Object.keys(radios).find((k) => radios[k].checked) || 'manual';
  }

  function showKind() {
    const k = kind();
    cronPart.hidden = k !== 'cron';
    oncePart.hidden = k !== 'once';
    manualPart.hidden = k !== 'manual';
    for (const b of presetButtons) b.setAttribute('aria-pressed', String(b.dataset.preset === expr.value.trim()));
    if (k === 'cron') schedulePreview();
    if (k === 'once') showOnce();
  }

  async function runPreview() {
    const e = expr.value.trim();
    const z = tz.value.trim();
    const key = `${e}\u0000${z}`;
    if (key === lastPreviewKey) return;
    lastPreviewKey = key;
    previewError = null;
    if (controller) controller.abort();
    errors.clearOne('schedule.expr');
    errors.clearOne('schedule.timezone');
    if (!e) {
      preview.className = 'preview-box';
      replace(preview, h('span', { class: 'muted' }, 'Type an expression or pick a preset.'));
      return;
    }
    controller = new AbortController();
    const mine = controller;
    preview.setAttribute('aria-busy', 'true');
    try {
      const res = await previewCron(e, z || null, { count: 5, signal: mine.signal });
      if (mine.signal.aborted) return;
      preview.className = 'preview-box';
      replace(preview,
        h('div', { class: 'desc', 'data-description': '' }, withZone(res.description, z || 'in the server’s time zone')),
        res.next && res.next.length
          ? h('ol', { 'aria-label': 'Next fire times' }, res.next.map((t) => h('li', null, fmtAbs(t), h('span', { class: 'muted' }, ` · ${relTime(t)}`))))
          : h('div', { class: 'muted' }, 'It never fires.'),
        z !== BROWSER_TZ ? h('div', { class: 'muted small' }, `Times above are in your zone (${BROWSER_TZ}).`) : null);
    } catch (err) {
      if (err.name === 'AbortError') return;
      if (err.status === 422) {
        const where = /timezone/.test(err.field || '') ? 'schedule.timezone' : 'schedule.expr';
        errors.show(where, err.message);
        previewError = { where, message: err.message };
        preview.className = 'preview-box';
        replace(preview, h('span', { class: 'muted' }, `Fix the ${where === 'schedule.timezone' ? 'time zone' : 'expression'} to see when it runs.`));
      } else {
        preview.className = 'preview-box error';
        replace(preview, `No preview: ${err.message}`);
      }
      lastPreviewKey = null;
    } finally {
      if (controller === mine) preview.removeAttribute('aria-busy');
    }
  }
  const schedulePreview = debounce(runPreview, 300);
  // The last 422 of the live preview ({where, message}), until the
  // expression or zone changes; save shows it again after clearing.
  let previewError = null;

  function showOnce() {
    const iso = fromLocalInput(at.value);
    if (!iso) {
      replace(onceInfo, h('span', { class: 'muted' }, 'Pick a date and time.'));
      return;
    }
    const past = Date.parse(iso) <= Date.now();
    onceInfo.className = past ? 'preview-box error' : 'preview-box';
    replace(onceInfo, past ? 'That time is in the past.' : ['Runs ', relTimeEl(iso), `, ${fmtAbs(iso)}.`]);
  }

  function changed() {
    useMine.hidden = tz.value.trim() === BROWSER_TZ;
    showKind();
    if (onChange) onChange();
  }

  for (const r of Object.values(radios)) r.addEventListener('change', changed);
  expr.addEventListener('input', changed);
  tz.addEventListener('input', changed);
  at.addEventListener('input', changed);
  useMine.addEventListener('click', () => { tz.value = BROWSER_TZ; changed(); });

  return {
    el,
    get value() {
      const k = kind();
      if (k === 'cron') {
        const s = { kind: 'cron', expr: expr.value.trim() };
        if (tz.value.trim()) s.timezone = tz.value.trim();
        return s;
      }
      if (k === 'once') return { kind: 'once', at: fromLocalInput(at.value) };
      return { kind: 'manual' };
    },
    set value(s) {
      const k = s && ['cron', 'once', 'manual'].includes(s.kind) ? s.kind : 'manual';
      radios[k].checked = true;
      expr.value = k === 'cron' ? s.expr || '' : expr.value;
      tz.value = k === 'cron' ? s.timezone || '' : tz.value;
      if (k === 'once' && s.at) at.value = toLocalInput(s.at);
      lastPreviewKey = null;
      previewError = null;
      useMine.hidden = tz.value.trim() === BROWSER_TZ;
      showKind();
    },
    /** Show the live preview's cron error again (after errors.clear()); returns its input or null. */
    reshowError() {
      if (!previewError || kind() !== 'cron') return null;
      return errors.show(previewError.where, previewError.message);
    },
    focusFirst() {
      const k = kind();
      (k === 'cron' ? expr : k === 'once' ? at : radios.manual).focus();
    },
  };
}
