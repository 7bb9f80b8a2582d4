import type { ImmediateEvaluation } from '../controller/evaluation-loop.js';
import { policyScopeOf } from '../controller/policy-scope.js';
import type { DecidedPass } from '../controller/recent-decisions.js';
import type { PodAssessment, TargetAssessment } from '../detection/assessment.js';
import type { KubeObject } from '../kube/kube-object.js';

/** How the API shows assessments and decisions: plain JSON, times as RFC 3339, only what explains a verdict. */

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** A policy's kind: the API server sets it on custom resources; otherwise where it lives says. */
export const policyKindOf = (policy: KubeObject) =>
  policyScopeOf(policy).scope === 'Cluster' ? 'ClusterRemediationPolicy' : 'RemediationPolicy';

export function policyRefView(policy: KubeObject) {
  return {
    kind: policyKindOf(policy),
    ...(policy.metadata.namespace ? { namespace: policy.metadata.namespace } : {}),
    name: policy.metadata.name,
  };
}

function podView(pod: PodAssessment) {
  return {
    pod: pod.pod,
    state: pod.state,
    rules: pod.rules.map((r) => ({
      rule: r.rule,
      input: r.feature,
      operator: r.operator,
      threshold: r.threshold,
      observed: r.observed,
      firing: r.firing,
    })),
    ...(pod.ml
      ? { ml: { source: pod.ml.source, anomaly: pod.ml.anomaly, confidence: pod.ml.confidence } }
      : {}),
    ...(pod.mlPrediction ? { prediction: pod.mlPrediction } : {}),
    ...(pod.missing.length > 0 ? { missing: pod.missing } : {}),
  };
}

export function targetView(t: TargetAssessment) {
  return { ...t.target, state: t.state, pods: t.pods.map(podView) };
}

/** The decisions of a remediation pass, optionally only those about one target. */
export function decisionsView(
  pass: DecidedPass | undefined,
  only?: (target: { kind: string; namespace: string; name: string }) => boolean,
) {
  return (pass?.entries ?? [])
    .filter((e) => !only || only(e.target))
    .map((e) => ({
      time: e.time,
      target: e.target,
      step: e.step,
      result: e.note.kind,
      reason: e.note.reason,
      message: e.note.message,
      ...(e.note.action ? { action: e.note.action } : {}),
      ...(e.attempt ? { attempt: e.attempt } : {}),
      dryRun: e.dryRun,
    }));
}

/** One policy's immediate evaluation, as seen for the targets `isTarget` picks. */
export function evaluationView(
  policy: KubeObject | undefined,
  key: string,
  result: ImmediateEvaluation,
  pass: DecidedPass | undefined,
  isTarget: (t: TargetAssessment) => boolean,
) {
  const targets = result.assessment?.targets.filter(isTarget) ?? [];
  const names = new Set(targets.map((t) => `${t.target.kind}/${t.target.namespace}/${t.target.name}`));
  return {
    policy: policy ? policyRefView(policy) : { key },
    evaluated: result.evaluated,
    startedAt: iso(result.startedAtMs),
    ...(result.assessedAtMs !== undefined ? { assessedAt: iso(result.assessedAtMs) } : {}),
    ...(result.decidedAtMs !== undefined ? { decidedAt: iso(result.decidedAtMs) } : {}),
    targets: targets.map(targetView),
    decisions: decisionsView(pass, (t) => names.has(`${t.kind}/${t.namespace}/${t.name}`)),
    ...(result.remediationError ? { remediationError: result.remediationError } : {}),
    ...(result.assessment && result.assessment.problems.length > 0
      ? { problems: result.assessment.problems.map((p) => p.message) }
      : {}),
  };
}
