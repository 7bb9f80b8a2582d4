/**
 * Durations in policies use the Go/Kubernetes spelling ("500ms", "30s", "5m", "1h30m") so they read the same as
 * every other manifest a cluster operator writes. Integers only: fractional units invite rounding surprises.
 */
export const DURATION_PATTERN = '^([0-9]+(ms|s|m|h))+$';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION_RE = new RegExp(DURATION_PATTERN);
const PART_RE = /([0-9]+)(ms|s|m|h)/g;

export function isDuration(text: string): boolean {
  return DURATION_RE.test(text);
}

// Detection reads the same few durations (a rule's `for`, keepFiringFor) for every pod of every cycle.
const parsed = new Map<string, number>();
const PARSED_LIMIT = 1_000;

/** Milliseconds for a duration string; throws naming the text when it is not a duration. */
export function parseDuration(text: string): number {
  const known = parsed.get(text);
  if (known !== undefined) return known;
  const ms = parseUncached(text);
  if (parsed.size >= PARSED_LIMIT) parsed.clear();
  parsed.set(text, ms);
  return ms;
}

function parseUncached(text: string): number {
  if (!DURATION_RE.test(text)) {
    throw new Error(`"${text}" is not a duration (expected e.g. 500ms, 30s, 5m, 1h30m)`);
  }
  let total = 0;
  for (const match of text.matchAll(PART_RE)) {
    const unit = UNIT_MS[match[2] ?? ''];
    if (unit === undefined) throw new Error(`"${text}" has an unknown unit`);
    total += Number(match[1]) * unit;
  }
  return total;
}

/** Inverse of parseDuration for messages: 90000 -> "1m30s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
