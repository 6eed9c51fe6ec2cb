// Run statuses and job types as badges, plus the lists the filters use.

import { h } from './dom.js';

export const STATUSES = ['queued', 'running', 'success', 'failure', 'timeout', 'dropped'];
export const FINISHED = ['success', 'failure', 'timeout', 'dropped'];

export function statusBadge(status) {
  return h('span', { class: `badge s-${status}`, 'data-status': status }, status);
}

export function typeLabel(type) {
  if (type === 'script') return 'script';
  if (type === 'ai') return 'AI';
  return type;
}

export function typeBadge(type) {
  return h('span', { class: `badge type type-${type === 'ai' ? 'ai' : 'other'}` }, typeLabel(type));
}

export function isActive(status) {
  return status === 'queued' || status === 'running';
}
