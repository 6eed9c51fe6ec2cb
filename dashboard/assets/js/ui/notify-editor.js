// The editor's "Notifications" section: which channels hear about the job
// (none ticked = the default channels of Preferences), on which events,
// whether every failure of a streak is sent, and the Healthchecks-style
// ping URL.

import { h } from '../dom.js';
import { field } from './fields.js';

export const EVENTS = [
  ['failure', 'Failure', 'failed or timed out, after the last retry'],
  ['recovery', 'Recovery', 'first success after failures'],
  ['success', 'Success', 'every successful run'],
  ['start', 'Start', 'every run that starts'],
  ['long', 'Long run', 'still running past the long-run alert'],
  ['missed', 'Missed', 'occurrences missed while Backbeat was down'],
  ['budget', 'Budget', 'an AI run not started: a daily budget is spent'],
];
const DEFAULT_ON = ['failure', 'recovery'];

export function notifyEditor({ channels, errors }) {
  const channelBoxes = channels.map((c) => {
    const input = h('input', { type: 'checkbox', value: String(c.id), name: 'notify.channels' });
    return { id: c.id, input, el: h('label', { class: 'check', 'data-channel': c.id }, input, h('span', null, h('strong', null, c.name), h('span', { class: 'hint' }, `${c.kind}${c.enabled ? '' : ' (disabled)'}`))) };
  });
  const channelsError = h('div', { class: 'error', role: 'alert' });
  errors.register('notify.channels', channelsError);
  errors.register('notify', channelsError);
  const eventBoxes = EVENTS.map(([value, label, hint]) => {
    const input = h('input', { type: 'checkbox', value, name: 'notify.on' });
    return { value, input, el: h('label', { class: 'check', 'data-event': value }, input, h('span', null, h('strong', null, label), h('span', { class: 'hint' }, hint))) };
  });
  const eventsError = h('div', { class: 'error', role: 'alert' });
  errors.register('notify.on', eventsError);
  const repeat = h('input', { type: 'checkbox', name: 'notify.repeat' });
  const ping = h('input', { class: 'input mono', type: 'url', name: 'pingUrl', placeholder: 'https://hc-ping.com/<uuid>', autocomplete: 'off', spellcheck: 'false' });
  const pingField = field({ label: 'Ping URL (Healthchecks)', input: ping, name: 'pingUrl',
    hint: 'GET …/start when a run starts, POST on success, POST …/fail on failure: alerts you even when this machine is off.' });
  errors.register('pingUrl', pingField.querySelector('.error'), ping);

  const el = h('section', { class: 'form-section', 'data-section': 'notifications' },
    h('h2', null, 'Notifications'),
    h('fieldset', { class: 'field', style: { border: 0, padding: 0, margin: 0 } },
      h('legend', { class: 'label' }, 'Channels'),
      channels.length
        ? channelBoxes.map((b) => b.el)
        : h('p', { class: 'hint' }, 'No channels yet: add one under ', h('a', { href: '#/preferences' }, 'Preferences → Channels'), '.'),
      h('div', { class: 'hint' }, 'None ticked: the default channels of Preferences, on failure and recovery.'),
      channelsError),
    h('fieldset', { class: 'field', style: { border: 0, padding: 0, margin: 0 } },
      h('legend', { class: 'label' }, 'Tell them about'),
      eventBoxes.map((b) => b.el), eventsError),
    h('label', { class: 'check', 'data-field': 'notify.repeat' }, repeat,
      h('span', null, h('strong', null, 'Every failure'), h('span', { class: 'hint' }, 'Otherwise a failure streak is told once, then its recovery.'))),
    pingField);

  return {
    el,
    get value() {
      const ids = channelBoxes.filter((b) => b.input.checked).map((b) => b.id);
      return {
        notify: ids.length ? { channels: ids, on: eventBoxes.filter((b) => b.input.checked).map((b) => b.value), repeat: repeat.checked } : null,
        pingUrl: ping.value.trim() || null,
      };
    },
    set value(job) {
      const n = job.notify;
      for (const b of channelBoxes) b.input.checked = Boolean(n && n.channels.includes(b.id));
      const on = n ? n.on : DEFAULT_ON;
      for (const b of eventBoxes) b.input.checked = on.includes(b.value);
      repeat.checked = Boolean(n && n.repeat);
      ping.value = job.pingUrl || '';
    },
  };
}
