// Live log viewer of a run: GET /api/runs/{id}/log/stream (SSE; `log`
// {offset,text}, `status` Run, `end`), ANSI colours rendered, duplicate
// bytes after a reconnect skipped by offset, auto-scroll that pauses when
// the person scrolls up, a "jump to end" button, line wrap toggle, raw
// download, and a cap so a huge log cannot freeze the tab.

import { h, replace } from '../dom.js';
import { AnsiRenderer } from '../ansi.js';
import { icon } from '../icons.js';

const TAIL_BYTES = 1 << 20;        // start near the end of logs bigger than this
const MAX_DOM_CHARS = 4_000_000;   // drop the oldest output beyond this

function fmtBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function logView(run, { onStatus, onEnd } = {}) {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const pre = h('pre', { class: 'log', tabindex: '0', 'aria-label': `Output of run #${run.id}`, 'data-log': '' });
  const jump = h('button', { class: 'btn sm jump', type: 'button', hidden: true, 'data-jump': '' }, icon('down'), 'Jump to end');
  const size = h('span', { class: 'muted small', 'data-log-size': '' });
  const state = h('span', { class: 'muted small', 'data-log-state': '' }, 'connecting…');
  const wrapBtn = h('button', { class: 'btn sm ghost', type: 'button', 'aria-pressed': 'true', title: 'Wrap long lines' }, icon('wrap'), 'Wrap');
  const download = h('a', { class: 'btn sm', href: `/api/runs/${run.id}/log`, download: `backbeat-run-${run.id}.log`, 'data-download': '' }, icon('download'), 'Download');
  const notice = h('div', { class: 'banner info', hidden: true, style: { margin: '0.75rem 1rem 0' } });
  const el = h('section', { class: 'card log-card', 'aria-labelledby': 'log-title' },
    h('div', { class: 'card-head' }, h('h2', { id: 'log-title' }, 'Output'), size, state, h('span', { class: 'grow' }), wrapBtn, download),
    notice,
    h('div', { class: 'log-wrap' }, pre, jump));

  let source = null;
  let renderer = new AnsiRenderer({ markPrefix: '[backbeat] ' });
  let received = 0;
  let pendingHtml = '';
  let frame = 0;
  let stick = true;
  let ended = false;
  let domChars = 0;
  let gotText = false;

  const startOffset = run.logBytes > TAIL_BYTES ? run.logBytes - TAIL_BYTES : 0;
  if (startOffset) {
    notice.hidden = false;
    replace(notice, h('div', null, `This log is ${fmtBytes(run.logBytes)}; showing the last ${fmtBytes(TAIL_BYTES)}. `,
      h('a', { href: `/api/runs/${run.id}/log`, download: `backbeat-run-${run.id}.log` }, 'Download the whole log'), '.'));
  }
  received = startOffset;
  let skipPartialLine = startOffset > 0;

  function atBottom() {
    return pre.scrollHeight - pre.scrollTop - pre.clientHeight < 24;
  }
  pre.addEventListener('scroll', () => {
    stick = atBottom();
    jump.hidden = stick;
  });
  jump.addEventListener('click', () => {
    stick = true;
    jump.hidden = true;
    pre.scrollTop = pre.scrollHeight;
    pre.focus({ preventScroll: true });
  });
  wrapBtn.addEventListener('click', () => {
    const wrap = pre.classList.toggle('nowrap');
    wrapBtn.setAttribute('aria-pressed', String(!wrap));
  });

  function flush() {
    frame = 0;
    if (!pendingHtml) return;
    if (!gotText) { pre.replaceChildren(); gotText = true; }
    pre.insertAdjacentHTML('beforeend', pendingHtml);
    domChars += pendingHtml.length;
    pendingHtml = '';
    if (domChars > MAX_DOM_CHARS) trim();
    size.textContent = fmtBytes(received);
    if (stick) pre.scrollTop = pre.scrollHeight;
  }

  function trim() {
    while (domChars > MAX_DOM_CHARS / 2 && pre.firstChild) {
      const n = pre.firstChild;
      domChars -= (n.outerHTML || n.textContent || '').length;
      n.remove();
    }
    notice.hidden = false;
    replace(notice, h('div', null, 'Older output was removed from the view to keep the page fast. ',
      h('a', { href: `/api/runs/${run.id}/log`, download: `backbeat-run-${run.id}.log` }, 'Download the whole log'), '.'));
  }

  function appendHtml(html) {
    if (!html) return;
    pendingHtml += html;
    if (!frame) frame = requestAnimationFrame(flush);
  }

  function onLog(e) {
    let msg;
    try {
      msg = JSON.parse(e.data);
    } catch {
      return;
    }
    let { text } = msg;
    const offset = Number.isFinite(msg.offset) ? msg.offset : received;
    const bytes = enc.encode(text);
    if (offset + bytes.length <= received) return; // already shown (reconnect)
    if (offset < received) text = dec.decode(bytes.slice(received - offset));
    received = offset + bytes.length;
    if (skipPartialLine) {
      // A tail view starts mid-line (maybe mid-escape): begin at the next line.
      const nl = text.indexOf('\n');
      if (nl === -1) return;
      text = text.slice(nl + 1);
      skipPartialLine = false;
    }
    appendHtml(renderer.push(text));
  }

  function finish() {
    ended = true;
    appendHtml(renderer.flush());
    if (frame) { cancelAnimationFrame(frame); flush(); }
    if (!gotText) {
      pre.replaceChildren(h('span', { class: 'log-empty' }, 'No output.'));
    }
    size.textContent = fmtBytes(received);
    state.textContent = '· complete';
    state.dataset.logState = 'ended';
  }

  function connect() {
    if (source) source.close();
    const url = `/api/runs/${run.id}/log/stream${received ? `?offset=${received}` : ''}`;
    source = new EventSource(url);
    source.addEventListener('open', () => {
      state.textContent = '· live';
      state.dataset.logState = 'live';
    });
    source.addEventListener('log', onLog);
    source.addEventListener('status', (e) => {
      try {
        if (onStatus) onStatus(JSON.parse(e.data));
      } catch { /* ignore a malformed status */ }
    });
    source.addEventListener('end', () => {
      source.close(); // the server closes after `end`: do not reconnect
      source = null;
      finish();
      if (onEnd) onEnd();
    });
    source.addEventListener('error', () => {
      if (ended) return;
      if (source && source.readyState === EventSource.CLOSED) {
        state.textContent = '· disconnected';
        state.dataset.logState = 'error';
        const retry = h('button', { class: 'btn sm', type: 'button', onclick: () => { notice.hidden = true; connect(); } }, icon('refresh'), 'Reconnect');
        notice.hidden = false;
        replace(notice, h('div', { class: 'grow' }, 'The log stream was closed by the server. '), retry);
      } else {
        state.textContent = '· reconnecting…';
      }
    });
  }

  pre.append(h('span', { class: 'log-empty' }, run.status === 'queued' ? 'Not started yet: output appears once it runs.' : 'Waiting for output…'));
  connect();

  return {
    el,
    destroy() {
      if (source) source.close();
      if (frame) cancelAnimationFrame(frame);
      renderer = null;
    },
  };
}
