/**
 * Anomaly scoring of one 45-feature vector: robust z-scores against a fixed reference profile of normal
 * operation. Each feature has a median and a scale (a MAD-like spread) for its kind of statistic; a feature's
 * score is |x - median| / scale and the vector's anomaly score is the largest feature score. A score at or
 * above 3.5 (the usual cut-off for the modified z-score) is an anomaly. Deterministic: the same vector always
 * gets the same answer, whatever else is in the batch.
 */
import { FEATURE_NAMES, type SignalName, type StatisticName } from '../../src/metrics/feature-catalogue.js';

export const ANOMALY_THRESHOLD = 3.5;

interface Profile {
  /** value, mean_5m, min_5m, max_5m, lag_1, lag_5 */
  level: [number, number];
  std: [number, number];
  diff: [number, number];
  pct: [number, number];
}

/** [median, scale] per statistic kind. Utilisations are 0-1 ratios, pod CPU is cores, pod memory a ratio of its limit. */
export const REFERENCE_PROFILE: Record<SignalName, Profile> = {
  node_cpu_utilization: { level: [0.45, 0.15], std: [0.03, 0.05], diff: [0, 0.05], pct: [0, 0.25] },
  node_memory_utilization: { level: [0.55, 0.12], std: [0.02, 0.03], diff: [0, 0.03], pct: [0, 0.1] },
  pod_cpu_usage: { level: [0.25, 0.25], std: [0.03, 0.05], diff: [0, 0.1], pct: [0, 0.5] },
  pod_memory_usage: { level: [0.5, 0.13], std: [0.02, 0.03], diff: [0, 0.03], pct: [0, 0.1] },
  // Restart counts are cumulative: the level tolerates history, a fresh restart (diff) does not.
  container_restart_count: { level: [0, 3], std: [0, 0.25], diff: [0, 0.25], pct: [0, 0.5] },
};

function profileFor(name: string): [number, number] | undefined {
  const [signal, stat] = name.split('.') as [SignalName, StatisticName | undefined];
  const profile = REFERENCE_PROFILE[signal];
  if (!profile || !stat) return undefined;
  if (stat === 'std_5m') return profile.std;
  if (stat === 'diff') return profile.diff;
  if (stat === 'pct_change') return profile.pct;
  return profile.level;
}

export interface AnomalyScore {
  score: number;
  anomaly: boolean;
  /** Logistic in (score - threshold): 0.5 at the threshold. */
  probability: number;
  /** Confidence in the verdict given: probability for an anomaly, 1 - probability otherwise. */
  confidence: number;
  topFeature: string;
}

/** Scores named feature values (unknown names are ignored; a missing known feature scores 0). */
export function scoreFeatures(values: ReadonlyMap<string, number>): AnomalyScore {
  let score = 0;
  let topFeature = FEATURE_NAMES[0] as string;
  for (const [name, x] of values) {
    const profile = profileFor(name);
    if (!profile) continue;
    const z = Math.abs(x - profile[0]) / profile[1];
    if (z > score) {
      score = z;
      topFeature = name;
    }
  }
  const probability = 1 / (1 + Math.exp(-(score - ANOMALY_THRESHOLD)));
  const anomaly = score >= ANOMALY_THRESHOLD;
  return { score, anomaly, probability, confidence: anomaly ? probability : 1 - probability, topFeature };
}

/** A row in catalogue order (KServe `instances`) as named values. */
export function scoreRow(row: readonly number[]): AnomalyScore {
  return scoreFeatures(new Map(row.map((x, i) => [FEATURE_NAMES[i] as string, x])));
}

export function recommendationsFor(score: AnomalyScore): string[] {
  if (!score.anomaly) return [];
  const signal = score.topFeature.split('.')[0];
  switch (signal) {
    case 'pod_memory_usage':
      return ['Check for memory leak', 'Increase memory limit'];
    case 'pod_cpu_usage':
      return ['Scale up replicas', 'Review CPU limits'];
    case 'container_restart_count':
      return ['Inspect crash logs of the previous container', 'Check liveness probe settings'];
    case 'node_cpu_utilization':
    case 'node_memory_utilization':
      return ['Check node pressure', 'Reschedule workloads off the node'];
    default:
      return [];
  }
}
