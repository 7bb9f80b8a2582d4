/**
 * Recent ML answers by key, reused while the service is unavailable. Entries expire after a TTL (a stale
 * prediction is worse than none) and the oldest are evicted beyond a size cap. Time comes from the injected clock.
 */
import type { TimeSource as Clock } from '../time/clock.js';

export interface CachedEntry<V> {
  value: V;
  storedAt: number;
  ageMs: number;
}

export class PredictionCache<V> {
  private readonly entries = new Map<string, { value: V; storedAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly clock: Clock,
  ) {}

  set(key: string, value: V): void {
    // Re-inserting moves the key to the end, so Map order stays oldest-first for eviction.
    this.entries.delete(key);
    this.entries.set(key, { value, storedAt: this.clock.now() });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  /** The entry if present and younger than the TTL; expired entries are dropped on the way. */
  get(key: string): CachedEntry<V> | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const ageMs = this.clock.now() - entry.storedAt;
    if (ageMs > this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return { value: entry.value, storedAt: entry.storedAt, ageMs };
  }

  get size(): number {
    return this.entries.size;
  }
}
