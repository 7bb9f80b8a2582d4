/**
 * Time as a dependency: everything time-dependent (backoff, rate limits, leases, silent-watch detection) takes a
 * Clock so tests drive time instead of waiting for it.
 */
export interface Clock {
  now(): number;
  /** Runs fn after ms; returns a function that cancels it. */
  schedule(fn: () => void, ms: number): () => void;
}

/** What code that only reads the time needs (caches, health, detectors). */
export type TimeSource = Pick<Clock, 'now'>;

export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(fn, ms) {
    const timer = setTimeout(fn, Math.max(0, ms));
    timer.unref?.();
    return () => clearTimeout(timer);
  },
};

/** Resolves after ms on the given clock; rejects nothing, so callers check their own stop flags afterwards. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const cancel = clock.schedule(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      cancel();
      resolve();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
