// Preferences → Channels: the notification channels (webhook, command,
// email, ntfy) with add, edit, test (sends now, shows the outcome) and
// delete (the confirmation lists the jobs that use the channel; they
// keep their other channels), and which ones are the defaults for jobs
// without their own notify settings. Secrets read back as "••••" and are
// kept unless retyped (sent back as "••••", the API keeps the stored value).

import { get, post, patch, del } from '../api.js';
import { h, replace } from '../dom.js';
import { toast, toastError } from '../toast.js';
import { confirmDialog } from '../dialog.js';
import { icon } from '../icons.js';
import { field, FieldErrors } from './fields.js';

// kind → [key, label, input kind, hint]
const KINDS = {
  webhook: [
    ['url', 'URL', 'url', 'POSTed to on every event.'],
    ['format', 'Format', ['json', 'slack', 'discord'], 'json: {event, job, run, logTail, runUrl}; slack/discord: their incoming-webhook shape.'],
    ['secret', 'Secret', 'secret', 'Optional: signs the body (X-Backbeat-Signature: sha256=…).'],
  ],
  command: [['command', 'Command', 'text', 'Run with /bin/sh -c; BACKBEAT_EVENT, BACKBEAT_JOB_TITLE, BACKBEAT_RUN_STATUS… in its environment, the log tail on stdin.']],
  email: [
    ['host', 'SMTP server', 'text', ''],
    ['port', 'Port', 'number', 'Empty: 587 (STARTTLS), 465 (TLS) or 25.'],
    ['security', 'Security', ['starttls', 'tls', 'none'], ''],
    ['username', 'User name', 'text', ''],
    ['password', 'Password', 'secret', ''],
    ['from', 'From', 'text', 'e.g. Backbeat <me@example.com>'],
    ['to', 'To', 'list', 'Addresses, separated by commas.'],
    ['tlsCaFile', 'Extra CA file', 'text', 'Optional: a PEM file to trust for a server with a private CA.'],
  ],
  ntfy: [
    ['url', 'Topic URL', 'url', 'e.g. https://ntfy.sh/my-topic'],
    ['token', 'Access token', 'secret', 'Optional.'],
    ['priority', 'Priority', ['', '1', '2', '3', '4', '5'], 'Empty: high for failures, default otherwise.'],
  ],
};

function configForm(kind, config, errors) {
  const inputs = [];
  const els = KINDS[kind].map(([key, label, type, hint]) => {
    let input;
    if (Array.isArray(type)) {
      input = h('select', { class: 'input', name: `config.${key}` }, type.map((v) => h('option', { value: v }, v || 'default')));
    } else {
      input = h('input', { class: `input ${type === 'number' ? '' : 'mono'}`, name: `config.${key}`, type: type === 'secret' ? 'password' : type === 'number' ? 'number' : 'text', autocomplete: 'off', spellcheck: 'false' });
    }
    const v = config[key];
    input.value = v === undefined || v === null ? '' : Array.isArray(v) ? v.join(', ') : String(v);
    const f = field({ label, input, hint, name: `config.${key}` });
    errors.register(`config.${key}`, f.querySelector('.error'), input);
    inputs.push([key, type, input]);
    return f;
  });
  return {
    els,
    value() {
      const out = {};
      for (const [key, type, input] of inputs) {
        const v = input.value.trim();
        if (v === '') continue;
        if (type === 'number' || (key === 'priority')) out[key] = Number(v);
        else if (type === 'list') out[key] = v.split(',').map((s) => s.trim()).filter(Boolean);
        else out[key] = type === 'secret' ? input.value : v;
      }
      if (config.headers) out.headers = config.headers; // kept as stored (masked values keep theirs)
      return out;
    },
  };
}

export function channelsSection({ getPrefs, setPrefs }) {
  const list = h('div', { class: 'channel-list', 'data-channel-list': '' });
  const editor = h('div', { 'data-channel-editor': '' });
  const addBtn = h('button', { class: 'btn', type: 'button', 'data-add-channel': '' }, icon('plus'), 'Add channel');
  const el = h('section', { class: 'card section', 'data-channels': '', 'aria-labelledby': 'channels-title' },
    h('div', { class: 'card-head' }, h('h2', { id: 'channels-title' }, 'Channels'), addBtn),
    h('div', { class: 'card-body' },
      h('p', { class: 'muted small' }, 'Where jobs send notifications. A job picks its channels in its editor; jobs that pick none use the channels marked “default”.'),
      list, editor));

  async function load() {
    let channels;
    try {
      channels = (await get('/channels')).channels;
    } catch (e) {
      replace(list, h('div', { class: 'form-error' }, `Could not load the channels: ${e.message}`));
      return;
    }
    replace(list, channels.length ? channels.map(row) : h('p', { class: 'muted' }, 'No channels yet.'));
  }

  function row(c) {
    const result = h('span', { class: 'small', 'data-test-result': '' });
    const isDefault = h('input', { type: 'checkbox', 'data-default': '', checked: getPrefs().defaultNotifyChannels.includes(c.id) });
    isDefault.addEventListener('change', async () => {
      const current = getPrefs().defaultNotifyChannels.filter((id) => id !== c.id);
      try {
        setPrefs(await patch('/preferences', { defaultNotifyChannels: isDefault.checked ? [...current, c.id] : current }));
      } catch (e) {
        isDefault.checked = !isDefault.checked;
        toastError('Could not change the default channels', e);
      }
    });
    const test = async () => {
      result.textContent = 'Sending…';
      try {
        const d = await post(`/channels/${c.id}/test`);
        result.textContent = d.status === 'sent' ? 'Sent.' : `Failed: ${d.error}`;
        result.className = `small ${d.status === 'sent' ? 'ok' : 'error'}`;
      } catch (e) {
        result.textContent = `Failed: ${e.message}`;
      }
    };
    const remove = async () => {
      const users = c.usedBy.map((j) => j.title);
      const ok = await confirmDialog({
        title: `Delete “${c.name}”?`,
        message: users.length
          ? `It is removed from the jobs that use it: ${users.join(', ')}. They keep their other channels.`
          : 'No job uses it.',
        confirmLabel: 'Delete', danger: true,
      });
      if (!ok) return;
      try {
        await del(`/channels/${c.id}`);
        setPrefs(await get('/preferences'));
        toast(`Deleted “${c.name}”.`, { kind: 'ok' });
        load();
      } catch (e) {
        toastError('Could not delete the channel', e);
      }
    };
    return h('div', { class: 'channel', 'data-channel-id': c.id },
      h('div', null, h('strong', null, c.name), h('span', { class: 'badge type plain' }, c.kind),
        c.enabled ? null : h('span', { class: 'muted small' }, ' disabled'),
        h('div', { class: 'muted small', 'data-used-by': '' }, c.usedBy.length ? `Used by ${c.usedBy.map((j) => j.title).join(', ')}` : 'Used by no job')),
      h('label', { class: 'check' }, isDefault, h('span', null, 'default')),
      h('div', { class: 'inline' },
        h('button', { class: 'btn sm', type: 'button', 'data-test-channel': '', onclick: test }, 'Test'),
        h('button', { class: 'btn sm ghost', type: 'button', 'data-edit-channel': '', onclick: () => openEditor(c) }, icon('edit'), 'Edit'),
        h('button', { class: 'btn sm ghost danger', type: 'button', 'data-delete-channel': '', 'aria-label': `Delete ${c.name}`, onclick: remove }, icon('trash'))),
      result);
  }

  function openEditor(channel) {
    const formError = h('div', { class: 'form-error', role: 'alert' });
    const errors = new FieldErrors(formError);
    errors.addResolver((path) => path.replace(/\[\d+\]$/, ''));
    const name = h('input', { class: 'input', name: 'name', value: channel ? channel.name : '' });
    const nameField = field({ label: 'Name', input: name, name: 'name' });
    errors.register('name', nameField.querySelector('.error'), name);
    const kind = h('select', { class: 'input', name: 'kind', disabled: Boolean(channel) },
      Object.keys(KINDS).map((k) => h('option', { value: k, selected: channel && channel.kind === k }, k)));
    const enabled = h('input', { type: 'checkbox', name: 'enabled', checked: channel ? channel.enabled : true });
    const configBox = h('div', { class: 'fields' });
    let config;
    const showConfig = () => {
      config = configForm(kind.value, channel && channel.kind === kind.value ? channel.config : {}, errors);
      replace(configBox, config.els);
    };
    kind.addEventListener('change', showConfig);
    showConfig();
    const form = h('form', { class: 'channel-form', 'data-channel-form': '', novalidate: true },
      h('h3', null, channel ? `Edit “${channel.name}”` : 'New channel'),
      h('div', { class: 'fields' }, nameField, field({ label: 'Kind', input: kind, name: 'kind' })),
      configBox,
      h('label', { class: 'check' }, enabled, h('span', null, 'Enabled')),
      h('div', { class: 'form-actions' },
        h('button', { class: 'btn primary', type: 'submit', 'data-save-channel': '' }, channel ? 'Save channel' : 'Add channel'),
        h('button', { class: 'btn ghost', type: 'button', onclick: () => editor.replaceChildren() }, 'Cancel'),
        formError));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      errors.clear();
      const body = { name: name.value.trim(), config: config.value(), enabled: enabled.checked };
      try {
        if (channel) await patch(`/channels/${channel.id}`, body);
        else await post('/channels', { ...body, kind: kind.value });
        toast(channel ? 'Channel saved.' : 'Channel added.', { kind: 'ok' });
        editor.replaceChildren();
        load();
      } catch (err) {
        const input = errors.show(err.field || '', err.message);
        if (input) input.focus();
        else formError.textContent = `Not saved: ${err.message}`;
      }
    });
    replace(editor, form);
    name.focus();
  }

  addBtn.addEventListener('click', () => openEditor(null));
  load();
  return { el };
}
