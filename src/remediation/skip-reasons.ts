import { boundMessage } from './messages.js';

/**
 * Why an action did not run. Each reason is an Event reason (UpperCamelCase, as Kubernetes reasons are) and is
 * recorded in the Remediation record; Events are deduplicated on target uid + step + reason, never on message.
 */
export const SkipReason = {
  // Gates, in evaluation order (see gates.ts).
  Paused: 'Paused',
  ProtectedNamespace: 'ProtectedNamespace',
  OptedOut: 'OptedOut',
  OwnedByGitOps: 'OwnedByGitOps',
  OwnedByHelm: 'OwnedByHelm',
  OwnedByOperator: 'OwnedByOperator',
  AutoscalerOwned: 'AutoscalerOwned',
  StormActive: 'StormActive',
  BlastRadius: 'BlastRadius',
  Cooldown: 'Cooldown',
  RateLimited: 'RateLimited',
  Concurrency: 'Concurrency',
  MaxAttempts: 'MaxAttempts',
  DryRun: 'DryRun',
  // Outside the gates: decided by detection, by the action itself, or by leadership.
  InsufficientData: 'InsufficientData',
  PartialData: 'PartialData',
  FallbackOnly: 'FallbackOnly',
  EvictionBlocked: 'EvictionBlocked',
  LeadershipLost: 'LeadershipLost',
  PreconditionFailed: 'PreconditionFailed',
  RecommendOnly: 'RecommendOnly',
  ExpectedPattern: 'ExpectedPattern',
} as const;

export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

export type EventType = 'Normal' | 'Warning';

export interface SkipReasonInfo {
  /** Warning when a person should look (something is held back or misbehaving); Normal when by design. */
  eventType: EventType;
  /** Whether the skip is recorded as a recommendation for a human instead of a plain skip. */
  recommend: boolean;
  /** Whether the episode escalates. */
  escalate: boolean;
  description: string;
}

/**
 * Defaults per reason. The ownership reasons describe the Refuse handling; with Recommend or
 * AllowNonConflicting handling gate 3 reports them as Normal recommendations instead (gates.ts).
 */
export const SKIP_REASONS: Readonly<Record<SkipReason, SkipReasonInfo>> = {
  Paused: {
    eventType: 'Normal',
    recommend: false,
    escalate: false,
    description: 'spec.safety.paused is true',
  },
  ProtectedNamespace: {
    eventType: 'Normal',
    recommend: false,
    escalate: false,
    description: 'the target is in a protected namespace (--protected-namespaces)',
  },
  OptedOut: {
    eventType: 'Normal',
    recommend: false,
    escalate: false,
    description: 'the workload or its namespace is labelled coordination-engine.io/remediation=disabled',
  },
  OwnedByGitOps: {
    eventType: 'Warning',
    recommend: false,
    escalate: false,
    description: 'Argo CD or Flux manages the workload',
  },
  OwnedByHelm: {
    eventType: 'Warning',
    recommend: false,
    escalate: false,
    description: 'Helm manages the workload',
  },
  OwnedByOperator: {
    eventType: 'Warning',
    recommend: false,
    escalate: false,
    description: 'the workload has a controller ownerReference (an operator manages it)',
  },
  AutoscalerOwned: {
    eventType: 'Warning',
    recommend: false,
    escalate: false,
    description: 'a HorizontalPodAutoscaler (or KEDA) scales the workload; Scale never fights it',
  },
  StormActive: {
    eventType: 'Warning',
    recommend: false,
    escalate: false,
    description: 'too many targets of the policy are anomalous at once',
  },
  BlastRadius: {
    eventType: 'Warning',
    recommend: false,
    escalate: false,
    description: 'acting would exceed maxUnhealthy targets unhealthy or under remediation',
  },
  Cooldown: {
    eventType: 'Normal',
    recommend: false,
    escalate: false,
    description: 'the target was acted on less than spec.safety.cooldown ago',
  },
  RateLimited: {
    eventType: 'Warning',
    recommend: false,
    escalate: false,
    description: 'the policy used maxActionsPerHour in the last 60 minutes',
  },
  Concurrency: {
    eventType: 'Normal',
    recommend: false,
    escalate: false,
    description: 'maxConcurrent episodes of the policy are acting or verifying',
  },
  MaxAttempts: {
    eventType: 'Warning',
    recommend: false,
    escalate: true,
    description: 'the episode used maxAttempts actions; it escalates to a human',
  },
  DryRun: {
    eventType: 'Normal',
    recommend: false,
    escalate: false,
    description: 'spec.safety.dryRun is true: recorded as "would <verb>", nothing mutated',
  },
  InsufficientData: {
    eventType: 'Normal',
    recommend: false,
    escalate: false,
    description: 'not enough data to judge the target',
  },
  PartialData: {
    eventType: 'Warning',
    recommend: false,
    escalate: false,
    description: 'the metrics query returned a partial response',
  },
  FallbackOnly: {
    eventType: 'Normal',
    recommend: true,
    escalate: false,
    description: 'only the local fallback detector found the anomaly and detection.ml.actOnFallback is false',
  },
  EvictionBlocked: {
    eventType: 'Warning',
    recommend: false,
    escalate: false,
    description: 'the Eviction API answered 429: a PodDisruptionBudget holds',
  },
  LeadershipLost: {
    eventType: 'Normal',
    recommend: false,
    escalate: false,
    description: 'this replica stopped leading before the action',
  },
  PreconditionFailed: {
    eventType: 'Normal',
    recommend: false,
    escalate: false,
    description: 'the target changed since the decision (uid or resourceVersion precondition)',
  },
  RecommendOnly: {
    eventType: 'Normal',
    recommend: true,
    escalate: false,
    description: 'the step is RecommendOnly: a recommendation is recorded',
  },
  ExpectedPattern: {
    eventType: 'Normal',
    recommend: false,
    escalate: false,
    description:
      'the ML pattern analysis explains the anomaly as a recurring pattern (e.g. a daily spike at this hour)',
  },
};

export interface SkipResult {
  reason: SkipReason;
  message: string;
  eventType: EventType;
  recommend: boolean;
  escalate?: boolean;
}

/** A skip with the reason's defaults, optionally overridden, its message bounded to 1 KiB. */
export function skipResult(
  reason: SkipReason,
  message: string,
  overrides: Partial<Pick<SkipResult, 'eventType' | 'recommend'>> = {},
): SkipResult {
  const info = SKIP_REASONS[reason];
  const result: SkipResult = {
    reason,
    message: boundMessage(message),
    eventType: overrides.eventType ?? info.eventType,
    recommend: overrides.recommend ?? info.recommend,
  };
  if (info.escalate) result.escalate = true;
  return result;
}
