// Job tags: the rules the API applies (trimmed, lowercased, 1–32 of
// a-z 0-9 . _ -, at most 20, repeats dropped), a job row's tag chips, and
// the jobs page's filter chips (a job must carry every chosen tag, as
// GET /api/jobs?tag= does).

import { h } from '../dom.js';

export const MAX_TAGS = 20;
const TAG = /^[a-z0-9._-]{1,32}$/;

/** "Backup, nightly db" → {tags: ['backup','nightly','db'], error: null}. */
export function parseTags(text) {
  const tags = [];
  for (const raw of text.split(/[\s,]+/)) {
    const tag = raw.trim().toLowerCase();
    if (!tag) continue;
    if (!TAG.test(tag)) {
      return { tags, error: `“${raw}” is not a tag: use 1–32 letters a-z, digits and . _ -` };
    }
    if (!tags.includes(tag)) tags.push(tag);
  }
  if (tags.length > MAX_TAGS) return { tags, error: `At most ${MAX_TAGS} tags (${tags.length} given).` };
  return { tags, error: null };
}

/** The tags of a job as small chips; pressing one calls onPick(tag). */
export function tagChips(tags, onPick) {
  if (!tags || !tags.length) return null;
  return h('span', { class: 'job-tags', 'data-tags': '' },
    tags.map((tag) => h('button', {
      class: 'tag', type: 'button', 'data-tag': tag, title: `Show jobs tagged “${tag}”`,
      'aria-label': `Filter by tag ${tag}`, onclick: () => onPick(tag),
    }, tag)));
}

/** Does the job carry every tag in `wanted`? */
export function hasTags(job, wanted) {
  return wanted.every((tag) => (job.tags || []).includes(tag));
}

/**
 * The filter bar: one toggle chip per tag any job has (chosen ones first,
 * then by name). render(allTags, chosen) redraws it, keeping focus on the
 * chip that had it.
 */
export function tagFilter(onToggle) {
  const el = h('div', { class: 'tag-filter', role: 'group', 'aria-label': 'Filter by tag', 'data-tag-filter': '' });
  function render(allTags, chosen) {
    const focused = el.contains(document.activeElement) ? document.activeElement.dataset.tagChip : null;
    const names = [...new Set([...chosen, ...allTags])].sort((a, b) =>
      (chosen.includes(b) - chosen.includes(a)) || a.localeCompare(b));
    el.replaceChildren(...names.map((tag) => {
      const chip = h('button', {
        class: 'chip', type: 'button', 'aria-pressed': String(chosen.includes(tag)), 'data-tag-chip': tag,
        onclick: () => onToggle(tag),
      }, h('span', { 'aria-hidden': 'true' }, '#'), tag);
      return chip;
    }));
    el.hidden = !names.length;
    if (focused) {
      const again = [...el.children].find((c) => c.dataset.tagChip === focused);
      if (again) again.focus();
    }
  }
  return { el, render };
}
