import { z } from 'zod';
import { DURATION_PATTERN } from './duration.js';

/**
 * The RemediationPolicy spec as the engine reads it. This is the boundary check for custom resources: the CRD's
 * openAPIV3Schema (crds/remediationpolicy.yaml) describes the same fields, enums, bounds and defaults, and
 * test/policy-crd-agreement.test.ts keeps the two in step. Defaults are applied here as well as by the API server,
 * so the engine never depends on server-side defaulting (older objects, other API servers).
 *
 * Defaults are conservative on purpose: a new policy observes and records (dryRun), touches one target at a time,
 * and backs off generously. Nested objects use prefault({}) so their own defaults apply when the block is omitted.
 */

const duration = z
  .string()
  .regex(new RegExp(DURATION_PATTERN), 'expected a duration such as 30s, 5m or 1h30m');

/** A replica count or a percentage of the selected targets ("60%"), as in PodDisruptionBudget. */
export const INT_OR_PERCENT_PATTERN = '^(100|[1-9]?[0-9])%$';
const intOrPercent = z.union([
  z.number().int().min(0),
  z.string().regex(new RegExp(INT_OR_PERCENT_PATTERN), 'expected an integer or a percentage such as 50%'),
]);

export const TARGET_KINDS = ['Deployment', 'StatefulSet', 'Pod'] as const;
export const DETECTION_MODES = ['rules', 'ml', 'hybrid'] as const;
export const RULE_OPERATORS = ['>', '>=', '<', '<=', '==', '!='] as const;
export const ML_ENDPOINTS = ['anomaly', 'prediction', 'pattern'] as const;
/** Rule inputs read from the pod's status in the informer cache, not from Prometheus (detection/status-signals.ts). */
export const STATUS_SIGNALS = [
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'OOMKilled',
  'NotReadySeconds',
  'RestartCount',
  'CPULimitRatio',
] as const;
export const ML_BACKENDS = ['rest', 'kserve'] as const;
export const ACTION_TYPES = [
  'restartPod',
  'rolloutRestart',
  'scale',
  'rollback',
  'nudgeOwner',
  'recommendOnly',
] as const;
export const OWNERSHIP_HANDLING = ['refuse', 'recommend', 'allowNonConflicting'] as const;
export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

const labelSelectorRequirement = z.object({
  key: z.string().min(1).max(317),
  operator: z.enum(SELECTOR_OPERATORS),
  values: z.array(z.string().max(63)).max(100).optional(),
});

export const labelSelectorSchema = z.object({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z.array(labelSelectorRequirement).max(20).optional(),
});

const exclusionSchema = z.object({
  kind: z.enum(TARGET_KINDS).optional(),
  namespace: z.string().min(1).max(63).optional(),
  name: z.string().min(1).max(253).optional(),
  selector: labelSelectorSchema.optional(),
});

const targetsSchema = z.object({
  namespaces: z.array(z.string().min(1).max(63)).max(50).default([]),
  selector: labelSelectorSchema.prefault({}),
  kinds: z.array(z.enum(TARGET_KINDS)).min(1).max(3).default(['Deployment', 'StatefulSet', 'Pod']),
  exclude: z.array(exclusionSchema).max(100).default([]),
});

/** A condition on exactly one input: a catalogue feature, or a status signal (validate.ts checks the "exactly"). */
const ruleSchema = z.object({
  name: z.string().min(1).max(63),
  feature: z.string().min(1).max(128).optional(),
  signal: z.enum(STATUS_SIGNALS).optional(),
  operator: z.enum(RULE_OPERATORS),
  value: z.number(),
  for: duration.default('2m'),
  keepFiringFor: duration.default('0s'),
});

const mlSchema = z.object({
  endpoints: z.array(z.enum(ML_ENDPOINTS)).min(1).max(3).default(['anomaly']),
  minConfidence: z.number().min(0).max(1).default(0.8),
  /** How long the ML verdict must say "anomaly" (at minConfidence) on every evaluation before it counts. */
  for: duration.default('2m'),
  backend: z.enum(ML_BACKENDS).default('rest'),
  model: z.string().min(1).max(253).optional(),
});

const detectionSchema = z.object({
  mode: z.enum(DETECTION_MODES).default('rules'),
  rules: z.array(ruleSchema).max(50).default([]),
  ml: mlSchema.prefault({}),
});

const scaleSchema = z.object({
  minReplicas: z.number().int().min(0).max(1000),
  maxReplicas: z.number().int().min(1).max(1000),
  step: z.number().int().min(1).max(100).default(1),
});

const actionSchema = z.object({
  type: z.enum(ACTION_TYPES),
  verificationWindow: duration.default('5m'),
  scale: scaleSchema.optional(),
});

const ownershipSchema = z.object({
  gitOps: z.enum(OWNERSHIP_HANDLING).default('recommend'),
  helm: z.enum(OWNERSHIP_HANDLING).default('recommend'),
  operator: z.enum(OWNERSHIP_HANDLING).default('refuse'),
});

const safetySchema = z.object({
  dryRun: z.boolean().default(true),
  paused: z.boolean().default(false),
  pausedReason: z.string().max(512).optional(),
  cooldown: duration.default('10m'),
  maxActionsPerHour: z.number().int().min(1).max(60).default(3),
  maxConcurrent: z.number().int().min(1).max(100).default(1),
  minHealthy: intOrPercent.default('50%'),
  stormThreshold: intOrPercent.default('30%'),
  stormCooldown: duration.default('15m'),
  maxAttempts: z.number().int().min(1).max(10).default(3),
  ownership: ownershipSchema.prefault({}),
});

export const policySpecSchema = z.object({
  targets: targetsSchema.prefault({}),
  evaluationInterval: duration.default('1m'),
  detection: detectionSchema.prefault({}),
  actions: z.array(actionSchema).max(10).default([]),
  safety: safetySchema.prefault({}),
});

export type PolicySpec = z.output<typeof policySpecSchema>;
export type PolicySpecInput = z.input<typeof policySpecSchema>;
export type LabelSelector = z.output<typeof labelSelectorSchema>;
export type TargetKind = (typeof TARGET_KINDS)[number];
export type ActionType = (typeof ACTION_TYPES)[number];
export type Rule = z.output<typeof ruleSchema>;
export type StatusSignal = (typeof STATUS_SIGNALS)[number];
export type Action = z.output<typeof actionSchema>;
export type Exclusion = z.output<typeof exclusionSchema>;
