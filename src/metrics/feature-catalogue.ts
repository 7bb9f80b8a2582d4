/**
 * The 45-feature layout the reference anomaly model was trained on (shared/reference/feature-vector.md):
 * 5 signals x 9 statistics, signal-major. Order is part of the contract: feature i is
 * SIGNALS[floor(i / 9)] + '.' + STATISTICS[i % 9]. Every consumer checks schema version, length and order.
 */
export const FEATURE_SCHEMA_VERSION = 'v1' as const;

export const SIGNALS = [
  'node_cpu_utilization',
  'node_memory_utilization',
  'pod_cpu_usage',
  'pod_memory_usage',
  'container_restart_count',
] as const;

export const STATISTICS = [
  'value',
  'mean_5m',
  'std_5m',
  'min_5m',
  'max_5m',
  'lag_1',
  'lag_5',
  'diff',
  'pct_change',
] as const;

export type SignalName = (typeof SIGNALS)[number];
export type StatisticName = (typeof STATISTICS)[number];
export type FeatureName = `${SignalName}.${StatisticName}`;

export const FEATURE_NAMES: readonly FeatureName[] = SIGNALS.flatMap((signal) =>
  STATISTICS.map((stat): FeatureName => `${signal}.${stat}`),
);

export const FEATURE_COUNT = FEATURE_NAMES.length;

const FEATURE_INDEX = new Map<string, number>(FEATURE_NAMES.map((name, i) => [name, i]));

export function isFeatureName(name: string): name is FeatureName {
  return FEATURE_INDEX.has(name);
}

export function featureIndex(name: FeatureName): number {
  const index = FEATURE_INDEX.get(name);
  if (index === undefined) throw new Error(`unknown feature "${name}"`);
  return index;
}

/** The published schema: what an ML service or a script checks a vector's layout against. */
export interface FeatureSchema {
  schemaVersion: typeof FEATURE_SCHEMA_VERSION;
  featureNames: readonly FeatureName[];
}

export const FEATURE_SCHEMA: FeatureSchema = {
  schemaVersion: FEATURE_SCHEMA_VERSION,
  featureNames: FEATURE_NAMES,
};

/** Throws unless `names` is exactly the v1 layout (same length, same order): the original engine's worst bug class. */
export function assertFeatureLayout(schemaVersion: string, names: readonly string[]): void {
  if (schemaVersion !== FEATURE_SCHEMA_VERSION) {
    throw new Error(`feature schema version "${schemaVersion}" is not "${FEATURE_SCHEMA_VERSION}"`);
  }
  if (names.length !== FEATURE_COUNT) {
    throw new Error(`feature layout has ${names.length} names, expected ${FEATURE_COUNT}`);
  }
  names.forEach((name, i) => {
    if (name !== FEATURE_NAMES[i]) {
      throw new Error(`feature ${i} is "${name}", expected "${FEATURE_NAMES[i]}"`);
    }
  });
}
