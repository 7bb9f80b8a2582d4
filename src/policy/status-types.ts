import { z } from 'zod';

/**
 * RemediationPolicy status. The engine writes it, but it is read back from the API server, so it is parsed like
 * any other external input (a hand-edited or older status must not crash the reconciler).
 */

export const CONDITION_TYPES = ['Ready', 'Degraded', 'Paused', 'StormActive', 'Escalated'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

export const PHASES = ['Pending', 'Active', 'Paused', 'Invalid', 'Degraded', 'Storm', 'Escalated'] as const;
export type Phase = (typeof PHASES)[number];

export const HISTORY_RESULTS = [
  'Succeeded',
  'Failed',
  'Verifying',
  'DryRun',
  'Recommended',
  'Skipped',
] as const;

/** History is bounded so status never approaches the object size limit; newest entry first. */
export const MAX_HISTORY = 20;

export const conditionSchema = z.object({
  type: z.string().min(1),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string(),
  message: z.string().default(''),
  lastTransitionTime: z.string(),
  observedGeneration: z.number().int().min(0).optional(),
});
export type Condition = z.output<typeof conditionSchema>;

const targetRefSchema = z.object({
  kind: z.string(),
  namespace: z.string(),
  name: z.string(),
});

export const historyEntrySchema = z.object({
  time: z.string(),
  target: targetRefSchema,
  action: z.string(),
  attempt: z.number().int().min(1).optional(),
  result: z.enum(HISTORY_RESULTS),
  dryRun: z.boolean().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});
export type HistoryEntry = z.output<typeof historyEntrySchema>;

export const targetsSummarySchema = z.object({
  total: z.number().int().min(0),
  healthy: z.number().int().min(0),
  anomalous: z.number().int().min(0),
  insufficientData: z.number().int().min(0),
});
export type TargetsSummary = z.output<typeof targetsSummarySchema>;

export const policyStatusSchema = z.object({
  observedGeneration: z.number().int().min(0).optional(),
  phase: z.enum(PHASES).optional(),
  conditions: z.array(conditionSchema).optional(),
  lastEvaluationTime: z.string().optional(),
  targets: targetsSummarySchema.optional(),
  history: z.array(historyEntrySchema).max(MAX_HISTORY).optional(),
});
export type PolicyStatus = z.output<typeof policyStatusSchema>;

/** The top-level status fields the engine owns: the only ones it writes, and the only ones it ever removes. */
export const OWNED_STATUS_FIELDS: readonly string[] = Object.keys(policyStatusSchema.shape);

/**
 * Reads a status from the API field by field: a malformed field (hand-edited, or written by another version) is
 * dropped on its own, and the valid fields are kept, so one bad field never wipes the conditions or targets.
 * Fields the engine does not know are ignored here, and left alone by the status writer.
 */
export function parseStatus(value: unknown): PolicyStatus {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const fields: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(policyStatusSchema.shape)) {
    const raw = (value as Record<string, unknown>)[key];
    if (raw === undefined) continue;
    const parsed = schema.safeParse(raw);
    if (parsed.success && parsed.data !== undefined) fields[key] = parsed.data;
  }
  return fields as PolicyStatus;
}
