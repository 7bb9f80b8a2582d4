/**
 * Lets timers and I/O run before the caller goes on: long synchronous work (assembling 10,000 vectors) is cut
 * into slices with this between them, so the lease renewal timer and /healthz are never starved for long.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Calls `each` for every item, yielding to the event loop after every `slice` items. */
export async function forEachSliced<T>(
  items: readonly T[],
  slice: number,
  each: (item: T, index: number) => void,
): Promise<void> {
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % slice === 0) await yieldToEventLoop();
    each(items[i] as T, i);
  }
}
