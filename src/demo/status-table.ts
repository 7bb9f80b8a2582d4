import { z } from 'zod';

/** The part of a RemediationPolicy the demo shows; validated because it comes over HTTP from the API server. */
const conditionSchema = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string(),
  message: z.string().optional(),
});
export const policyViewSchema = z.object({
  metadata: z.object({ name: z.string() }),
  status: z
    .object({
      phase: z.string().optional(),
      lastEvaluationTime: z.string().optional(),
      targets: z
        .object({
          total: z.number(),
          healthy: z.number(),
          anomalous: z.number(),
          insufficientData: z.number(),
        })
        .optional(),
      conditions: z.array(conditionSchema).optional(),
    })
    .optional(),
});
export type PolicyView = z.infer<typeof policyViewSchema>;

export function condition(policy: PolicyView, type: string) {
  return policy.status?.conditions?.find((c) => c.type === type);
}

const HEADER = [
  'POLICY',
  'PHASE',
  'READY',
  'DEGRADED',
  'TOTAL',
  'HEALTHY',
  'ANOMALOUS',
  'INSUFFICIENT',
  'LAST EVAL',
];

function ago(iso: string | undefined, nowMs: number): string {
  if (!iso) return '-';
  const seconds = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
  return `${seconds}s ago`;
}

function row(policy: PolicyView, nowMs: number): string[] {
  const ready = condition(policy, 'Ready');
  const degraded = condition(policy, 'Degraded');
  const targets = policy.status?.targets;
  const count = (n: number | undefined) => (n === undefined ? '-' : String(n));
  return [
    policy.metadata.name,
    policy.status?.phase ?? '-',
    ready ? `${ready.status} ${ready.reason}` : '-',
    degraded ? `${degraded.status} ${degraded.reason}` : '-',
    count(targets?.total),
    count(targets?.healthy),
    count(targets?.anomalous),
    count(targets?.insufficientData),
    ago(policy.status?.lastEvaluationTime, nowMs),
  ];
}

/** `kubectl get`-style columns: left-aligned text, right-aligned counts, two spaces between. */
export function formatTable(policies: readonly PolicyView[], nowMs: number): string[] {
  const rows = [HEADER, ...policies.map((p) => row(p, nowMs))];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const numeric = (i: number) => i >= 4 && i <= 7;
  return rows.map((r) =>
    r
      .map((cell, i) => (numeric(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}
