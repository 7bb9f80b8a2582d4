/** Builders for ML tests: realistic feature vectors, client settings and metric reads. */
import type { Registry } from 'prom-client';
import { FEATURE_COUNT, SIGNALS, STATISTICS } from '../../src/metrics/feature-catalogue.js';
import type { CompleteFeatureVector } from '../../src/ml/feature-vector.js';
import { DEFAULT_ML_CONFIG, type MlClientConfig } from '../../src/ml/ml-config.js';

export type SignalLevels = Partial<Record<(typeof SIGNALS)[number], number>>;

/** A calm workload: each signal steady at its level for the last 5 minutes. */
export const CALM: Required<SignalLevels> = {
  node_cpu_utilization: 0.45,
  node_memory_utilization: 0.55,
  pod_cpu_usage: 0.25,
  pod_memory_usage: 0.5,
  container_restart_count: 0,
};

/**
 * A vector for `levels` (others calm). The current value may differ from the steady history (`now`), which
 * is how a sudden spike looks: value and diff move, the 5-minute window barely does.
 */
export function vectorFor(
  pod: string,
  options: {
    levels?: SignalLevels;
    now?: SignalLevels;
    at?: Date;
    namespace?: string;
    workload?: string;
  } = {},
): CompleteFeatureVector {
  const levels = { ...CALM, ...options.levels };
  const values: number[] = [];
  for (const signal of SIGNALS) {
    const steady = levels[signal];
    const current = options.now?.[signal] ?? steady;
    const diff = current - steady;
    const row: Record<(typeof STATISTICS)[number], number> = {
      value: current,
      mean_5m: steady,
      std_5m: 0.01,
      min_5m: steady,
      max_5m: Math.max(steady, current),
      lag_1: steady,
      lag_5: steady,
      diff,
      pct_change: steady === 0 ? 0 : diff / steady,
    };
    for (const stat of STATISTICS) values.push(row[stat]);
  }
  if (values.length !== FEATURE_COUNT) throw new Error('fixture built a vector of the wrong width');
  const vector: CompleteFeatureVector = {
    namespace: options.namespace ?? 'shop',
    pod,
    timestamp: options.at ?? new Date('2026-01-25T10:00:00Z'),
    values,
  };
  if (options.workload !== undefined) vector.workload = options.workload;
  return vector;
}

/** Client settings for tests: short timeouts so breaker and timeout behaviour shows in milliseconds. */
export function testClientConfig(baseUrl: string, overrides: Partial<MlClientConfig> = {}): MlClientConfig {
  return {
    ...DEFAULT_ML_CONFIG.client,
    baseUrl,
    timeoutMs: 1_000,
    breakerThreshold: 3,
    breakerHalfOpenAfterMs: 150,
    retryMaxAttempts: 1,
    retryInitialDelayMs: 5,
    retryMaxDelayMs: 20,
    ...overrides,
  };
}

/** The value of one labelled series of a counter or gauge (0 when absent). */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`metric ${name} is not registered`);
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want));
  return match?.value ?? 0;
}
