import { formatDuration } from '../policy/duration.js';
import type { PolicyAssessment, TargetAssessment } from './assessment.js';
import { significant } from './number-text.js';

export interface TargetTransition {
  target: TargetAssessment['target'];
  /**
   * `shadowAnomalous`: shadow mode's model now calls the target anomalous. Never a change of the target's state
   * (the rules alone set it); it is how the model's decision is recorded next to the rules' (AnomalyDetected).
   */
  to: 'anomalous' | 'recovered' | 'shadowAnomalous';
  /** Why, in words: the firing rules and ML verdicts of its anomalous pods. */
  message: string;
}

const targetKey = (t: TargetAssessment['target']) => `${t.kind}/${t.namespace}/${t.name}`;

function why(target: TargetAssessment): string {
  const reasons: string[] = [];
  for (const pod of target.pods.filter((p) => p.state === 'anomalous')) {
    for (const rule of pod.rules.filter((r) => r.firing)) {
      reasons.push(
        `pod ${pod.pod}: rule ${rule.rule} (${rule.feature} = ${significant(rule.observed)} ${rule.operator} ${rule.threshold} for ${formatDuration(rule.heldForMs)})`,
      );
    }
    // A shadow verdict is never a reason: the rules alone made the pod anomalous.
    if (pod.ml?.anomaly && pod.ml.firing !== false && !pod.ml.shadow)
      reasons.push(
        `pod ${pod.pod}: ${pod.ml.source} anomaly verdict (confidence ${significant(pod.ml.confidence)})`,
      );
    if (pod.mlPrediction) {
      const { issue, probability, timeToOccurrenceSeconds } = pod.mlPrediction;
      reasons.push(
        `pod ${pod.pod}: at risk, ${issue} predicted in ${formatDuration(timeToOccurrenceSeconds * 1000)} (probability ${significant(probability)})`,
      );
    }
  }
  return reasons.join('; ');
}

/** The shadow model's evidence on a target: its pods whose verdict fires, with the confidence. */
function shadowWhy(target: TargetAssessment): string {
  return target.pods
    .filter((p) => p.ml?.shadow && p.ml.firing)
    .map((p) => `pod ${p.pod}: confidence ${p.ml?.confidence.toFixed(2)}`)
    .join('; ');
}

const RULES_VIEW = {
  true: 'the rules agree',
  false: 'the rules do not (shadow mode: nothing is done about it)',
  null: 'the rules have no verdict (insufficient data)',
} as const;

/**
 * Targets whose verdict changed between two assessments of a policy: newly anomalous ones (with the evidence) and
 * ones that are healthy again. Only changes are reported, so a steady anomaly is one Event, not one per cycle.
 * A target that merely lacks data is neither: missing data is never news of an anomaly or of a recovery.
 * In shadow mode, a target the model newly calls anomalous is reported too, with whether the rules agree.
 */
export function targetTransitions(
  previous: PolicyAssessment | undefined,
  next: PolicyAssessment,
): TargetTransition[] {
  const before = new Map(previous?.targets.map((t) => [targetKey(t.target), t.state]) ?? []);
  const modelBefore = new Map(previous?.targets.map((t) => [targetKey(t.target), t.shadow?.mlSays]) ?? []);
  const transitions: TargetTransition[] = [];
  for (const target of next.targets) {
    const was = before.get(targetKey(target.target));
    const name = `${target.target.kind} ${target.target.namespace}/${target.target.name}`;
    if (target.state === 'anomalous' && was !== 'anomalous') {
      transitions.push({
        target: target.target,
        to: 'anomalous',
        message: `${name} is anomalous: ${why(target)}`,
      });
    } else if (target.state === 'healthy' && was === 'anomalous') {
      transitions.push({ target: target.target, to: 'recovered', message: `${name} is healthy again` });
    }
    if (target.shadow?.mlSays === true && modelBefore.get(targetKey(target.target)) !== true) {
      transitions.push({
        target: target.target,
        to: 'shadowAnomalous',
        message: `the shadow model calls ${name} anomalous (${shadowWhy(target)}); ${RULES_VIEW[`${target.shadow.rulesSay}`]}`,
      });
    }
  }
  return transitions;
}
