/** What a remediation decision rests on, and what the gates say about a step now: helpers of the runner. */
import type { TargetAssessment } from '../detection/assessment.js';
import type { EpisodeStatus, GateVerdict, LadderStep } from '../remediation/episode.js';

/** The gates' refusal of a step of the ladder now, if they refuse it. */
export function refusal(
  gate: (step: LadderStep, episode: EpisodeStatus) => GateVerdict,
  ladder: readonly LadderStep[],
  stepName: string,
  episode: EpisodeStatus,
): Extract<GateVerdict, { allowed: false }> | undefined {
  const step = ladder.find((s) => s.name === stepName);
  if (!step) return undefined;
  const verdict = gate(step, episode);
  return verdict.allowed ? undefined : verdict;
}

/** Anomalous only by the fallback detector or a cached answer: no firing rule, no live model verdict. */
export function fallbackOnly(target: TargetAssessment): boolean {
  const anomalous = target.pods.filter((p) => p.state === 'anomalous');
  if (anomalous.length === 0) return false;
  // A live prediction (prediction.ts admits only those) is model evidence, whatever the anomaly answer's source.
  return anomalous.every(
    (p) =>
      !p.rules.some((r) => r.firing) &&
      p.mlPrediction === undefined &&
      p.ml !== undefined &&
      p.ml.source !== 'ml',
  );
}

/** What the decision rested on: the training example the next issue needs (rules, ML answers, the vectors). */
/** The Remediation CRD's bounds on a decision: a large workload keeps its anomalous pods' evidence first. */
const DECISION_LIMITS = { rules: 50, ml: 20, prediction: 20, features: 200 } as const;

export function decisionOf(target: TargetAssessment, nowMs: number) {
  const pods = [...target.pods].sort(
    (a, b) => Number(b.state === 'anomalous') - Number(a.state === 'anomalous'),
  );
  return {
    time: new Date(nowMs).toISOString(),
    state: target.state,
    rules: pods
      .flatMap((p) =>
        p.rules
          .filter((r) => r.firing)
          .map((r) => ({ pod: p.pod, name: r.rule, input: r.feature, value: r.observed })),
      )
      .slice(0, DECISION_LIMITS.rules),
    ml: pods
      .flatMap((p) =>
        // A shadow verdict was never part of the decision (it is compared, not acted on).
        p.ml && !p.ml.shadow
          ? [{ pod: p.pod, source: p.ml.source, anomaly: p.ml.anomaly, confidence: p.ml.confidence }]
          : [],
      )
      .slice(0, DECISION_LIMITS.ml),
    // The predicted issues that made pods at risk: why an episode acted before any failure.
    prediction: pods
      .flatMap((p) => (p.mlPrediction ? [{ pod: p.pod, ...p.mlPrediction }] : []))
      .slice(0, DECISION_LIMITS.prediction),
    fallback: fallbackOnly(target),
    features: pods
      .flatMap((p) =>
        p.values ? [{ pod: p.pod, ...(p.uid ? { podUid: p.uid } : {}), values: p.values.toNullable() }] : [],
      )
      .slice(0, DECISION_LIMITS.features),
  };
}
