import { FEATURE_COUNT, FEATURE_NAMES } from '../metrics/feature-catalogue.js';
import type { PodFeatureVector } from '../metrics/feature-vector.js';
import type { MetricPoint } from './contract.js';

/**
 * Minimal input type for the ML layer: one workload's 45 features in catalogue order (schema v1).
 * `null` marks a feature the vector builder could not compute; such a vector is never sent to a model.
 */
export interface FeatureVector {
  namespace: string;
  pod: string;
  workload?: string;
  timestamp: Date;
  values: (number | null)[];
}

/** A pod's vector as the ML layer takes it: its numbers, null where missing, at the cycle's instant. */
export function mlVectorOf(v: PodFeatureVector, atMs: number, workload: string | undefined): FeatureVector {
  return {
    namespace: v.namespace,
    pod: v.pod,
    ...(workload ? { workload } : {}),
    timestamp: new Date(atMs),
    values: v.features.toNullable(),
  };
}

/** A vector whose 45 values are all finite numbers: the only kind a backend may send. */
export interface CompleteFeatureVector extends FeatureVector {
  values: number[];
}

export function isCompleteVector(vector: FeatureVector): vector is CompleteFeatureVector {
  return (
    vector.values.length === FEATURE_COUNT &&
    vector.values.every((v) => typeof v === 'number' && Number.isFinite(v))
  );
}

/** Why a vector is not complete, naming the first offending feature; undefined when it is complete. */
export function incompleteReason(vector: FeatureVector): string | undefined {
  if (vector.values.length !== FEATURE_COUNT) {
    return `vector has ${vector.values.length} values, expected ${FEATURE_COUNT}`;
  }
  const index = vector.values.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
  if (index === -1) return undefined;
  return `feature ${index} (${FEATURE_NAMES[index]}) is ${String(vector.values[index])}`;
}

/**
 * The key of one pod's series: the local detector's history and cached anomaly verdicts are per pod, because
 * replicas of one workload can legitimately differ (one hot shard) and merging them would blur exactly the
 * outlier a fallback should catch. A replaced pod starts a fresh history.
 */
export function podKey(vector: Pick<FeatureVector, 'namespace' | 'pod'>): string {
  return `${vector.namespace}/${vector.pod}`;
}

/** A workload-level key (the workload when known, else the pod), for callers' prediction and pattern caches. */
export function workloadKey(vector: Pick<FeatureVector, 'namespace' | 'pod' | 'workload'>): string {
  return `${vector.namespace}/${vector.workload ?? vector.pod}`;
}

/** The ADR-009 `metrics` array: one named point per feature, all stamped with the vector's time. */
export function toMetricPoints(vector: CompleteFeatureVector): MetricPoint[] {
  const timestamp = vector.timestamp.toISOString();
  return vector.values.map((value, i) => ({ name: FEATURE_NAMES[i] as string, value, timestamp }));
}
