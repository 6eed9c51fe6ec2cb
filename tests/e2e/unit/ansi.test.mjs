// Unit tests of dashboard/assets/js/ansi.js (ANSI SGR → HTML).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ansiToHtml, AnsiRenderer, escapeHtml, xterm256, stripAnsi } from '../../../dashboard/assets/js/ansi.js';

const E = '\x1b[';

test('plain text is HTML-escaped', () => {
  assert.equal(ansiToHtml('<script>alert("x")</script> & \'y\''),
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;');
});

test('16 colours and bright colours become themed classes', () => {
  assert.equal(ansiToHtml(`${E}31mred${E}0m plain`), '<span class="ansi-fg-1">red</span> plain');
  assert.equal(ansiToHtml(`${E}92mgreen`), '<span class="ansi-fg-10">green</span>');
  assert.equal(ansiToHtml(`${E}44mbg${E}49m`), '<span class="ansi-bg-4">bg</span>');
  assert.equal(ansiToHtml(`${E}103mx`), '<span class="ansi-bg-11">x</span>');
});

test('bold, dim, italic, underline, strike and their resets', () => {
  assert.equal(ansiToHtml(`${E}1;3;4mA${E}22mB${E}23;24mC`),
    '<span class="ansi-bold ansi-italic ansi-underline">A</span>'
    + '<span class="ansi-italic ansi-underline">B</span>C');
  assert.equal(ansiToHtml(`${E}2mdim${E}m`), '<span class="ansi-dim">dim</span>');
  assert.equal(ansiToHtml(`${E}9ms${E}29mt`), '<span class="ansi-strike">s</span>t');
});

test('256-colour: low indexes use classes, others inline rgb', () => {
  assert.equal(ansiToHtml(`${E}38;5;9mx`), '<span class="ansi-fg-9">x</span>');
  assert.equal(ansiToHtml(`${E}38;5;196mx`), '<span style="color:rgb(255,0,0)">x</span>');
  assert.equal(ansiToHtml(`${E}48;5;244mx`), '<span style="background-color:rgb(128,128,128)">x</span>');
  assert.deepEqual(xterm256(16), [0, 0, 0]);
  assert.deepEqual(xterm256(231), [255, 255, 255]);
  assert.deepEqual(xterm256(232), [8, 8, 8]);
});

test('truecolour, semicolon and colon forms', () => {
  assert.equal(ansiToHtml(`${E}38;2;10;20;30mx`), '<span style="color:rgb(10,20,30)">x</span>');
  assert.equal(ansiToHtml(`${E}38:2::1:2:3mx`), '<span style="color:rgb(1,2,3)">x</span>');
  assert.equal(ansiToHtml(`${E}48:5:208mx`), '<span style="background-color:rgb(255,135,0)">x</span>');
  assert.equal(ansiToHtml(`${E}1;38;2;255;0;0;4mx`), '<span class="ansi-bold ansi-underline" style="color:rgb(255,0,0)">x</span>');
});

test('inverse swaps foreground and background', () => {
  assert.equal(ansiToHtml(`${E}7mx`), '<span class="ansi-fg-inv ansi-bg-inv">x</span>');
  assert.equal(ansiToHtml(`${E}31;7mx${E}27my`), '<span class="ansi-fg-inv ansi-bg-1">x</span><span class="ansi-fg-1">y</span>');
});

test('non-SGR escapes (cursor, erase, OSC hyperlinks, charset) are removed', () => {
  assert.equal(ansiToHtml(`a${E}2Kb${E}1;1Hc\x1b]8;;http://x\x07link\x1b]8;;\x1b\\d\x1b(Be`), 'ablinkde'.replace('ablinkde', 'abclinkde'));
  assert.equal(ansiToHtml(`x${E}?25ly`), 'xy');
});

test('state and split escape sequences carry across chunks', () => {
  const r = new AnsiRenderer();
  let html = r.push('a\x1b');
  html += r.push('[3');
  html += r.push('2mgreen');
  html += r.push(' still');
  html += r.push(`${E}0m end`);
  html += r.flush();
  assert.equal(html, 'a<span class="ansi-fg-2">green</span><span class="ansi-fg-2"> still</span> end');
});

test('CRLF becomes LF, a lone CR starts a new line, control bytes vanish', () => {
  assert.equal(ansiToHtml('a\r\nb\rc\x07\x08d'), 'a\nb\ncd');
  const r = new AnsiRenderer();
  assert.equal(r.push('x\r') + r.push('\ny') + r.flush(), 'x\ny');
});

test('supervisor lines are marked', () => {
  const html = ansiToHtml('out\n[backbeat] output truncated\nmore', { markPrefix: '[backbeat] ' });
  assert.equal(html, 'out\n<span class="log-sys">[backbeat] output truncated</span>\nmore');
});

test('an unterminated escape at the end does not swallow text forever', () => {
  assert.equal(ansiToHtml('abc\x1b[31'), 'abc[31');
  assert.equal(stripAnsi(`${E}1m<b>${E}0m`), '<b>');
  assert.equal(escapeHtml('"&"'), '&quot;&amp;&quot;');
});
