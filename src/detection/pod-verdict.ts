import type { AnomalyDecision } from '../ml/resilient-ml-service.js';
import { parseDuration } from '../policy/duration.js';
import type { PolicySpec } from '../policy/spec-schema.js';
import type { AssessmentState, MlFinding } from './assessment.js';
import type { RuleFinding } from './rule-tracker.js';

/**
 * Combines rules and the ML answer for one pod with complete data, per detection mode:
 * - Rules: a firing rule makes it anomalous;
 * - ML: the model's verdict at or above minConfidence; while the model is unavailable (the answer came from the
 *   local detector or the cache) the rules count too, as ADR-009's degradation asks;
 * - Hybrid: either.
 */
export function podVerdict(
  detection: PolicySpec['detection'],
  rules: readonly RuleFinding[],
  decision: AnomalyDecision | undefined,
  /** Keeps the ML verdict's own clock (RuleTracker.hold): the verdict counts once it held for `ml.for`. */
  holdMl: (holds: boolean) => number | undefined = (holds) => (holds ? Number.POSITIVE_INFINITY : undefined),
): { state: AssessmentState; ml?: MlFinding } {
  const ruleFires = rules.some((r) => r.firing);
  const ml =
    decision && decision.anomaly !== null
      ? {
          source: decision.source,
          anomaly: decision.anomaly,
          confidence: decision.confidence,
          note: decision.note,
        }
      : undefined;
  const mlSays = ml?.anomaly === true && ml.confidence >= mlThreshold(detection, ml.source);
  // ML verdicts persist like rules do: one anomalous answer is not yet an anomaly.
  const heldForMs = holdMl(mlSays);
  const mlFires = mlSays && heldForMs !== undefined && heldForMs >= parseDuration(detection.ml.for);
  if (ml && heldForMs !== undefined && Number.isFinite(heldForMs))
    Object.assign(ml, { heldForMs, firing: mlFires });
  const fromModel = decision?.source === 'ml';
  let anomalous: boolean;
  switch (detection.mode) {
    case 'Rules':
      anomalous = ruleFires;
      break;
    case 'ML':
      anomalous = fromModel ? mlFires : mlFires || ruleFires;
      break;
    case 'Hybrid':
      anomalous = mlFires || ruleFires;
      break;
  }
  const state = anomalous ? 'anomalous' : 'healthy';
  return ml ? { state, ml } : { state };
}

/**
 * The local detector's confidence is deliberately lower than a model's (it is a robust z-score, labelled as
 * such), so holding it to the model's minConfidence would silence the fallback entirely. It must still say
 * "anomaly"; its own threshold decides that.
 */
function mlThreshold(detection: PolicySpec['detection'], source: MlFinding['source']): number {
  return source === 'local' ? 0 : detection.ml.minConfidence;
}
