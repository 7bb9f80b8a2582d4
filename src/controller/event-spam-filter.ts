import type { TimeSource } from '../time/clock.js';

/** What the filter keys on: the source and the object the Event is about (not reason or message). */
export interface SpamSubject {
  component: string;
  kind?: string;
  namespace?: string;
  name: string;
  uid?: string;
}

export interface EventSpamFilterOptions {
  clock: TimeSource;
  /** Events a source may write about one object at once (client-go: 25). */
  burst?: number;
  /** One token comes back every refillMs (client-go: 5 minutes). */
  refillMs?: number;
  /** Objects remembered; the least recently seen is forgotten first (client-go: 4096). */
  maxObjects?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per source + involved object, after client-go's EventSourceObjectSpamFilter: an object that is
 * always unhealthy gets a burst of Events and then one every refill period, so a long incident cannot flood etcd
 * or bury the other objects' Events. Every record counts, aggregated repeats included, as in client-go.
 */
export class EventSpamFilter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;
  private readonly refillMs: number;
  private readonly maxObjects: number;

  constructor(private readonly o: EventSpamFilterOptions) {
    this.burst = o.burst ?? 25;
    this.refillMs = o.refillMs ?? 5 * 60_000;
    this.maxObjects = o.maxObjects ?? 4_096;
    if (!(this.burst >= 1) || !(this.refillMs > 0) || !(this.maxObjects >= 1)) {
      throw new RangeError('EventSpamFilter: burst and maxObjects must be ≥ 1 and refillMs > 0');
    }
  }

  /** True when the Event may be written (and takes a token); false when it is over the budget. */
  allow(subject: SpamSubject): boolean {
    const key = [
      subject.component,
      subject.kind ?? '',
      subject.namespace ?? '',
      subject.name,
      subject.uid ?? '',
    ].join('\u0000');
    const now = this.o.clock.now();
    const previous = this.buckets.get(key);
    const bucket: Bucket = previous
      ? {
          // A clock that steps backwards must not mint or burn tokens.
          tokens: Math.min(
            this.burst,
            previous.tokens + Math.max(0, now - previous.updatedAt) / this.refillMs,
          ),
          updatedAt: Math.max(now, previous.updatedAt),
        }
      : { tokens: this.burst, updatedAt: now };
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    // Map order is insertion order: re-inserting marks the object most recently seen.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxObjects) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    return allowed;
  }

  /** Objects currently remembered (for tests and debugging). */
  get size(): number {
    return this.buckets.size;
  }
}
