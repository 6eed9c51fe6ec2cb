// A duration field with units ("30 min" rather than 1800000): a number box
// and a unit select. The number box's `.value` reads and writes whole
// milliseconds as a string ("" when empty, the raw text when it is not a
// number, so the caller's validation can name the problem).

import { h } from '../dom.js';

export const DURATION_UNITS = [['ms', 1], ['s', 1000], ['min', 60000], ['h', 3600000]];
const nativeValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value');

/** The largest unit that shows `ms` as a whole number. */
export function bestUnit(ms) {
  for (let i = DURATION_UNITS.length - 1; i > 0; i -= 1) {
    if (ms !== 0 && ms % DURATION_UNITS[i][1] === 0) return DURATION_UNITS[i];
  }
  return ms === 0 ? ['s', 1000] : DURATION_UNITS[0];
}

/** { el, input }: `input` is the element to label, validate and listen to. */
export function durationInput({ name, id, label }) {
  const input = h('input', { class: 'input', type: 'text', inputmode: 'decimal', name, id, autocomplete: 'off', 'data-duration': '' });
  const unit = h('select', { class: 'input', 'aria-label': `${label || name} unit`, 'data-duration-unit': '' },
    DURATION_UNITS.map(([u]) => h('option', { value: u }, u)));
  const factor = () => DURATION_UNITS.find(([u]) => u === unit.value)[1];
  Object.defineProperty(input, 'value', {
    configurable: true,
    get() {
      const raw = nativeValue.get.call(input).trim();
      if (raw === '') return '';
      const n = Number(raw);
      return Number.isFinite(n) ? String(Math.round(n * factor())) : raw;
    },
    set(v) {
      const n = Number(v);
      if (v === '' || v === null || v === undefined || !Number.isFinite(n)) {
        nativeValue.set.call(input, v ?? '');
        return;
      }
      const [u, f] = bestUnit(n);
      unit.value = u;
      nativeValue.set.call(input, String(n / f));
    },
  });
  // Changing the unit re-reads the number in the new unit: tell listeners.
  unit.addEventListener('change', () => input.dispatchEvent(new Event('input', { bubbles: true })));
  return { el: h('div', { class: 'inline' }, input, unit), input };
}
