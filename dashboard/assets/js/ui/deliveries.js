// A run's notifications (GET /api/runs/:id/deliveries): one row per channel
// and event with its status (sent, failed with the error, suppressed with
// the reason, pending while tries remain). Re-reads itself while any is
// pending; hidden when the run notified nobody.

import { get } from '../api.js';
import { h, replace } from '../dom.js';
import { fmtAbs } from '../time.js';

const STATUS_CLASS = { sent: 's-success', failed: 's-failure', suppressed: 's-dropped', pending: 's-queued' };

export function deliveriesCard(runId) {
  const body = h('div', { class: 'card-body' });
  const el = h('section', { class: 'card section', 'aria-labelledby': 'deliveries-title', 'data-deliveries': '', hidden: true },
    h('div', { class: 'card-head' }, h('h2', { id: 'deliveries-title' }, 'Notifications')), body);
  let channels = null;
  let polls = 0;

  async function reload() {
    let list;
    try {
      list = (await get(`/runs/${runId}/deliveries`)).deliveries || [];
      if (!channels && list.some((d) => d.channelId)) {
        channels = new Map(((await get('/channels')).channels || []).map((c) => [c.id, c.name]));
      }
    } catch {
      return;
    }
    el.hidden = list.length === 0;
    replace(body, h('table', { class: 'table' },
      h('thead', null, h('tr', null, h('th', null, 'To'), h('th', null, 'Event'), h('th', null, 'Status'), h('th', null, 'Tries'), h('th', null, 'When'), h('th', null, 'Details'))),
      h('tbody', null, list.map((d) => h('tr', { 'data-delivery': d.status },
        h('td', null, d.channelId ? (channels && channels.get(d.channelId)) || `channel #${d.channelId} (deleted)` : 'ping URL',
          h('span', { class: 'muted small' }, ` · ${d.kind}`)),
        h('td', null, d.event),
        h('td', null, h('span', { class: `badge ${STATUS_CLASS[d.status] || ''}` }, d.status)),
        h('td', null, String(d.attempts)),
        h('td', { class: 'nowrap' }, fmtAbs(d.at)),
        h('td', { class: 'small' }, d.error || ''))))));
    if (list.some((d) => d.status === 'pending') && polls < 20) {
      polls += 1;
      setTimeout(reload, 1500);
    }
  }
  reload();
  return { el, reload };
}
