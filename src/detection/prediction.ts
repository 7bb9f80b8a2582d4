/**
 * Prediction: act before the failure. A pod whose memory climbs towards its limit, or whose restarts accelerate,
 * is a candidate; its recent series goes to the ML service's prediction endpoint (ADR-009 shape). A predicted
 * issue probable enough and due within the policy's horizon makes the pod at risk: anomalous, with the
 * prediction as its evidence. Only candidates are ever sent, and one pod's answer is reused for a while (the
 * service's prediction cache), so the cost does not grow with every pod every cycle.
 *
 * The series comes from the feature vector already built this cycle, no extra query: for each signal the points
 * at t-5m (`lag_5`), t-1m (`lag_1`) and t (`value`), named after the signal, which is what a trend fit needs.
 */
import type { FeatureName } from '../metrics/feature-catalogue.js';
import { featureIndex } from '../metrics/feature-catalogue.js';
import { LAG_1_MS, LAG_5_MS } from '../metrics/feature-statistics.js';
import type { PodFeatureVector } from '../metrics/feature-vector.js';
import type { MetricPoint, PredictionRequest } from '../ml/contract.js';
import type { PredictionDecision } from '../ml/resilient-ml-service.js';
import { parseDuration } from '../policy/duration.js';
import type { PolicySpec } from '../policy/spec-schema.js';

/** The ML side as prediction needs it: ResilientMlService in the engine. */
export interface IssuePredictor {
  predictIssues(
    key: string,
    request: PredictionRequest,
    options?: { reuseWithinMs?: number },
  ): Promise<PredictionDecision>;
}

/** What made a pod at risk: kept on its assessment and in a remediation's decision. */
export interface PredictionFinding {
  issue: string;
  probability: number;
  timeToOccurrenceSeconds: number;
}

/** A pod is a candidate when its memory is at least this fraction of its limit and still rising. */
export const MEMORY_CANDIDATE_RATIO = 0.5;
/** ... or when it restarted at least this many times in the last 5 minutes (restarts accelerating). */
export const RESTART_CANDIDATE_COUNT = 2;
/** How long one pod's prediction is reused before the service is asked again: trends move slowly. */
export const PREDICTION_REUSE_MS = 2 * 60_000;

const feature = (v: PodFeatureVector, name: FeatureName): number | undefined => {
  return v.features.valueAt(featureIndex(name));
};

/** Whether a policy consults the prediction endpoint (validate.ts allows it in ML and Hybrid mode only). */
export function usesPrediction(spec: PolicySpec): boolean {
  return spec.detection.mode !== 'Rules' && spec.detection.ml.endpoints.includes('prediction');
}

/** Restarts in the last 5 minutes, when the vector has both points. */
function recentRestarts(v: PodFeatureVector): number | undefined {
  const now = feature(v, 'container_restart_count.value');
  const before = feature(v, 'container_restart_count.lag_5');
  return now === undefined || before === undefined ? undefined : Math.max(0, now - before);
}

/**
 * Memory trending towards the limit, or restarts accelerating: the only pods worth a prediction call. Trending
 * means all of: at least MEMORY_CANDIDATE_RATIO of the limit; still rising in the last minute; a climb, not a
 * wobble, over the five-minute window (the newest sample at the window's top and the oldest at its bottom, within
 * ENVELOPE_TOLERANCE of the rise: a leak's ramp is exactly that, a steady pod's noise only by chance); and that
 * rise, continued in a straight line, reaching the limit within CANDIDATE_HORIZON_FACTOR × the policy's horizon.
 * Without the last two, about half of a steady fleet near 60% was "rising" at any moment, and the calls grew with
 * the pods instead of with the pods in trouble.
 */
export function isPredictionCandidate(v: PodFeatureVector, horizonMs: number): boolean {
  if (v.state !== 'complete') return false;
  return memoryTrending(v, horizonMs) || (recentRestarts(v) ?? 0) >= RESTART_CANDIDATE_COUNT;
}

/** How far (as a share of the rise) the window's top and bottom may lie beyond its newest and oldest samples. */
export const ENVELOPE_TOLERANCE = 0.25;
/** A linear projection reaching the limit within this multiple of the horizon is worth asking the model about. */
export const CANDIDATE_HORIZON_FACTOR = 2;

function memoryTrending(v: PodFeatureVector, horizonMs: number): boolean {
  const memory = feature(v, 'pod_memory_usage.value');
  const diff = feature(v, 'pod_memory_usage.diff');
  const before = feature(v, 'pod_memory_usage.lag_5');
  const top = feature(v, 'pod_memory_usage.max_5m');
  const bottom = feature(v, 'pod_memory_usage.min_5m');
  if (memory === undefined || diff === undefined || before === undefined) return false;
  if (top === undefined || bottom === undefined) return false;
  const rise = memory - before;
  if (memory < MEMORY_CANDIDATE_RATIO || diff <= 0 || rise <= 0) return false;
  const slack = ENVELOPE_TOLERANCE * rise;
  if (top - memory > slack || before - bottom > slack) return false;
  const msToLimit = (Math.max(0, 1 - memory) / rise) * LAG_5_MS;
  return msToLimit <= CANDIDATE_HORIZON_FACTOR * horizonMs;
}

/** The ADR-009 request for one pod, from its vector (see the header for the series). */
export function predictionRequest(v: PodFeatureVector, atMs: number): PredictionRequest {
  const metrics: MetricPoint[] = [];
  for (const signal of ['pod_memory_usage', 'pod_cpu_usage', 'container_restart_count'] as const) {
    const points: Array<[number, number | undefined]> = [
      [atMs - LAG_5_MS, feature(v, `${signal}.lag_5`)],
      [atMs - LAG_1_MS, feature(v, `${signal}.lag_1`)],
      [atMs, feature(v, `${signal}.value`)],
    ];
    for (const [t, value] of points) {
      if (value !== undefined) metrics.push({ name: signal, value, timestamp: new Date(t).toISOString() });
    }
  }
  const restarts = Math.min(recentRestarts(v) ?? 0, 20);
  const memory = feature(v, 'pod_memory_usage.value') ?? 0;
  return {
    issue_context: {
      current_state: restarts > 0 || memory >= 0.9 ? 'degraded' : 'healthy',
      recent_events: Array.from({ length: restarts }, () => 'pod_restart'),
      metrics,
    },
  };
}

/** "90s", "5m", "2h", "1d" (contract.ts DURATION_PATTERN) in seconds; undefined when unreadable. */
export function durationSeconds(text: string): number | undefined {
  const match = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)$/.exec(text);
  if (!match) return undefined;
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

/**
 * The most probable predicted issue that counts under the policy (probability ≥ minConfidence, due within the
 * horizon), from a live model answer only: a cached or rule-only answer during an outage never makes a pod at risk.
 */
export function atRisk(
  spec: PolicySpec,
  decision: PredictionDecision | undefined,
): PredictionFinding | undefined {
  if (decision?.source !== 'ml') return undefined;
  const ml = spec.detection.ml;
  const minConfidence = ml.prediction.minConfidence ?? ml.minConfidence;
  const horizonSeconds = parseDuration(ml.prediction.horizon) / 1000;
  let best: PredictionFinding | undefined;
  for (const predicted of decision.predictedIssues) {
    const seconds = durationSeconds(predicted.time_to_occurrence);
    if (seconds === undefined || seconds > horizonSeconds || predicted.probability < minConfidence) continue;
    if (!best || predicted.probability > best.probability) {
      best = { issue: predicted.issue, probability: predicted.probability, timeToOccurrenceSeconds: seconds };
    }
  }
  return best;
}

/**
 * Asks for the candidates' predictions, once per pod however many policies select it. A pod is keyed by uid
 * when known, so a replacement pod never inherits its predecessor's reused answer.
 */
export async function predictCandidates(
  predictor: IssuePredictor,
  candidates: ReadonlyMap<string, { vector: PodFeatureVector; uid?: string }>,
  atMs: number,
): Promise<Map<string, PredictionDecision>> {
  const answers = await Promise.all(
    [...candidates].map(async ([key, { vector, uid }]) => {
      const cacheKey = `pod/${key}${uid ? `/${uid}` : ''}`;
      const decision = await predictor.predictIssues(cacheKey, predictionRequest(vector, atMs), {
        reuseWithinMs: PREDICTION_REUSE_MS,
      });
      return [key, decision] as const;
    }),
  );
  return new Map(answers);
}
