// "Run with…": start a job once with environment overrides (POST
// /api/jobs/{id}/runs with `env`, merged over the job's own env for that
// run only). The overrides are written as NAME=value lines, checked as
// typed, and remembered per job in localStorage for next time.

import { h } from '../dom.js';
import { post } from '../api.js';
import { toastError } from '../toast.js';
import { runStartedToast } from './run-actions.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const storeKey = (jobId) => `backbeat.runWith.${jobId}`;

/** "A=1\nB=two" → {env, error}; blank lines and # comments are skipped. */
export function parseEnvLines(text) {
  const env = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i].trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const name = eq < 0 ? line : line.slice(0, eq).trim();
    if (eq < 0) return { env, error: `Line ${i + 1}: write NAME=value (no “=” in “${line}”).` };
    if (!NAME.test(name)) return { env, error: `Line ${i + 1}: “${name}” is not a variable name (letters, digits and _, not starting with a digit).` };
    if (name in env) return { env, error: `Line ${i + 1}: ${name} is set twice.` };
    env[name] = lines[i].slice(lines[i].indexOf('=') + 1);
  }
  return { env, error: null };
}

function remembered(jobId) {
  try {
    return localStorage.getItem(storeKey(jobId)) || '';
  } catch {
    return '';
  }
}

/** Open the dialog for `job`; resolves to the started run, or null. */
export function runWithDialog(job) {
  return new Promise((resolve) => {
    const previous = document.activeElement;
    const text = h('textarea', {
      class: 'input mono', rows: 6, id: 'run-with-env', spellcheck: 'false', 'data-run-with-env': '',
      placeholder: 'DRY_RUN=1\nTARGET=staging', 'aria-describedby': 'run-with-hint run-with-error',
    });
    text.value = remembered(job.id);
    const error = h('div', { class: 'error', id: 'run-with-error', role: 'alert' });
    const startBtn = h('button', { class: 'btn primary', type: 'submit', value: 'run', 'data-run-with-start': '' }, 'Run');
    const own = Object.keys(job.env || {});
    const dlg = h('dialog', { 'aria-labelledby': 'run-with-title', class: 'run-with-dlg' },
      h('form', { method: 'dialog' },
        h('div', { class: 'dlg-body' },
          h('h2', { id: 'run-with-title' }, `Run “${job.title}” with…`),
          h('div', { class: 'field' },
            h('label', { for: 'run-with-env' }, 'Environment for this run'),
            text,
            h('div', { class: 'hint', id: 'run-with-hint' }, 'One NAME=value per line, over the job’s own variables',
              own.length ? ` (${own.join(', ')})` : '', '. Remembered for this job.'),
            error)),
        h('div', { class: 'dlg-actions' },
          h('button', { class: 'btn', type: 'submit', value: 'cancel' }, 'Cancel'), startBtn)));
    const check = () => {
      const { error: e } = parseEnvLines(text.value);
      error.textContent = e || '';
      text.setAttribute('aria-invalid', e ? 'true' : 'false');
      return !e;
    };
    text.addEventListener('input', check);
    dlg.querySelector('form').addEventListener('submit', async (ev) => {
      if (ev.submitter && ev.submitter.value !== 'run') return;
      ev.preventDefault();
      if (!check()) { text.focus(); return; }
      const { env } = parseEnvLines(text.value);
      try {
        const run = await post(`/jobs/${job.id}/runs`, { env });
        try { localStorage.setItem(storeKey(job.id), text.value); } catch { /* private mode */ }
        dlg.close('run');
        runStartedToast(run, job.title);
        resolve(run);
      } catch (e) {
        error.textContent = e.message;
        if (e.status === 401) { dlg.close(); resolve(null); }
        else toastError(`Could not run “${job.title}”`, e);
      }
    });
    dlg.addEventListener('close', () => {
      if (dlg.returnValue !== 'run') resolve(null);
      dlg.remove();
      if (previous && previous.focus && previous.isConnected) previous.focus();
    });
    document.body.append(dlg);
    dlg.showModal();
    text.focus();
  });
}
