// AI authoring panel of the job editor: "Describe the job" →
// POST /api/ai/draft, and "Refine" an existing form with an instruction →
// POST /api/ai/refine. The result fills the form for review (nothing is
// saved); shows progress while the CLI works and its errors verbatim.

import { h, replace } from '../dom.js';
import { post } from '../api.js';
import { icon } from '../icons.js';
import { fmtElapsed } from '../time.js';
import { uid } from './fields.js';

export function aiAssist({ prefs, getJob, apply, isExisting }) {
  const descId = uid('ai-desc');
  const description = h('textarea', {
    class: 'input', id: descId, rows: 4, 'data-ai-description': '',
    placeholder: 'e.g. Every weekday at 9am, summarise yesterday’s git commits in ~/code/app into notes/daily.md',
  });
  const mode = h('select', { class: 'input', 'aria-label': 'AI backend for drafting', style: { width: 'auto' } },
    h('option', { value: '' }, `Default (${prefs.aiMode || 'claude'})`),
    h('option', { value: 'claude' }, 'Claude'),
    h('option', { value: 'codex' }, 'Codex'));
  const draftBtn = h('button', { class: 'btn primary', type: 'button', 'data-ai-draft': '' }, icon('sparkles'), 'Draft job');
  const instrId = uid('ai-instr');
  const instruction = h('input', {
    class: 'input', id: instrId, type: 'text', 'data-ai-instruction': '',
    placeholder: 'e.g. also keep only the last 7 backups',
  });
  const refineBtn = h('button', { class: 'btn', type: 'button', 'data-ai-refine': '' }, 'Refine');
  const cancelBtn = h('button', { class: 'btn sm ghost', type: 'button', hidden: true }, 'Cancel');
  const progress = h('div', { class: 'ai-progress', hidden: true, role: 'status', 'data-ai-progress': '' });
  const result = h('div', { 'aria-live': 'polite', 'data-ai-result': '' });

  const describeBlock = h('div', { class: 'stack' },
    h('label', { for: descId, class: 'label', style: { fontWeight: 600, fontSize: '0.88rem' } }, 'Describe the job'),
    description,
    h('div', { class: 'row' }, draftBtn, mode));
  const refineBlock = h('div', { class: 'stack' },
    h('label', { for: instrId, style: { fontWeight: 600, fontSize: '0.88rem' } }, 'Refine this job'),
    h('div', { class: 'inline' }, instruction, refineBtn));

  const el = h('section', { class: 'card ai-panel', 'aria-labelledby': 'ai-title' },
    h('h2', { id: 'ai-title' }, icon('sparkles'), 'Write it with AI'),
    h('p', { class: 'muted small', style: { margin: 0 } },
      'The AI CLI drafts the title, schedule and body. You review everything before saving; nothing is saved until you press Save.'),
    describeBlock, refineBlock, progress, cancelBtn, result);

  let controller = null;
  let timer = null;

  function busy(on, label) {
    draftBtn.disabled = on;
    refineBtn.disabled = on;
    progress.hidden = !on;
    cancelBtn.hidden = !on;
    clearInterval(timer);
    if (on) {
      const start = Date.now();
      const text = h('span');
      const tick = () => { text.textContent = `${label} — ${fmtElapsed(Date.now() - start)} (this can take a minute)`; };
      tick();
      timer = setInterval(tick, 1000);
      replace(progress, h('span', { class: 'spinner' }), text);
    }
  }

  async function call(path, body, label) {
    if (controller) controller.abort();
    controller = new AbortController();
    const mine = controller;
    replace(result);
    busy(true, label);
    try {
      const res = await post(path, body, { signal: mine.signal });
      const changed = apply(res.draft || {});
      replace(result, h('div', { class: 'ai-notes', 'data-ai-notes': '' },
        h('strong', null, 'Draft filled in below — review it, then save.'),
        changed.length ? `\nChanged: ${changed.join(', ')}.` : '\nNothing changed.',
        res.notes ? `\n\n${res.notes}` : ''));
    } catch (e) {
      if (e.name === 'AbortError') {
        replace(result, h('div', { class: 'muted small' }, 'Cancelled.'));
      } else {
        replace(result, h('div', { class: 'ai-error', role: 'alert', 'data-ai-error': '' },
          h('strong', null, e.status === 502 ? 'The AI CLI failed' : 'Could not draft'), '\n', e.message));
      }
    } finally {
      if (controller === mine) {
        controller = null;
        busy(false);
      }
    }
  }

  draftBtn.addEventListener('click', () => {
    const text = description.value.trim();
    if (!text) {
      description.focus();
      replace(result, h('div', { class: 'ai-error' }, 'Describe what the job should do first.'));
      return;
    }
    const body = { description: text };
    if (mode.value) body.mode = mode.value;
    call('/ai/draft', body, 'Drafting');
  });
  description.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); draftBtn.click(); }
  });

  refineBtn.addEventListener('click', () => {
    const text = instruction.value.trim();
    if (!text) {
      instruction.focus();
      replace(result, h('div', { class: 'ai-error' }, 'Say how the job should change.'));
      return;
    }
    call('/ai/refine', { job: getJob(), instruction: text }, 'Refining');
  });
  instruction.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); refineBtn.click(); }
  });
  cancelBtn.addEventListener('click', () => { if (controller) controller.abort(); });

  function sync() {
    // Refining needs something to refine; drafting is for starting over.
    refineBlock.hidden = !isExisting() ;
  }
  sync();

  return { el, sync, destroy() { clearInterval(timer); if (controller) controller.abort(); } };
}
