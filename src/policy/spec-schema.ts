import { z } from 'zod';
import { DURATION_PATTERN } from './duration.js';

/**
 * The policy spec as the engine reads it, for both kinds: RemediationPolicy (namespaced) and
 * ClusterRemediationPolicy (cluster-scoped, the only one that may set targets.namespaceSelector; validate.ts
 * enforces that by scope). This is the boundary check for custom resources: the CRDs' openAPIV3Schemas
 * (crds/remediationpolicy.yaml, crds/clusterremediationpolicy.yaml) describe the same fields, enums, bounds and
 * defaults, and test/policy-crd-agreement.test.ts keeps them in step. Defaults are applied here as well as by the
 * API server, so the engine never depends on server-side defaulting (older objects, other API servers).
 *
 * Defaults are conservative on purpose: a new policy observes and records (dryRun), touches one target at a time,
 * and backs off generously. Nested objects use prefault({}) so their own defaults apply when the block is omitted.
 */

/** Long enough for any sensible duration, short enough that the API server can bound the cost of CEL rules. */
export const DURATION_MAX_LENGTH = 32;
const duration = z
  .string()
  .max(DURATION_MAX_LENGTH)
  .regex(new RegExp(DURATION_PATTERN), 'expected a duration such as 30s, 5m or 1h30m');

/**
 * A count or a percentage ("60%"), as in PodDisruptionBudget. Zero is not offered: "never" is what paused or a
 * shorter ladder say, and a 0 here would silently disable the policy.
 */
export const INT_OR_PERCENT_PATTERN = '^(100|[1-9][0-9]?)%$';
const intOrPercent = z.union([
  z.number().int().min(1),
  z
    .string()
    .regex(new RegExp(INT_OR_PERCENT_PATTERN), 'expected a positive integer or a percentage such as 50%'),
]);

/** RFC 1123 label, as for a container or port name: step names appear in Events, records and object names. */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

export const TARGET_KINDS = ['Deployment', 'StatefulSet', 'Pod'] as const;
export const DETECTION_MODES = ['Rules', 'ML', 'Hybrid'] as const;
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
export const ACTION_TYPES = ['RestartPod', 'RolloutRestart', 'Scale', 'Rollback', 'RecommendOnly'] as const;
export const OWNERSHIP_HANDLING = ['Refuse', 'Recommend', 'AllowNonConflicting'] as const;
export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

const labelSelectorRequirement = z.object({
  key: z.string().min(1).max(317),
  operator: z.enum(SELECTOR_OPERATORS),
  values: z.array(z.string().max(63)).max(100).optional(),
});

export const labelSelectorSchema = z.object({
  matchLabels: z.record(z.string().max(317), z.string().max(63)).optional(),
  matchExpressions: z.array(labelSelectorRequirement).max(20).optional(),
});

const exclusionSchema = z.object({
  kind: z.enum(TARGET_KINDS).optional(),
  namespace: z.string().min(1).max(63).optional(),
  name: z.string().min(1).max(253).optional(),
  selector: labelSelectorSchema.optional(),
});

const targetsSchema = z.object({
  selector: labelSelectorSchema.prefault({}),
  kinds: z.array(z.enum(TARGET_KINDS)).min(1).max(3).default(['Deployment', 'StatefulSet', 'Pod']),
  exclude: z.array(exclusionSchema).max(100).default([]),
  /** ClusterRemediationPolicy only: which namespaces (by their labels) are covered; absent or empty = all. */
  namespaceSelector: labelSelectorSchema.optional(),
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
  /** Whether a finding only the local fallback detector made may lead to an action (else: a recommendation). */
  actOnFallback: z.boolean().default(false),
  /**
   * Shadow mode (mode Rules only, validate.ts): the model's anomaly verdicts are computed, held for `for` at
   * minConfidence and compared with the rules, but never change a target's state, so they can never lead to an
   * action. The agreement is counted in the status and in metrics, to judge a model before trusting it.
   */
  shadow: z.boolean().default(false),
  /**
   * Pattern analysis (when `pattern` is in endpoints): before acting, the target's history over `window` is sent
   * to the ML service; an anomaly a recurring pattern explains at minConfidence is expected, not acted on.
   */
  pattern: z
    .object({
      window: duration.default('72h'),
      minConfidence: z.number().min(0).max(1).default(0.8),
    })
    .prefault({}),
  /**
   * Used when `prediction` is in endpoints (mode ML or Hybrid): a pod whose memory trends towards its limit or
   * whose restarts accelerate is sent to the prediction endpoint; a predicted issue with probability at least
   * minConfidence (default: ml.minConfidence) due within horizon makes the pod at risk, i.e. anomalous, so it is
   * remediated before the failure (through the same ladder and gates).
   */
  prediction: z
    .object({
      horizon: duration.default('30m'),
      minConfidence: z.number().min(0).max(1).optional(),
    })
    .prefault({}),
});

const detectionSchema = z.object({
  mode: z.enum(DETECTION_MODES).default('Rules'),
  rules: z.array(ruleSchema).max(50).default([]),
  ml: mlSchema.prefault({}),
});

const restartPodSchema = z.object({
  /** Pods of one workload restarted by one action: a count or a percentage of the workload's replicas. */
  maxUnavailable: intOrPercent.default(1),
});

const scaleSchema = z.object({
  minReplicas: z.number().int().min(0).max(1000),
  maxReplicas: z.number().int().min(1).max(1000),
  step: z.number().int().min(1).max(100).default(1),
});

const rollbackSchema = z.object({
  /** Absent: the previous revision, as `kubectl rollout undo` without --to-revision. */
  toRevision: z.number().int().min(1).optional(),
});

/** One step of the ladder. Only the option block of its own type may be set (validate.ts, CRD CEL rules). */
const actionSchema = z.object({
  name: z
    .string()
    .min(1)
    .max(63)
    .regex(new RegExp(DNS_LABEL_PATTERN), 'expected a DNS label: lower case letters, digits and "-"'),
  type: z.enum(ACTION_TYPES),
  verificationWindow: duration.default('5m'),
  restartPod: restartPodSchema.optional(),
  scale: scaleSchema.optional(),
  rollback: rollbackSchema.optional(),
});

const ownershipSchema = z.object({
  gitOps: z.enum(OWNERSHIP_HANDLING).default('Recommend'),
  helm: z.enum(OWNERSHIP_HANDLING).default('Recommend'),
  operator: z.enum(OWNERSHIP_HANDLING).default('Refuse'),
});

const stormSchema = z.object({
  /** Anomalous targets (count or percentage of the selected ones) that make a storm... */
  threshold: intOrPercent.default('50%'),
  /** ...but never fewer than this many, so small policies never storm. */
  minTargets: z.number().int().min(2).max(10_000).default(4),
  /** How long the count must stay below the trigger before the storm is over. */
  cooldown: duration.default('15m'),
});

const safetySchema = z.object({
  dryRun: z.boolean().default(true),
  paused: z.boolean().default(false),
  pausedReason: z.string().max(512).optional(),
  cooldown: duration.default('10m'),
  maxActionsPerHour: z.number().int().min(1).max(60).default(3),
  maxConcurrent: z.number().int().min(1).max(100).default(1),
  maxUnhealthy: intOrPercent.default('50%'),
  storm: stormSchema.prefault({}),
  maxAttempts: z.number().int().min(1).max(10).default(3),
  ownership: ownershipSchema.prefault({}),
});

export const policySpecSchema = z.object({
  targets: targetsSchema.prefault({}),
  evaluationInterval: duration.default('1m'),
  detection: detectionSchema.prefault({}),
  actions: z.array(actionSchema).max(10).default([]),
  safety: safetySchema.prefault({}),
  /** How long completed Remediation records are kept. */
  recordRetention: duration.default('168h'),
});

export type PolicySpec = z.output<typeof policySpecSchema>;
export type PolicySpecInput = z.input<typeof policySpecSchema>;
export type LabelSelector = z.output<typeof labelSelectorSchema>;
export type TargetKind = (typeof TARGET_KINDS)[number];
export type DetectionMode = (typeof DETECTION_MODES)[number];
export type ActionType = (typeof ACTION_TYPES)[number];
export type OwnershipHandling = (typeof OWNERSHIP_HANDLING)[number];
export type Rule = z.output<typeof ruleSchema>;
export type StatusSignal = (typeof STATUS_SIGNALS)[number];
export type Action = z.output<typeof actionSchema>;
export type Exclusion = z.output<typeof exclusionSchema>;
