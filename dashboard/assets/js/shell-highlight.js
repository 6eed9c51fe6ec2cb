// Shell syntax highlighting for the job body editor. A small hand-written
// tokenizer for POSIX sh (comments, quoting, variables, command
// substitution, heredocs, keywords, command names, operators, flags,
// numbers). Pure: returns HTML whose text content is exactly the input, so it
// can sit under a transparent <textarea>. Unit-tested in tests/e2e/unit.

import { escapeHtml } from './ansi.js';

const KEYWORDS = new Set([
  'if', 'then', 'else', 'elif', 'fi', 'for', 'while', 'until', 'do', 'done',
  'case', 'esac', 'in', 'function', 'select', 'time', '!', '{', '}', '[[', ']]',
]);
const BUILTINS = new Set([
  'echo', 'printf', 'cd', 'export', 'local', 'readonly', 'return', 'exit', 'set',
  'unset', 'shift', 'source', '.', 'eval', 'exec', 'test', '[', 'read', 'trap',
  'wait', 'true', 'false', 'break', 'continue', 'alias', 'command', 'type',
]);
// After these keywords a new command starts.
const COMMAND_STARTERS = new Set(['then', 'else', 'elif', 'do', 'if', 'while', 'until', '!', '{', 'time']);

const WORD_END = /[\s|&;()<>`"'$]/;

function span(cls, text) {
  return `<span class="tok-${cls}">${escapeHtml(text)}</span>`;
}

/** Highlight a `$…` expansion starting at i; returns [html, end] or null. */
function readDollar(src, i) {
  const next = src[i + 1];
  if (next === '{') {
    let j = i + 2;
    let depth = 1;
    while (j < src.length && depth > 0) {
      if (src[j] === '{') depth += 1;
      else if (src[j] === '}') depth -= 1;
      j += 1;
    }
    return [span('var', src.slice(i, j)), j];
  }
  if (next === '(') {
    const len = src[i + 2] === '(' ? 3 : 2;
    return [span('subst', src.slice(i, i + len)), i + len];
  }
  if (next !== undefined && /[A-Za-z_]/.test(next)) {
    let j = i + 2;
    while (j < src.length && /[A-Za-z0-9_]/.test(src[j])) j += 1;
    return [span('var', src.slice(i, j)), j];
  }
  if (next !== undefined && /[0-9@*#?$!-]/.test(next)) {
    return [span('var', src.slice(i, i + 2)), i + 2];
  }
  return null;
}

/** Highlight a double-quoted string from i (at the opening quote). */
function readDoubleQuoted(src, i) {
  let html = '';
  let plain = '"';
  let j = i + 1;
  const flush = () => { if (plain) { html += span('string', plain); plain = ''; } };
  while (j < src.length) {
    const c = src[j];
    if (c === '\\' && j + 1 < src.length) { plain += src.slice(j, j + 2); j += 2; continue; }
    if (c === '"') { plain += c; j += 1; break; }
    if (c === '$') {
      const d = readDollar(src, j);
      if (d) { flush(); html += d[0]; j = d[1]; continue; }
    }
    if (c === '`') { flush(); html += span('subst', c); j += 1; continue; }
    plain += c;
    j += 1;
  }
  flush();
  return [html, j];
}

/** Turn shell source into highlighted HTML. */
export function highlightShell(src) {
  let out = '';
  let i = 0;
  let commandPos = true;   // the next word is a command name
  let expectIn = false;    // after `for`/`case`/`select`, `in` is a keyword
  const heredocs = [];     // delimiters waiting for the end of this line

  while (i < src.length) {
    const c = src[i];

    if (c === '\n') {
      out += '\n';
      i += 1;
      commandPos = true;
      // Bodies of heredocs opened on the line that just ended.
      while (heredocs.length) {
        const { delim, stripTabs } = heredocs.shift();
        let body = '';
        let done = false;
        while (i < src.length && !done) {
          const eol = src.indexOf('\n', i);
          const line = eol === -1 ? src.slice(i) : src.slice(i, eol);
          const cmp = stripTabs ? line.replace(/^\t+/, '') : line;
          if (cmp === delim) {
            if (body) out += span('heredoc', body);
            out += span('op', line);
            i += line.length;
            done = true;
          } else {
            body += line + (eol === -1 ? '' : '\n');
            i = eol === -1 ? src.length : eol + 1;
          }
        }
        if (!done && body) out += span('heredoc', body);
        if (done && src[i] === '\n') { out += '\n'; i += 1; }
      }
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      out += c;
      i += 1;
      continue;
    }
    if (c === '#') {
      let j = src.indexOf('\n', i);
      if (j === -1) j = src.length;
      out += span('comment', src.slice(i, j));
      i = j;
      continue;
    }
    if (c === '\\' && i + 1 < src.length) {
      out += escapeHtml(src.slice(i, i + 2));
      i += 2;
      commandPos = false;
      continue;
    }
    if (c === "'") {
      let j = src.indexOf("'", i + 1);
      j = j === -1 ? src.length : j + 1;
      out += span('string', src.slice(i, j));
      i = j;
      commandPos = false;
      continue;
    }
    if (c === '"') {
      const [html, j] = readDoubleQuoted(src, i);
      out += html;
      i = j;
      commandPos = false;
      continue;
    }
    if (c === '$') {
      if (src[i + 1] === "'") { // $'ANSI-C'
        let j = i + 2;
        while (j < src.length && src[j] !== "'") j += src[j] === '\\' ? 2 : 1;
        j = Math.min(src.length, j + 1);
        out += span('string', src.slice(i, j));
        i = j;
        commandPos = false;
        continue;
      }
      const d = readDollar(src, i);
      if (d) {
        out += d[0];
        const opensCommand = src[i + 1] === '(' && src[i + 2] !== '(';
        i = d[1];
        commandPos = opensCommand;
        continue;
      }
    }
    if (c === '`') {
      out += span('subst', c);
      i += 1;
      commandPos = true;
      continue;
    }
    // Heredoc start: <<DELIM, <<-DELIM, <<'DELIM', <<"DELIM"
    const hd = /^<<(-?)[ \t]*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\2/.exec(src.slice(i, i + 80));
    if (hd) {
      out += span('op', hd[0]);
      heredocs.push({ delim: hd[3], stripTabs: hd[1] === '-' });
      i += hd[0].length;
      continue;
    }
    const op = /^(;;|&&|\|\||>>|<<<|&>|>&|<&|[0-9]?>&[0-9-]|[0-9]>>?|[|&;()<>])/.exec(src.slice(i, i + 4));
    if (op) {
      out += span('op', op[0]);
      i += op[0].length;
      commandPos = /^(;;|&&|\|\||[|&;(])$/.test(op[0]);
      continue;
    }
    // A word.
    let j = i;
    while (j < src.length && !WORD_END.test(src[j])) {
      if (src[j] === '\\') j += 1;
      j += 1;
    }
    if (j === i) { // a lone special we did not classify
      out += escapeHtml(c);
      i += 1;
      continue;
    }
    const word = src.slice(i, Math.min(j, src.length));
    const assign = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(word);
    if (commandPos && assign) {
      out += span('assign', assign[1]) + span('op', '=') + escapeHtml(word.slice(assign[0].length));
      // still at command position: `FOO=1 cmd`
    } else if (commandPos && KEYWORDS.has(word)) {
      out += span('keyword', word);
      commandPos = COMMAND_STARTERS.has(word);
      expectIn = word === 'for' || word === 'case' || word === 'select';
    } else if (expectIn && word === 'in') {
      out += span('keyword', word);
      expectIn = false;
    } else if (commandPos) {
      out += span(BUILTINS.has(word) ? 'builtin' : 'cmd', word);
      commandPos = false;
    } else if (/^--?[A-Za-z0-9]/.test(word)) {
      out += span('flag', word);
    } else if (/^[0-9]+(\.[0-9]+)?$/.test(word)) {
      out += span('num', word);
    } else {
      out += escapeHtml(word);
    }
    i = Math.min(j, src.length);
  }
  return out;
}
