import type { AnomalyDecision } from '../ml/resilient-ml-service.js';
import { parseDuration } from '../policy/duration.js';
import type { PolicySpec } from '../policy/spec-schema.js';
import type {
  AssessmentState,
  MlFinding,
  PodAssessment,
  ShadowComparison,
  ShadowTally,
  TargetAssessment,
} from './assessment.js';

/**
 * Shadow mode (spec.detection.ml.shadow, mode Rules only): the model's anomaly verdict is judged exactly as in ML
 * mode (minConfidence, held for ml.for) and compared with the rules, but it never becomes part of a pod's or a
 * target's state, so remediation (which acts on that state) can never act on it.
 *
 * Only the model's own answers count. The local fallback detector and cached answers are not the model being
 * evaluated: a pod answered by them has no shadow verdict, and its target counts as unjudged. Their answers are
 * not recorded either, and do not touch the verdict's hold clock (a long outage resets it by the gap rule).
 */
export function shadowFinding(
  detection: PolicySpec['detection'],
  decision: AnomalyDecision | undefined,
  /** The verdict's own clock (RuleTracker.hold), as in ML mode. */
  holdMl: (holds: boolean) => number | undefined,
): MlFinding | undefined {
  if (decision?.source !== 'ml' || decision.anomaly === null) return undefined;
  const says = decision.anomaly && decision.confidence >= detection.ml.minConfidence;
  const heldForMs = holdMl(says);
  const firing = says && heldForMs !== undefined && heldForMs >= parseDuration(detection.ml.for);
  return {
    source: decision.source,
    anomaly: decision.anomaly,
    confidence: decision.confidence,
    note: decision.note,
    ...(heldForMs !== undefined && Number.isFinite(heldForMs) ? { heldForMs } : {}),
    firing,
    shadow: true,
  };
}

/** What the model says about a pod in shadow mode: anomalous, not, or null (no verdict of its own). */
function podMlSays(pod: PodAssessment): boolean | null {
  return pod.ml?.shadow === true ? pod.ml.firing === true : null;
}

/**
 * Compares the model with the rules on one target. The model calls a workload anomalous when any pod's verdict
 * fires (as the rules' target state does), and healthy only when every pod has a verdict and none fires.
 */
export function compareShadow(state: AssessmentState, pods: readonly PodAssessment[]): ShadowComparison {
  const rulesSay = state === 'insufficient_data' ? null : state === 'anomalous';
  const verdicts = pods.map(podMlSays);
  const mlSays = verdicts.includes(true)
    ? true
    : pods.length > 0 && verdicts.every((v) => v === false)
      ? false
      : null;
  const agreement =
    rulesSay === null || mlSays === null
      ? 'unjudged'
      : rulesSay === mlSays
        ? 'agree'
        : mlSays
          ? 'mlOnly'
          : 'rulesOnly';
  return { rulesSay, mlSays, agreement };
}

export function tallyShadow(targets: readonly TargetAssessment[]): ShadowTally {
  const tally: ShadowTally = { agree: 0, mlOnly: 0, rulesOnly: 0, unjudged: 0 };
  for (const t of targets) if (t.shadow) tally[t.shadow.agreement]++;
  return tally;
}
