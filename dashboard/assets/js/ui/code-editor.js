// Body editor: a transparent <textarea> laid over a highlighted <pre> in the
// same grid cell, so it grows with its content and the caret sits on the
// coloured text. Shell highlighting for scripts, plain text otherwise. Tab
// indents; Esc then Tab moves focus on (keyboard users are never trapped).

import { h } from '../dom.js';
import { highlightShell } from '../shell-highlight.js';
import { escapeHtml } from '../ansi.js';

export function codeEditor({ id, value = '', language = 'shell', placeholder = '' }) {
  const pre = h('pre', { 'aria-hidden': 'true' });
  const textarea = h('textarea', {
    id, spellcheck: 'false', autocapitalize: 'off', autocomplete: 'off', autocorrect: 'off',
    wrap: 'soft', placeholder, 'data-code': '',
  });
  const el = h('div', { class: 'code-editor' }, pre, textarea);
  let lang = language;
  let escaped = false;

  function render() {
    const src = textarea.value;
    // The trailing newline keeps the <pre> as tall as the textarea when the
    // text ends with an empty line.
    pre.innerHTML = `${lang === 'shell' ? highlightShell(src) : escapeHtml(src)}\n`;
    el.classList.toggle('prose', lang !== 'shell');
  }

  textarea.addEventListener('input', render);
  textarea.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') { escaped = true; return; }
    if (e.key === 'Tab' && !e.shiftKey && !escaped && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      // execCommand keeps the browser's undo history; fall back to setRangeText.
      if (!document.execCommand || !document.execCommand('insertText', false, '  ')) {
        textarea.setRangeText('  ', textarea.selectionStart, textarea.selectionEnd, 'end');
        render();
      }
      return;
    }
    escaped = false;
  });

  textarea.value = value;
  render();
  return {
    el,
    textarea,
    get value() { return textarea.value; },
    set value(v) { textarea.value = v; render(); },
    setLanguage(l) { lang = l; render(); },
  };
}
