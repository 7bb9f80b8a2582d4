import { CycleSeries } from './builtin-signals.js';
import { FEATURE_NAMES, FEATURE_SCHEMA_VERSION, type FeatureName, SIGNALS } from './feature-catalogue.js';
import { signalStatistics, WINDOW_MS } from './feature-statistics.js';
import {
  type FeatureCycle,
  FeatureRow,
  type FeatureValue,
  missing,
  type PodFeatureVector,
  vectorState,
} from './feature-vector.js';
import type { FeatureSelection, PodRef } from './feature-vector-builder.js';
import type { SampleStore } from './sample-store.js';

/**
 * The built-in feature source (FEATURE_SOURCE=builtin): for the demo and tests on a machine without Prometheus.
 * It builds the same 45-feature vectors as FeatureVectorBuilder, with the same catalogue, the same evaluation
 * instants (aligned down to the step), the same window points and the same statistics code (signalStatistics,
 * vectorState); only the five signal values at each point come from samples it scraped itself
 * (builtin-signals.ts) instead of PromQL. Everything after the vectors is the engine's ordinary code path.
 */
export interface BuiltinSourceOptions {
  /** Seconds between window points; a whole divisor of 60, as for FeatureVectorBuilder. Default 60. */
  readonly stepSeconds?: number;
  /** The rate() range of the CPU signals. Default 300. */
  readonly rateWindowSeconds?: number;
  /** The node-exporter label with the node name. Default `instance`. */
  readonly nodeLabel?: string;
  readonly requiredFeatures?: readonly FeatureName[];
  /** Why the samples cannot be trusted now (scrapes failing), or undefined when they can. */
  readonly problem?: () => string | undefined;
}

/** A FeatureSource (detection-cycle.ts) over a SampleStore. */
export class BuiltinFeatureSource {
  private readonly stepMs: number;
  private readonly rateWindowMs: number;
  private readonly nodeLabel: string;
  private readonly required: readonly FeatureName[];

  constructor(
    private readonly store: SampleStore,
    private readonly options: BuiltinSourceOptions = {},
  ) {
    const step = options.stepSeconds ?? 60;
    if (!Number.isInteger(step) || step < 1 || 60 % step !== 0)
      throw new Error(`stepSeconds must be a whole divisor of 60, got ${step}`);
    this.stepMs = step * 1000;
    this.rateWindowMs = (options.rateWindowSeconds ?? 300) * 1000;
    this.nodeLabel = options.nodeLabel ?? 'instance';
    this.required = options.requiredFeatures ?? FEATURE_NAMES;
  }

  alignedInstant(atMs: number): number {
    return Math.floor(atMs / this.stepMs) * this.stepMs;
  }

  async build(selection: FeatureSelection, atMs: number): Promise<FeatureCycle> {
    const t = this.alignedInstant(atMs);
    const problem = this.options.problem?.();
    if (problem !== undefined) {
      return {
        status: 'unavailable',
        schemaVersion: FEATURE_SCHEMA_VERSION,
        evaluatedAtMs: t,
        reason: 'unreachable',
        message: `built-in feature source: ${problem}`,
        queries: 0,
      };
    }
    const series = new CycleSeries(this.store, {
      rateWindowMs: this.rateWindowMs,
      nodeLabel: this.nodeLabel,
    });
    const namespaces = [
      ...new Set([...selection.namespaces, ...(selection.pods ?? []).map((p) => p.namespace)]),
    ];
    const pods: PodRef[] = selection.pods ? [...selection.pods] : series.podsAt(namespaces, t);
    const vectors = pods.map((pod): PodFeatureVector => {
      const node = pod.nodeName ?? series.nodeOf(pod.namespace, pod.name, t);
      const features: FeatureValue[] = [];
      for (const signal of SIGNALS) {
        if (signal.startsWith('node_') && node === undefined) {
          features.push(...Array.from({ length: 9 }, () => missing('no_node')));
          continue;
        }
        // The points a range query over [t - 5m, t] at the step would return.
        const points = new Map<number, number>();
        for (let tau = t - WINDOW_MS; tau <= t; tau += this.stepMs) {
          const value = series.signal(signal, pod, node, tau);
          if (value !== undefined) points.set(tau, value);
        }
        features.push(...signalStatistics(points.size > 0 ? points : undefined, t, this.stepMs));
      }
      const row = FeatureRow.of(features);
      const { state, missing: absent } = vectorState(row, this.required);
      return { namespace: pod.namespace, pod: pod.name, node, features: row, state, missing: absent };
    });
    return {
      status: 'ok',
      schemaVersion: FEATURE_SCHEMA_VERSION,
      evaluatedAtMs: t,
      vectors,
      queries: 0,
      warnings: [],
    };
  }
}
