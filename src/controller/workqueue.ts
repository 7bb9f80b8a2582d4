import type { Clock } from '../time/clock.js';
import type { RateLimiter } from './rate-limiter.js';

export interface WorkQueueMetrics {
  added(): void;
  depth(n: number): void;
}

/**
 * A deduplicating work queue with the client-go semantics:
 * - `dirty` holds keys that need processing; adding a key already dirty is a no-op (deduplication).
 * - `processing` holds keys handed to a worker; a key added while processing is only marked dirty and is queued
 *   again when the worker calls done(), so one key is never processed by two workers at once.
 * - Delayed adds (requeueAfter, backoff) keep only the earliest pending time per key.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiting = new Map<string, { at: number; cancel: () => void }>();
  private readonly getters: ((key: string | undefined) => void)[] = [];
  private drainWaiters: (() => void)[] = [];
  private shuttingDown = false;

  constructor(
    private readonly clock: Clock,
    private readonly rateLimiter: RateLimiter,
    private readonly metrics?: WorkQueueMetrics,
  ) {}

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.metrics?.added();
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Adds key after ms; a later request for a key already waiting with an earlier time is dropped. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const existing = this.waiting.get(key);
    if (existing && existing.at <= at) return;
    existing?.cancel();
    const cancel = this.clock.schedule(() => {
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    this.waiting.set(key, { at, cancel });
  }

  /** Retries key after the rate limiter's delay (per-key backoff combined with the global limit). */
  addRateLimited(key: string): void {
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** key succeeded (or gave up): reset its backoff. */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  retries(key: string): number {
    return this.rateLimiter.retries(key);
  }

  /** Next key to process, or undefined once the queue shuts down. Pair every key with done(key). */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.take(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
    if (this.processing.size === 0) {
      for (const resolve of this.drainWaiters) resolve();
      this.drainWaiters = [];
    }
  }

  len(): number {
    return this.queue.length;
  }

  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stops handing out work (waiting workers get undefined) and drops delayed adds. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { cancel } of this.waiting.values()) cancel();
    this.waiting.clear();
    this.queue.length = 0;
    this.dirty.clear();
    this.metrics?.depth(0);
    for (const resolve of this.getters.splice(0)) resolve(undefined);
  }

  /** shutDown, then resolves once every key handed out has been marked done (in-flight work finishes). */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private push(key: string): void {
    const getter = this.getters.shift();
    if (getter) {
      this.take(key);
      getter(key);
      return;
    }
    this.queue.push(key);
    this.metrics?.depth(this.queue.length);
  }

  private take(key: string): void {
    this.processing.add(key);
    this.dirty.delete(key);
    this.metrics?.depth(this.queue.length);
  }
}
