/**
 * Kubernetes IntOrString as used by PodDisruptionBudgets: a non-negative integer, or a string of digits followed
 * by "%" (0–100). The policy schema validates these first; the checks here are defence, so a bad value that slips
 * through fails loudly instead of silently allowing everything.
 */
export type IntOrPercent = number | string;

const PERCENT_RE = /^([0-9]+)%$/;

/** The value as either a count or a percentage; throws naming the value when it is malformed. */
export function parseIntOrPercent(
  value: IntOrPercent,
): { kind: 'int'; count: number } | { kind: 'percent'; percent: number } {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new Error(
        `invalid int-or-percent ${JSON.stringify(value)}: expected a non-negative integer or "N%"`,
      );
    }
    return { kind: 'int', count: value };
  }
  if (typeof value !== 'string') {
    throw new Error(
      `invalid int-or-percent ${JSON.stringify(value)}: expected a non-negative integer or "N%"`,
    );
  }
  const match = PERCENT_RE.exec(value);
  const percent = match ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(percent) || percent > 100) {
    throw new Error(
      `invalid int-or-percent ${JSON.stringify(value)}: expected a non-negative integer or "N%" with N ≤ 100`,
    );
  }
  return { kind: 'percent', percent };
}

/**
 * Resolves the value against `total` the way the disruption controller does for a PDB's maxUnavailable:
 * an integer is taken as is, a percentage of `total` is rounded UP (so 50% of 1 is 1, 25% of 10 is 3).
 */
export function resolveIntOrPercent(value: IntOrPercent, total: number): number {
  if (!Number.isSafeInteger(total) || total < 0) {
    throw new Error(
      `invalid total ${total} for int-or-percent ${JSON.stringify(value)}: expected a non-negative integer`,
    );
  }
  const parsed = parseIntOrPercent(value);
  if (parsed.kind === 'int') return parsed.count;
  // Integer arithmetic: percent × total is exact, and ceil of an exact quotient avoids 0.1-style float drift.
  return Math.ceil((parsed.percent * total) / 100);
}

/** How the value reads in messages: `50%` or `2`. */
export function formatIntOrPercent(value: IntOrPercent): string {
  return typeof value === 'number' ? String(value) : value;
}
