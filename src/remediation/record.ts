import { z } from 'zod';
import { objectMetaSchema } from '../kube/kube-object.js';
import { FEATURE_COUNT } from '../metrics/feature-catalogue.js';

/**
 * The Remediation record (crds/remediation.yaml): one object per remediation episode of one target. This file is
 * the engine's view of it: types, the schema it is read back with, and pure helpers to change its status. Bounds
 * here mirror the CRD's so that what the engine writes is never refused by the API server.
 */

export const REMEDIATION_KIND = 'Remediation';
export const REMEDIATION_PLURAL = 'remediations';

export const MAX_ACTIONS = 20;
export const MAX_MESSAGE_LENGTH = 1024;
export const MAX_FEATURE_PODS = 200;
/** One value per catalogue feature (the ML service's 45-feature vector), null where a feature had no data. */
export const FEATURE_VALUES = FEATURE_COUNT;

export const REMEDIATION_PHASES = [
  'Pending',
  'Acting',
  'Verifying',
  'Succeeded',
  'Failed',
  'Escalated',
  'Recommended',
] as const;
export type RemediationPhase = (typeof REMEDIATION_PHASES)[number];

export const ACTION_RESULTS = ['Succeeded', 'Failed', 'Skipped', 'DryRun', 'Recommended'] as const;
export type ActionResult = (typeof ACTION_RESULTS)[number];

export const OUTCOMES = ['resolved', 'failed', 'escalated'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const POLICY_KINDS = ['RemediationPolicy', 'ClusterRemediationPolicy'] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

const shortText = z.string().max(63);
/** RFC 3339 as the API server checks `format: date-time`; a time that does not parse is no time at all. */
const time = z
  .string()
  .max(64)
  .refine((t) => Number.isFinite(Date.parse(t)), 'not an RFC 3339 time');
const uid = z.string().min(1).max(128);

export const policyRefSchema = z.object({
  kind: z.enum(POLICY_KINDS),
  name: z.string().min(1).max(253),
  namespace: z.string().max(63).optional(),
  uid,
});
export type PolicyRef = z.infer<typeof policyRefSchema>;

export const targetRefSchema = z.object({
  apiVersion: z.string().min(1).max(253),
  kind: z.string().min(1).max(63),
  namespace: z.string().min(1).max(63),
  name: z.string().min(1).max(253),
  uid,
});
export type TargetRef = z.infer<typeof targetRefSchema>;

export const remediationSpecSchema = z.object({
  policyRef: policyRefSchema,
  targetRef: targetRefSchema,
  dryRun: z.boolean().default(false),
});
export type RemediationSpec = z.infer<typeof remediationSpecSchema>;

export const intentSchema = z.object({
  id: z.string().min(1).max(64),
  step: shortText,
  action: shortText,
  time,
  podUid: z.string().max(128).optional(),
  pods: z
    .array(z.object({ name: z.string().max(253), uid: z.string().max(128) }))
    .max(100)
    .optional(),
  expected: z
    .record(z.string(), z.union([z.string(), z.number()]))
    .refine((e) => Object.keys(e).length <= 16, 'at most 16 expected values')
    .optional(),
});
export type Intent = z.infer<typeof intentSchema>;

export const actionEntrySchema = z.object({
  id: z.string().max(64),
  step: shortText,
  action: shortText,
  time,
  result: z.enum(ACTION_RESULTS),
  reason: shortText.optional(),
  message: z.string().max(MAX_MESSAGE_LENGTH).optional(),
});
export type ActionEntry = z.infer<typeof actionEntrySchema>;

export const decisionSchema = z.object({
  time: time.optional(),
  rules: z
    .array(
      z.object({
        pod: z.string().max(253).optional(),
        name: shortText,
        input: z.string().max(253).optional(),
        value: z.number().nullable().optional(),
      }),
    )
    .max(50)
    .default([]),
  ml: z
    .array(
      z.object({
        pod: z.string().max(253).optional(),
        source: z.string().max(253),
        anomaly: z.boolean().optional(),
        confidence: z.number().min(0).max(1).optional(),
      }),
    )
    .max(20)
    .default([]),
  /** Predicted issues that made pods at risk (detection/prediction.ts): acted on before the failure. */
  prediction: z
    .array(
      z.object({
        pod: z.string().max(253).optional(),
        issue: z.string().min(1).max(253),
        probability: z.number().min(0).max(1),
        timeToOccurrenceSeconds: z.number().min(0),
      }),
    )
    .max(20)
    .optional(),
  fallback: z.boolean().default(false),
  features: z
    .array(
      z.object({
        pod: z.string().max(253),
        podUid: z.string().max(128).optional(),
        values: z.array(z.number().nullable()).max(FEATURE_VALUES),
      }),
    )
    .max(MAX_FEATURE_PODS)
    .default([]),
});
export type Decision = z.infer<typeof decisionSchema>;

export const conditionSchema = z.object({
  type: z.enum(['Escalated', 'Verified']),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().max(MAX_MESSAGE_LENGTH).optional(),
  message: z.string().max(MAX_MESSAGE_LENGTH).optional(),
  lastTransitionTime: time,
});
export type RecordCondition = z.infer<typeof conditionSchema>;

export interface RemediationStatus {
  phase?: RemediationPhase;
  stepIndex?: number;
  step?: string;
  attempts?: number;
  startTime?: string;
  lastActionTime?: string;
  verifyDeadline?: string;
  completionTime?: string;
  lastSkip?: string;
  healthySince?: string;
  intent?: Intent;
  actions: ActionEntry[];
  decision?: Decision;
  outcome?: Outcome;
  conditions: RecordCondition[];
}

/** The status fields that are single values, each parsed on its own so one bad value loses only itself. */
const statusScalars = {
  phase: z.enum(REMEDIATION_PHASES),
  stepIndex: z.number().int().min(0),
  step: shortText,
  attempts: z.number().int().min(0),
  startTime: time,
  lastActionTime: time,
  verifyDeadline: time,
  completionTime: time,
  lastSkip: z.string().max(256),
  healthySince: time,
  outcome: z.enum(OUTCOMES),
} as const;

export type RecordMeta = z.infer<typeof objectMetaSchema>;

/** A Remediation as read back from the API server. */
export interface RemediationRecord {
  metadata: RecordMeta;
  /** Undefined only if the stored spec could not be read (then `problems` says why). */
  spec: RemediationSpec | undefined;
  status: RemediationStatus;
  /** Whether the episode is open (label coordination-engine.io/open is not "false"). */
  open: boolean;
  /** Fields that did not parse and were left out, as "path: why". Empty for a well-formed record. */
  problems: string[];
}

export const LABEL_POLICY = 'coordination-engine.io/policy';
export const LABEL_POLICY_KIND = 'coordination-engine.io/policy-kind';
export const LABEL_TARGET_UID = 'coordination-engine.io/target-uid';
export const LABEL_OPEN = 'coordination-engine.io/open';

/**
 * Reads a Remediation defensively: the record is what the engine remembers of an episode across restarts, so a
 * field written by a newer engine or edited by hand must cost only that field, never the episode. Each section
 * (spec, every status scalar, intent, each action entry, decision, each condition) is parsed on its own and
 * dropped with a problem noted when it does not parse. Undefined only when the object has no usable metadata.
 */
export function parseRemediation(raw: unknown): RemediationRecord | undefined {
  const object = asObject(raw);
  const meta = objectMetaSchema.safeParse(object?.metadata);
  if (!object || !meta.success) return undefined;
  const problems: string[] = [];
  const section = <T>(path: string, schema: z.ZodType<T>, value: unknown): T | undefined => {
    if (value === undefined) return undefined;
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    problems.push(`${path}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    return undefined;
  };

  const spec = section('spec', remediationSpecSchema, object.spec);
  if (object.spec === undefined) problems.push('spec: missing');

  const rawStatus = asObject(object.status) ?? {};
  const status: RemediationStatus = { actions: [], conditions: [] };
  for (const [key, schema] of Object.entries(statusScalars)) {
    const value = section(`status.${key}`, schema as z.ZodType<unknown>, rawStatus[key]);
    if (value !== undefined) (status as unknown as Record<string, unknown>)[key] = value;
  }
  const intent = section('status.intent', intentSchema, rawStatus.intent);
  if (intent) status.intent = intent;
  const decision = section('status.decision', decisionSchema, rawStatus.decision);
  if (decision) status.decision = decision;
  status.actions = eachOf('status.actions', actionEntrySchema, rawStatus.actions, section, problems);
  status.conditions = eachOf('status.conditions', conditionSchema, rawStatus.conditions, section, problems);

  return {
    metadata: meta.data,
    spec,
    status,
    open: meta.data.labels?.[LABEL_OPEN] !== 'false',
    problems,
  };
}

function eachOf<T>(
  path: string,
  schema: z.ZodType<T>,
  value: unknown,
  section: (path: string, schema: z.ZodType<T>, value: unknown) => T | undefined,
  problems: string[],
): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push(`${path}: not a list`);
    return [];
  }
  return value.flatMap((item, i) => {
    const parsed = section(`${path}[${i}]`, schema, item);
    return parsed === undefined ? [] : [parsed];
  });
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * Cuts a message to the CRD's limit. OpenAPI maxLength counts characters (code points, as the API server's
 * validator does), not UTF-16 units, so a message is cut between code points and never splits a surrogate pair.
 */
export function truncateMessage(message: string, max = MAX_MESSAGE_LENGTH): string {
  if (message.length <= max) return message;
  const points = Array.from(message);
  if (points.length <= max) return message;
  return `${points.slice(0, max - 1).join('')}…`;
}

/** A new status with `entry` appended (message cut to the limit), keeping the newest MAX_ACTIONS, newest last. */
export function appendAction(status: RemediationStatus, entry: ActionEntry): RemediationStatus {
  const bounded: ActionEntry =
    entry.message === undefined ? { ...entry } : { ...entry, message: truncateMessage(entry.message) };
  return { ...status, actions: [...status.actions, bounded].slice(-MAX_ACTIONS) };
}
