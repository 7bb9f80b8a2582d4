/**
 * How long one episode may be stood down on a recurring pattern (skip reason ExpectedPattern) before the engine
 * acts anyway. A daily spike at its usual hour passes well within it; anything that keeps an anomaly "expected"
 * for longer (a pattern that fits an incident, a model that is wrong) must not suppress a real incident forever.
 */
export const MAX_STAND_DOWN_MS = 2 * 60 * 60_000;

interface ActionEntryLike {
  result: string;
  reason?: string;
  time: string;
}

/** When this episode was first stood down on a pattern (ms), or undefined if it never was. */
export function standDownSince(actions: readonly ActionEntryLike[] | undefined): number | undefined {
  let since: number | undefined;
  for (const a of actions ?? []) {
    if (a.result !== 'Skipped' || a.reason !== 'ExpectedPattern') continue;
    const at = Date.parse(a.time);
    if (Number.isFinite(at) && (since === undefined || at < since)) since = at;
  }
  return since;
}

/** Undefined while a stand-down may go on; otherwise why it may not (the engine then acts and says so). */
export function standDownOverstayed(
  actions: readonly ActionEntryLike[] | undefined,
  nowMs: number,
  maxMs = MAX_STAND_DOWN_MS,
): string | undefined {
  const since = standDownSince(actions);
  if (since === undefined || nowMs - since <= maxMs) return undefined;
  const minutes = Math.round((nowMs - since) / 60_000);
  return `stood down on a recurring pattern since ${new Date(since).toISOString()} (${minutes} min), longer than the ${maxMs / 60_000} min a pattern may hold an action back: acting`;
}
