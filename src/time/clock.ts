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

/**
 * A clock that can also measure elapsed time immune to wall-clock changes (NTP steps, an operator setting the
 * date). Durations that guard safety, like a lease's expiry, must be measured on monotonicNow; now() stays for
 * timestamps that others read.
 */
export interface MonotonicClock extends Clock {
  /** Milliseconds from an arbitrary origin; only differences mean anything, and it never goes backwards. */
  monotonicNow(): number;
}

/** setTimeout's ceiling: a longer delay would be clamped to 1 ms by Node (a busy loop), so it is chained. */
const MAX_TIMEOUT_MS = 2_147_483_647;

export const systemClock: MonotonicClock = {
  now: () => Date.now(),
  monotonicNow: () => performance.now(),
  schedule(fn, ms) {
    let timer: NodeJS.Timeout;
    const arm = (remaining: number) => {
      const step = Math.min(MAX_TIMEOUT_MS, Math.max(0, remaining));
      timer = setTimeout(() => (remaining > MAX_TIMEOUT_MS ? arm(remaining - MAX_TIMEOUT_MS) : fn()), step);
      timer.unref?.();
    };
    arm(ms);
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
