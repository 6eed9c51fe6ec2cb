// Unit tests of dashboard/assets/js/shell-highlight.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { highlightShell } from '../../../dashboard/assets/js/shell-highlight.js';

function textOf(html) {
  return html.replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|#39);/g, (m, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]);
}

const SAMPLES = [
  'echo "hello $USER" # greet\n',
  'tar czf /backups/home-$(date +%F).tgz ~/notes',
  'for f in *.log; do\n  gzip -9 "$f" && echo \'done\' > /dev/null 2>&1\ndone\n',
  'cat <<EOF > out.txt\nline $x <b>\nEOF\necho after',
  'if [ -n "${HOME:-/x}" ]; then exit 1; fi',
  "FOO=bar BAZ=$'a\\tb' env | grep -v '^_' || true",
  'unterminated "string $x',
  'case "$1" in\n  start) run ;;\nesac',
  '`date` \\; x=1',
  '',
];

test('output text is exactly the input (overlay alignment)', () => {
  for (const s of SAMPLES) assert.equal(textOf(highlightShell(s)), s, JSON.stringify(s));
});

test('HTML in scripts is escaped', () => {
  const html = highlightShell('echo "<img src=x onerror=alert(1)>"');
  assert.ok(!html.includes('<img'), html);
});

test('tokens get the expected classes', () => {
  const html = highlightShell('echo "hi $USER" # c\nif true; then ls -la 42; fi');
  assert.match(html, /<span class="tok-builtin">echo<\/span>/);
  assert.match(html, /<span class="tok-string">&quot;hi <\/span><span class="tok-var">\$USER<\/span>/);
  assert.match(html, /<span class="tok-comment"># c<\/span>/);
  assert.match(html, /<span class="tok-keyword">if<\/span>/);
  assert.match(html, /<span class="tok-cmd">ls<\/span> <span class="tok-flag">-la<\/span> <span class="tok-num">42<\/span>/);
  assert.match(html, /<span class="tok-keyword">fi<\/span>/);
});

test('command substitution starts a new command; assignments are marked', () => {
  const html = highlightShell('X=1 make $(nproc)');
  assert.match(html, /<span class="tok-assign">X<\/span>/);
  assert.match(html, /<span class="tok-cmd">make<\/span>/);
  assert.match(html, /<span class="tok-subst">\$\(<\/span><span class="tok-cmd">nproc<\/span>/);
});

test('heredoc bodies are one string-like token', () => {
  const html = highlightShell("cat <<'EOF'\n$not_a_var\nEOF\nls");
  assert.match(html, /<span class="tok-heredoc">\$not_a_var\n<\/span><span class="tok-op">EOF<\/span>\n<span class="tok-cmd">ls<\/span>/);
});

test('for … in: `in` is a keyword, a plain word `done` in args is not', () => {
  const html = highlightShell('for x in a b; do echo done; done');
  assert.match(html, /<span class="tok-keyword">in<\/span>/);
  assert.match(html, /echo<\/span> done<span class="tok-op">;<\/span>/);
});
