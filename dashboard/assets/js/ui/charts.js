// Charts of the job page, drawn with uPlot (vendored in assets/vendor/uplot):
// bar charts whose bars are coloured by a category (a run's status) or a
// single colour (AI cost), sized to their box and redrawn when it resizes
// or the colour scheme changes. Colours come from the theme's variables.

import uPlot from '../../vendor/uplot/uPlot.esm.js';
import { h } from '../dom.js';

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

/**
 * A bar chart. `x`: numbers ascending; `groups`: [{label, colour (a CSS
 * variable name), values: (number|null)[]}] — one bar per x from whichever
 * group has a value there; `xLabel(x)` and `yLabel(y)` format the axes.
 * Returns {el, destroy}. The element carries data-points="label:n,…".
 */
export function barChart({ x, groups, xLabel = String, yLabel = String, height = 200, label, xTime = false }) {
  const box = h('div', { class: 'chart', role: 'img', 'aria-label': label });
  box.dataset.points = groups.map((g) => `${g.label}:${g.values.filter((v) => v !== null && v !== undefined).length}`).join(',');
  let plot = null;

  function opts(width) {
    const grid = { stroke: cssVar('--border'), width: 1 };
    const axis = { stroke: cssVar('--text-3'), grid, ticks: { stroke: cssVar('--border'), width: 1, size: 4 }, font: '11px system-ui, sans-serif' };
    return {
      width, height,
      legend: { show: groups.length > 1, live: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: xTime, range: (u, min, max) => [min - 0.6 * (xTime ? 86400 : 1), max + 0.6 * (xTime ? 86400 : 1)] }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.08 : 1] } },
      axes: [
        { ...axis, space: 48, ...(xTime ? {} : { incrs: [1, 2, 5, 10, 20, 25, 50, 100] }), values: (u, splits) => splits.map((v) => xLabel(v)) },
        { ...axis, size: 64, values: (u, splits) => splits.map((v) => yLabel(v)) },
      ],
      series: [{}, ...groups.map((g) => ({
        label: g.label,
        fill: cssVar(g.colour),
        stroke: cssVar(g.colour),
        width: 0,
        paths: uPlot.paths.bars({ size: [0.75, 28, 2], align: 0 }),
        points: { show: false },
      }))],
    };
  }

  function draw() {
    const width = Math.max(200, Math.floor(box.clientWidth));
    if (plot) plot.destroy();
    plot = new uPlot(opts(width), [x, ...groups.map((g) => g.values)], box);
  }

  let lastWidth = 0;
  const ro = new ResizeObserver(() => {
    const w = Math.floor(box.clientWidth);
    if (w && w !== lastWidth) { lastWidth = w; draw(); }
  });
  ro.observe(box);
  const scheme = window.matchMedia('(prefers-color-scheme: dark)');
  scheme.addEventListener('change', draw);
  return {
    el: box,
    destroy() {
      ro.disconnect();
      scheme.removeEventListener('change', draw);
      if (plot) plot.destroy();
    },
  };
}
