import { z } from 'zod';

/**
 * RemediationPolicy and ClusterRemediationPolicy status. The engine writes it, but it is read back from the API
 * server, so it is parsed like any other external input (a hand-edited or older status must not crash the
 * reconciler).
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
  'Escalated',
] as const;
export type HistoryResult = (typeof HISTORY_RESULTS)[number];

/** History is bounded so status never approaches the object size limit; newest entry first. */
export const MAX_HISTORY = 20;
/** 1 KiB per history message: 20 entries stay far below the object size limit whatever the messages say. */
export const MAX_MESSAGE_LENGTH = 1024;
export const MAX_REASON_LENGTH = 128;
/** metav1.Condition's own bounds. */
export const MAX_CONDITION_MESSAGE_LENGTH = 32_768;
export const MAX_CONDITION_REASON_LENGTH = 1024;

/**
 * Cuts text to at most `max` characters (an ellipsis marks the cut). UTF-16 units bound the code points the API
 * server counts, and a surrogate pair is never split.
 */
export function truncateText(text: string, max = MAX_MESSAGE_LENGTH): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}

export const conditionSchema = z.object({
  type: z.string().min(1).max(316),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().max(MAX_CONDITION_REASON_LENGTH),
  message: z.string().max(MAX_CONDITION_MESSAGE_LENGTH).default(''),
  lastTransitionTime: z.string(),
  observedGeneration: z.number().int().min(0).optional(),
});
export type Condition = z.output<typeof conditionSchema>;

const targetRefSchema = z.object({
  kind: z.string().max(63),
  namespace: z.string().max(63),
  name: z.string().max(253),
});

export const historyEntrySchema = z.object({
  time: z.string(),
  target: targetRefSchema,
  /** The ladder step's name (spec.actions[].name). */
  step: z.string().max(63).optional(),
  /** The step's action type. */
  action: z.string().max(63),
  attempt: z.number().int().min(1).optional(),
  result: z.enum(HISTORY_RESULTS),
  dryRun: z.boolean().optional(),
  reason: z.string().max(MAX_REASON_LENGTH).optional(),
  message: z.string().max(MAX_MESSAGE_LENGTH).optional(),
});
export type HistoryEntry = z.output<typeof historyEntrySchema>;

/** The most recent action decision of the policy, for `kubectl get` (LAST ACTION) and a quick look. */
export const lastActionSchema = z.object({
  time: z.string(),
  target: targetRefSchema,
  step: z.string().max(63),
  action: z.string().max(63),
  result: z.enum(HISTORY_RESULTS),
  message: z.string().max(MAX_MESSAGE_LENGTH).optional(),
});
export type LastAction = z.output<typeof lastActionSchema>;

/** Totals since the policy was created; they only grow. */
export const countersSchema = z.object({
  actions: z.number().int().min(0),
  skips: z.number().int().min(0),
  escalations: z.number().int().min(0),
  succeeded: z.number().int().min(0),
  failed: z.number().int().min(0),
});
export type Counters = z.output<typeof countersSchema>;

/** Insufficient-data targets listed with their reason, at most this many (insufficientData counts them all). */
export const MAX_INSUFFICIENT_LISTED = 10;
export const MAX_INSUFFICIENT_REASON_LENGTH = 512;

export const targetsSummarySchema = z.object({
  total: z.number().int().min(0),
  healthy: z.number().int().min(0),
  anomalous: z.number().int().min(0),
  insufficientData: z.number().int().min(0),
  /** Why each insufficient-data target lacks data, e.g. "pod web-1: 5 of 45 features missing (…): …". */
  insufficient: z
    .array(targetRefSchema.extend({ reason: z.string().max(MAX_INSUFFICIENT_REASON_LENGTH) }))
    .max(MAX_INSUFFICIENT_LISTED)
    .optional(),
});
export type TargetsSummary = z.output<typeof targetsSummarySchema>;

/**
 * Shadow mode (spec.detection.ml.shadow): the model's verdicts compared with the rules', one count per target and
 * evaluation, summed since shadow mode was turned on. `agreement` is agree/(agree + mlOnly + rulesOnly), a string
 * because a printer column cannot compute it.
 */
export const shadowTotalsSchema = z.object({
  agree: z.number().int().min(0),
  mlOnly: z.number().int().min(0),
  rulesOnly: z.number().int().min(0),
  unjudged: z.number().int().min(0),
  agreement: z.string().max(64),
  lastUpdate: z.string().optional(),
});
export type ShadowTotals = z.output<typeof shadowTotalsSchema>;

export const policyStatusSchema = z.object({
  observedGeneration: z.number().int().min(0).optional(),
  phase: z.enum(PHASES).optional(),
  conditions: z.array(conditionSchema).optional(),
  lastEvaluationTime: z.string().optional(),
  targets: targetsSummarySchema.optional(),
  lastAction: lastActionSchema.optional(),
  counters: countersSchema.optional(),
  history: z.array(historyEntrySchema).max(MAX_HISTORY).optional(),
  shadow: shadowTotalsSchema.optional(),
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

/** Puts an entry in front of the history, its message and reason cut to their bounds, keeping MAX_HISTORY. */
export function prependHistory(
  history: readonly HistoryEntry[] | undefined,
  entry: HistoryEntry,
): HistoryEntry[] {
  const bounded: HistoryEntry = {
    ...entry,
    ...(entry.reason !== undefined ? { reason: truncateText(entry.reason, MAX_REASON_LENGTH) } : {}),
    ...(entry.message !== undefined ? { message: truncateText(entry.message) } : {}),
  };
  return [bounded, ...(history ?? [])].slice(0, MAX_HISTORY);
}

/** A lastAction with its message cut to its bound. */
export function boundedLastAction(action: LastAction): LastAction {
  return action.message === undefined ? action : { ...action, message: truncateText(action.message) };
}
