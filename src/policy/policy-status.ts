import { derivePhase, findCondition, setCondition } from './conditions.js';
import { parseDuration } from './duration.js';
import { Reason } from './reasons.js';
import type { DETECTION_MODES } from './spec-schema.js';
import {
  type Condition,
  type ConditionType,
  MAX_INSUFFICIENT_LISTED,
  MAX_INSUFFICIENT_REASON_LENGTH,
  type PolicyStatus,
  type ShadowTotals,
  type TargetsSummary,
  truncateText,
} from './status-types.js';
import type { TargetRef } from './target-selection.js';
import { describeErrors, type PolicyValidation } from './validate.js';

export type DependencyState = 'ok' | 'degraded' | 'down';
export interface DependencyReport {
  state: DependencyState;
  /** Why, for the Degraded condition, e.g. "not configured (PROMETHEUS_URL is unset)". */
  message: string;
}
export interface DependencyStates {
  prometheus: DependencyReport;
  mlService: DependencyReport;
}

/** The latest detection result for the policy (see src/detection), as the status needs it. */
export interface AssessmentInput {
  ranAtMs: number;
  targets: ReadonlyArray<{
    target: TargetRef;
    state: 'healthy' | 'anomalous' | 'insufficient_data';
    /** Why an insufficient_data target lacks data (src/detection/insufficient-data.ts). */
    insufficientReason?: string;
  }>;
  problems: ReadonlyArray<{ dependency: keyof DependencyStates; message: string }>;
  /** Shadow mode: that evaluation's targets counted by how the model and the rules compared. */
  shadow?: { agree: number; mlOnly: number; rulesOnly: number; unjudged: number };
}

export interface StatusInput {
  generation: number | undefined;
  previous: PolicyStatus;
  validation: PolicyValidation;
  targets: readonly TargetRef[];
  dependencies: DependencyStates;
  /** Absent until the evaluation loop has assessed this policy. */
  assessment?: AssessmentInput;
  now: number;
}

/** Values by target, looked up by kind, namespace and name in turn: no key string is made per target. */
class TargetIndex<V> {
  private readonly byKind = new Map<string, Map<string, Map<string, V>>>();

  set(t: TargetRef, value: V): void {
    let namespaces = this.byKind.get(t.kind);
    if (!namespaces) {
      namespaces = new Map();
      this.byKind.set(t.kind, namespaces);
    }
    let names = namespaces.get(t.namespace);
    if (!names) {
      names = new Map();
      namespaces.set(t.namespace, names);
    }
    names.set(t.name, value);
  }

  get(t: TargetRef): V | undefined {
    return this.byKind.get(t.kind)?.get(t.namespace)?.get(t.name);
  }
}

/** The reason of a target selected since the last evaluation (or before the first one). */
export const NOT_EVALUATED_YET = 'not evaluated yet: selected after the last evaluation';

/**
 * Counts the currently selected targets by their last assessed state. A target selected since the last
 * evaluation has not been judged yet, so it counts as lacking data, never as healthy. The first
 * MAX_INSUFFICIENT_LISTED insufficient-data targets are listed with their reason, so the status says why.
 */
function targetsSummary(
  targets: readonly TargetRef[],
  assessment: AssessmentInput | undefined,
): TargetsSummary {
  const assessed = new TargetIndex<AssessmentInput['targets'][number]>();
  for (const t of assessment?.targets ?? []) assessed.set(t.target, t);
  const summary = { total: targets.length, healthy: 0, anomalous: 0, insufficientData: 0 };
  const insufficient: NonNullable<TargetsSummary['insufficient']> = [];
  for (const target of targets) {
    const judged = assessed.get(target);
    const state = judged?.state ?? 'insufficient_data';
    if (state === 'healthy') summary.healthy++;
    else if (state === 'anomalous') summary.anomalous++;
    else {
      summary.insufficientData++;
      if (insufficient.length < MAX_INSUFFICIENT_LISTED) {
        const reason = judged ? (judged.insufficientReason ?? 'not judged') : NOT_EVALUATED_YET;
        insufficient.push({ ...target, reason: truncateText(reason, MAX_INSUFFICIENT_REASON_LENGTH) });
      }
    }
  }
  return insufficient.length > 0 ? { ...summary, insufficient } : summary;
}

/**
 * Shadow totals: the previous ones plus the new evaluation's counts, added once (only when lastEvaluationTime
 * moves, so a reconcile that sees the same assessment again adds nothing). An evaluation whose status was never
 * written before the next one replaced it is not counted here; the shadow_decisions_total metric counts every one.
 * Absent when shadow mode is off: turning it on again starts from zero.
 */
function shadowTotals(
  enabled: boolean,
  previous: PolicyStatus,
  assessment: AssessmentInput | undefined,
  evaluatedAt: string | undefined,
): ShadowTotals | undefined {
  if (!enabled) return undefined;
  const totals = { agree: 0, mlOnly: 0, rulesOnly: 0, unjudged: 0, ...previous.shadow };
  let lastUpdate = previous.shadow?.lastUpdate;
  if (assessment?.shadow && evaluatedAt !== undefined && evaluatedAt !== previous.lastEvaluationTime) {
    totals.agree += assessment.shadow.agree;
    totals.mlOnly += assessment.shadow.mlOnly;
    totals.rulesOnly += assessment.shadow.rulesOnly;
    totals.unjudged += assessment.shadow.unjudged;
    lastUpdate = evaluatedAt;
  }
  const judged = totals.agree + totals.mlOnly + totals.rulesOnly;
  return {
    agree: totals.agree,
    mlOnly: totals.mlOnly,
    rulesOnly: totals.rulesOnly,
    unjudged: totals.unjudged,
    agreement: `${totals.agree}/${judged}`,
    ...(lastUpdate ? { lastUpdate } : {}),
  };
}

export interface StatusDecision {
  status: PolicyStatus;
  /** True when this status carries a new assessment (lastEvaluationTime moved). */
  evaluated: boolean;
  /** When the policy should be looked at again even if nothing changes. */
  nextInMs: number;
}

/** How often an invalid policy is looked at anyway: it cannot change without an event, this is a safety net. */
export const INVALID_RECHECK_MS = 5 * 60_000;

const NEEDS: Record<(typeof DETECTION_MODES)[number], (keyof DependencyStates)[]> = {
  Rules: ['prometheus'],
  ML: ['prometheus', 'mlService'],
  Hybrid: ['prometheus', 'mlService'],
};

/**
 * Computes the status a policy should have, purely from its inputs. It is deterministic for unchanged inputs, so
 * the status writer can skip the write; lastEvaluationTime is the time of the assessment the evaluation loop made
 * for this generation, so it moves once per evaluation interval, never on every reconcile.
 */
export function buildPolicyStatus(input: StatusInput): StatusDecision {
  const { previous, validation, generation, now } = input;
  const nowIso = new Date(now).toISOString();
  let conditions: Condition[] = previous.conditions ?? [];
  const set = (type: ConditionType, status: Condition['status'], reason: string, message: string) => {
    conditions = setCondition(conditions, { type, status, reason, message }, nowIso, generation);
  };

  if (!validation.valid) {
    set('Ready', 'False', Reason.InvalidSpec, describeErrors(validation.errors));
    return {
      status: compact({
        ...previous,
        observedGeneration: generation,
        conditions,
        phase: derivePhase(conditions),
      }),
      evaluated: false,
      nextInMs: INVALID_RECHECK_MS,
    };
  }

  const { spec } = validation;
  const intervalMs = parseDuration(spec.evaluationInterval);

  const total = input.targets.length;
  set(
    'Ready',
    'True',
    Reason.Reconciled,
    `${total} target(s) selected; detection mode ${spec.detection.mode}`,
  );
  const problems = new Map<keyof DependencyStates, string>();
  for (const dep of NEEDS[spec.detection.mode]) {
    const report = input.dependencies[dep];
    if (report.state !== 'ok') problems.set(dep, `${dep} is ${report.state}: ${report.message}`);
  }
  // The cycle's own findings replace the generic report; several for one dependency (e.g. predictions missed and
  // the service degraded) are all kept, not the last one only.
  const assessed = new Set<keyof DependencyStates>();
  for (const problem of input.assessment?.problems ?? []) {
    if (!NEEDS[spec.detection.mode].includes(problem.dependency)) continue;
    const earlier = assessed.has(problem.dependency) ? problems.get(problem.dependency) : undefined;
    problems.set(problem.dependency, earlier ? `${earlier}; ${problem.message}` : problem.message);
    assessed.add(problem.dependency);
  }
  if (problems.size > 0) {
    // Without metrics nothing is judged at all, so that is the reason to show first.
    const reason = problems.has('prometheus') ? Reason.PrometheusUnavailable : Reason.MLServiceUnavailable;
    set('Degraded', 'True', reason, [...problems.values()].join('; '));
  } else {
    set('Degraded', 'False', Reason.DependenciesHealthy, 'detection dependencies are available');
  }
  if (spec.safety.paused) {
    set('Paused', 'True', Reason.Paused, spec.safety.pausedReason ?? 'paused without a reason');
  } else {
    set('Paused', 'False', Reason.NotPaused, '');
  }
  // Storm and escalation are decided by the remediation engine: keep what it set (at the current generation);
  // until it has run they are explicitly False.
  const storm = findCondition(conditions, 'StormActive');
  set('StormActive', storm?.status ?? 'False', storm?.reason ?? Reason.NoStorm, storm?.message ?? '');
  const escalated = findCondition(conditions, 'Escalated');
  set(
    'Escalated',
    escalated?.status ?? 'False',
    escalated?.reason ?? Reason.NotEscalated,
    escalated?.message ?? '',
  );

  // Only detection evaluates: the time moves when a new assessment exists, never merely on a reconcile.
  const lastEvaluationTime = input.assessment
    ? new Date(input.assessment.ranAtMs).toISOString()
    : previous.lastEvaluationTime;
  const status: PolicyStatus = {
    ...previous,
    observedGeneration: generation,
    conditions,
    phase: derivePhase(conditions),
    lastEvaluationTime,
    targets: targetsSummary(input.targets, input.assessment),
    shadow: shadowTotals(spec.detection.ml.shadow, previous, input.assessment, lastEvaluationTime),
  };
  return {
    status: compact(status),
    evaluated: status.lastEvaluationTime !== previous.lastEvaluationTime,
    nextInMs: intervalMs,
  };
}

/** Drops undefined fields so the status compares equal to what the API server returns. */
function compact(status: PolicyStatus): PolicyStatus {
  return JSON.parse(JSON.stringify(status)) as PolicyStatus;
}
