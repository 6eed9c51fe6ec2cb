// ANSI → HTML for run logs. Owns SGR parsing (16/bright/256/truecolour
// colours, bold, dim, italic, underline, strike, inverse, reset), stripping of
// every other escape sequence, HTML escaping, and state carried across chunks
// (a log arrives in pieces; an escape sequence may be split between them).
// Pure: no DOM, unit-tested in tests/e2e/unit/ansi.test.mjs.

const ESC = '\x1b';

/** Escape text for safe insertion as HTML. */
export function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

const CUBE = [0, 95, 135, 175, 215, 255];

/** RGB of an xterm 256-colour index in 16..255 (0..15 are themed classes). */
export function xterm256(n) {
  if (n >= 232) {
    const v = 8 + 10 * (n - 232);
    return [v, v, v];
  }
  const i = n - 16;
  return [CUBE[Math.floor(i / 36)], CUBE[Math.floor(i / 6) % 6], CUBE[i % 6]];
}

function freshStyle() {
  return { fg: null, bg: null, bold: false, dim: false, italic: false, underline: false, strike: false, inverse: false };
}

// A colour is null (default), a number 0..255, or an [r, g, b] triple.
function colourCss(c) {
  if (typeof c === 'number') {
    const [r, g, b] = xterm256(c);
    return `rgb(${r},${g},${b})`;
  }
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function clampByte(v) {
  const n = Number.parseInt(v, 10);
  if (!Number.isFinite(n)) return 0;
  return Math.max(0, Math.min(255, n));
}

/**
 * Read an extended colour (38/48/58) starting at params[i] (the 38 itself).
 * Accepts `38;5;n`, `38;2;r;g;b` and the colon forms `38:5:n`, `38:2::r:g:b`,
 * `38:2:r:g:b`. Returns [colour|undefined, next index].
 */
function readExtended(params, i) {
  const head = params[i];
  if (head.includes(':')) {
    const sub = head.split(':');
    if (sub[1] === '5' && sub.length >= 3) return [clampByte(sub[2]), i + 1];
    if (sub[1] === '2') {
      const rgb = sub.length >= 6 ? sub.slice(3, 6) : sub.slice(2, 5);
      if (rgb.length === 3) return [rgb.map(clampByte), i + 1];
    }
    return [undefined, i + 1];
  }
  if (params[i + 1] === '5' && params.length > i + 2) return [clampByte(params[i + 2]), i + 3];
  if (params[i + 1] === '2' && params.length > i + 4) {
    return [[clampByte(params[i + 2]), clampByte(params[i + 3]), clampByte(params[i + 4])], i + 5];
  }
  return [undefined, params.length];
}

/** Apply one SGR parameter string ("1;31", "38;5;208", "") to a style. */
export function applySgr(style, paramText) {
  const params = paramText === '' ? ['0'] : paramText.split(';');
  let i = 0;
  while (i < params.length) {
    const p = params[i];
    const code = Number.parseInt(p.split(':')[0] || '0', 10);
    if (code === 38 || code === 48) {
      const [c, next] = readExtended(params, i);
      if (c !== undefined) style[code === 38 ? 'fg' : 'bg'] = c;
      i = next;
      continue;
    }
    if (code === 58) { // underline colour: parse and ignore
      i = readExtended(params, i)[1];
      continue;
    }
    if (code === 0) Object.assign(style, freshStyle());
    else if (code === 1) style.bold = true;
    else if (code === 2) style.dim = true;
    else if (code === 3) style.italic = true;
    else if (code === 4) style.underline = p !== '4:0';
    else if (code === 7) style.inverse = true;
    else if (code === 9) style.strike = true;
    else if (code === 21) style.underline = true;
    else if (code === 22) { style.bold = false; style.dim = false; }
    else if (code === 23) style.italic = false;
    else if (code === 24) style.underline = false;
    else if (code === 27) style.inverse = false;
    else if (code === 29) style.strike = false;
    else if (code >= 30 && code <= 37) style.fg = code - 30;
    else if (code === 39) style.fg = null;
    else if (code >= 40 && code <= 47) style.bg = code - 40;
    else if (code === 49) style.bg = null;
    else if (code >= 90 && code <= 97) style.fg = code - 90 + 8;
    else if (code >= 100 && code <= 107) style.bg = code - 100 + 8;
    i += 1;
  }
  return style;
}

/** The opening tag for a style, or '' when the style is the default one. */
function openTag(style, extraClass) {
  let fg = style.fg;
  let bg = style.bg;
  const classes = [];
  const css = [];
  if (extraClass) classes.push(extraClass);
  if (style.inverse) {
    [fg, bg] = [bg, fg];
    if (fg === null) classes.push('ansi-fg-inv');
    if (bg === null) classes.push('ansi-bg-inv');
  }
  if (typeof fg === 'number' && fg < 16) classes.push(`ansi-fg-${fg}`);
  else if (fg !== null) css.push(`color:${colourCss(fg)}`);
  if (typeof bg === 'number' && bg < 16) classes.push(`ansi-bg-${bg}`);
  else if (bg !== null) css.push(`background-color:${colourCss(bg)}`);
  if (style.bold) classes.push('ansi-bold');
  if (style.dim) classes.push('ansi-dim');
  if (style.italic) classes.push('ansi-italic');
  if (style.underline) classes.push('ansi-underline');
  if (style.strike) classes.push('ansi-strike');
  if (!classes.length && !css.length) return '';
  let tag = '<span';
  if (classes.length) tag += ` class="${classes.join(' ')}"`;
  if (css.length) tag += ` style="${css.join(';')}"`;
  return `${tag}>`;
}

// Longest escape sequence we are willing to wait for across chunks.
const MAX_PENDING = 512;

/**
 * Streaming converter: feed chunks with push(), get HTML back. Lines starting
 * with `markPrefix` (e.g. "[backbeat] ") get the class "log-sys".
 */
export class AnsiRenderer {
  constructor({ markPrefix = null } = {}) {
    this.style = freshStyle();
    this.pending = '';
    this.markPrefix = markPrefix;
    this.atLineStart = true;
    this.inMarkedLine = false;
  }

  /** Convert the next chunk; returns HTML for everything complete so far. */
  push(chunk) {
    let text = this.pending + chunk;
    this.pending = '';
    let out = '';
    let run = '';
    const flushRun = () => {
      if (!run) return;
      const tag = openTag(this.style, this.inMarkedLine ? 'log-sys' : null);
      out += tag ? `${tag}${escapeHtml(run)}</span>` : escapeHtml(run);
      run = '';
    };
    let i = 0;
    while (i < text.length) {
      const ch = text[i];
      if (ch === ESC) {
        const seq = this.#scanEscape(text, i);
        if (seq === null) { // incomplete: keep for the next chunk
          if (text.length - i <= MAX_PENDING) {
            this.pending = text.slice(i);
            break;
          }
          i += 1; // give up on it: drop the lone ESC
          continue;
        }
        if (seq.sgr !== undefined) {
          flushRun();
          applySgr(this.style, seq.sgr);
        }
        i = seq.end;
        continue;
      }
      if (this.atLineStart && this.markPrefix && text.startsWith(this.markPrefix, i)) {
        flushRun();
        this.inMarkedLine = true;
      }
      if (ch === '\n') {
        flushRun();
        this.inMarkedLine = false;
        out += '\n';
        this.atLineStart = true;
        i += 1;
        continue;
      }
      this.atLineStart = false;
      const code = ch.charCodeAt(0);
      // Drop C0 controls other than tab and CR, and DEL; keep everything else.
      if ((code < 0x20 && ch !== '\t' && ch !== '\r') || code === 0x7f) {
        i += 1;
        continue;
      }
      if (ch === '\r') {
        // CRLF → LF; a lone CR (progress bars) starts a new visual line.
        flushRun();
        if (text[i + 1] !== '\n') {
          if (i + 1 === text.length) { this.pending = '\r'; i += 1; break; }
          out += '\n';
          this.atLineStart = true;
        }
        i += 1;
        continue;
      }
      run += ch;
      i += 1;
    }
    flushRun();
    return out;
  }

  /** HTML for anything still held back (call when the stream ends). */
  flush() {
    const rest = this.pending.replace(/\x1b/g, '');
    this.pending = '';
    if (!rest || rest === '\r') return '';
    const tag = openTag(this.style, null);
    return tag ? `${tag}${escapeHtml(rest)}</span>` : escapeHtml(rest);
  }

  // Returns {end, sgr?} for a complete sequence at i, or null if incomplete.
  #scanEscape(text, i) {
    const next = text[i + 1];
    if (next === undefined) return null;
    if (next === '[') { // CSI: params 0x30–0x3F, intermediates 0x20–0x2F, final 0x40–0x7E
      let j = i + 2;
      while (j < text.length) {
        const c = text.charCodeAt(j);
        if (c >= 0x40 && c <= 0x7e) {
          const body = text.slice(i + 2, j);
          if (text[j] === 'm' && /^[0-9;:]*$/.test(body)) return { end: j + 1, sgr: body };
          return { end: j + 1 };
        }
        if (c < 0x20 || c > 0x7e) return { end: j }; // malformed: drop the intro
        j += 1;
      }
      return null;
    }
    if (next === ']' || next === 'P' || next === '_' || next === '^' || next === 'X') {
      // OSC / DCS / APC / PM / SOS: up to BEL or ST (ESC \)
      for (let j = i + 2; j < text.length; j += 1) {
        if (text[j] === '\x07') return { end: j + 1 };
        if (text[j] === ESC) {
          if (j + 1 >= text.length) return null;
          if (text[j + 1] === '\\') return { end: j + 2 };
        }
      }
      return null;
    }
    if (next === '(' || next === ')' || next === '*' || next === '+' || next === '#' || next === '%') {
      return i + 2 < text.length ? { end: i + 3 } : null; // charset designation etc.
    }
    return { end: i + 2 }; // two-byte escape (ESC 7, ESC =, …)
  }
}

/** Convert a whole text at once. */
export function ansiToHtml(text, options) {
  const r = new AnsiRenderer(options);
  return r.push(text) + r.flush();
}

/** Remove all escape sequences (for copying/searching plain text). */
export function stripAnsi(text) {
  return ansiToHtml(text).replace(/<[^>]*>/g, '').replace(/&(amp|lt|gt|quot|#39);/g, (m, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]);
}
