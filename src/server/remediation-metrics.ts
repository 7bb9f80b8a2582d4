/**
 * Prometheus metrics of remediation (what the engine did, skipped and escalated). Label values come from fixed
 * lists: anything else is counted as "other", so a bug or free text can never grow the series without bound.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

/** Action types of spec.actions[].type. */
export const REMEDIATION_ACTIONS = [
  'RestartPod',
  'RolloutRestart',
  'Scale',
  'Rollback',
  'RecommendOnly',
] as const;

export const REMEDIATION_RESULTS = ['succeeded', 'failed', 'dry_run', 'recommended'] as const;
export type RemediationResult = (typeof REMEDIATION_RESULTS)[number];

/** Skip reasons of the remediation design: the gates in order, then the reasons outside the gate list. */
export const REMEDIATION_SKIP_REASONS = [
  'Paused',
  'ProtectedNamespace',
  'OptedOut',
  'OwnedByGitOps',
  'OwnedByHelm',
  'OwnedByOperator',
  'AutoscalerOwned',
  'StormActive',
  'BlastRadius',
  'Cooldown',
  'RateLimited',
  'Concurrency',
  'MaxAttempts',
  'DryRun',
  'InsufficientData',
  'PartialData',
  'FallbackOnly',
  'EvictionBlocked',
  'LeadershipLost',
  'PreconditionFailed',
  'RecommendOnly',
  'ExpectedPattern',
] as const;

export const OTHER_LABEL = 'other';

/** What the remediation runner reports; every method is cheap and never throws. */
export interface RemediationMetrics {
  /** An action ran (or was recorded as dry run / recommendation). Unknown action or result → "other". */
  acted(action: string, result: RemediationResult): void;
  /** A candidate action was skipped; unknown reasons → "other". */
  skipped(reason: string): void;
  /** Seconds from the episode's start to its resolution. */
  timeToRemediate(seconds: number): void;
  escalated(): void;
  /** One Event dropped by the per-object spam filter. */
  eventsDropped(): void;
}

const bounded = (allowed: readonly string[], value: string): string =>
  allowed.includes(value) ? value : OTHER_LABEL;

export function createRemediationMetrics(registry: Registry, prefix: string): RemediationMetrics {
  const registers = [registry];
  const actions = new Counter({
    name: `${prefix}remediations_total`,
    help: 'Remediation actions by action type and result (succeeded, failed, dry_run, recommended).',
    labelNames: ['action', 'result'],
    registers,
  });
  const skips = new Counter({
    name: `${prefix}remediation_skips_total`,
    help: 'Remediation actions not taken, by skip reason (a safety gate or a data problem).',
    labelNames: ['reason'],
    registers,
  });
  const timeToRemediate = new Histogram({
    name: `${prefix}time_to_remediate_seconds`,
    help: 'Time from the start of an episode (target anomalous) to its resolution.',
    buckets: [30, 60, 120, 180, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200],
    registers,
  });
  const escalations = new Counter({
    name: `${prefix}escalations_total`,
    help: 'Remediation episodes that exhausted their ladder or attempts and were handed to a human.',
    registers,
  });
  const dropped = new Counter({
    name: `${prefix}events_dropped_total`,
    help: 'Events not written because one object exceeded its budget (burst 25, then 1 per 5 minutes).',
    registers,
  });
  // Every known series exists from the start at 0, so rate() and absent() behave before the first action.
  for (const action of [...REMEDIATION_ACTIONS, OTHER_LABEL]) {
    for (const result of REMEDIATION_RESULTS) actions.labels(action, result).inc(0);
  }
  for (const reason of REMEDIATION_SKIP_REASONS) skips.labels(reason).inc(0);
  escalations.inc(0);
  dropped.inc(0);
  return {
    acted: (action, result) =>
      actions.labels(bounded(REMEDIATION_ACTIONS, action), bounded(REMEDIATION_RESULTS, result)).inc(),
    skipped: (reason) => skips.labels(bounded(REMEDIATION_SKIP_REASONS, reason)).inc(),
    timeToRemediate: (seconds) => {
      if (Number.isFinite(seconds) && seconds >= 0) timeToRemediate.observe(seconds);
    },
    escalated: () => escalations.inc(),
    eventsDropped: () => dropped.inc(),
  };
}
