import { isJsonObject } from '../json/json-value.js';
import type { ObjectStore } from './object-store.js';

/** kube-apiserver's --event-ttl default: Events are forgotten an hour after they were last seen. */
export const DEFAULT_EVENT_TTL_SECONDS = 3_600;

/**
 * Removes Events whose last occurrence (lastTimestamp, else eventTime, else creationTimestamp) is older than the
 * TTL, as etcd's lease on each Event does; watchers see them DELETED. Returns how many went.
 */
export function expireEvents(store: ObjectStore, nowMs: number, ttlSeconds: number): number {
  let expired = 0;
  for (const event of store.list('events')) {
    const meta = isJsonObject(event.metadata) ? event.metadata : {};
    const stamp = event.lastTimestamp ?? event.eventTime ?? meta.creationTimestamp;
    const at = typeof stamp === 'string' ? Date.parse(stamp) : Number.NaN;
    if (!Number.isFinite(at) || at + ttlSeconds * 1000 > nowMs) continue;
    store.remove(
      'events',
      typeof meta.namespace === 'string' ? meta.namespace : undefined,
      String(meta.name),
    );
    expired++;
  }
  return expired;
}
