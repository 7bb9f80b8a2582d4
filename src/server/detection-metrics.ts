/**
 * Prometheus metrics of the detection path: how long a cycle and its feature build take, how many PromQL queries a
 * build sends and how many vectors came out complete. They wrap the feature source and the detection cycle from
 * outside (engine.ts), so neither needs to know about metrics. `npm run bench:engine` reads them once per cycle.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PolicyAssessment } from '../detection/assessment.js';
import type { FeatureSource, PolicyTargets } from '../detection/detection-cycle.js';

export interface DetectionRunner {
  run(policies: readonly PolicyTargets[], nowMs: number): Promise<Map<string, PolicyAssessment>>;
}

const SECONDS_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class DetectionMetrics {
  private readonly cycleSeconds: Histogram;
  private readonly buildSeconds: Histogram<'status'>;
  private readonly queries: Counter;
  private readonly vectors: Gauge<'state'>;

  constructor(registry: Registry, prefix: string) {
    this.cycleSeconds = new Histogram({
      name: `${prefix}detection_cycle_duration_seconds`,
      help: 'Wall time of one detection cycle: feature build, ML calls and the verdicts of every due policy.',
      buckets: SECONDS_BUCKETS,
      registers: [registry],
    });
    this.buildSeconds = new Histogram({
      name: `${prefix}feature_build_duration_seconds`,
      help: 'Wall time of one feature build (all PromQL queries and the vectors), by cycle status (ok, unavailable).',
      labelNames: ['status'],
      buckets: SECONDS_BUCKETS,
      registers: [registry],
    });
    this.queries = new Counter({
      name: `${prefix}feature_queries_total`,
      help: 'PromQL queries sent by feature builds.',
      registers: [registry],
    });
    this.vectors = new Gauge({
      name: `${prefix}feature_vectors`,
      help: 'Vectors of the latest feature build, by state (complete, insufficient_data).',
      labelNames: ['state'],
      registers: [registry],
    });
    this.queries.inc(0);
  }

  /** The feature source, timed and counted. */
  features(source: FeatureSource): FeatureSource {
    return {
      build: async (selection, atMs) => {
        const started = performance.now();
        const cycle = await source.build(selection, atMs);
        this.buildSeconds.labels(cycle.status).observe((performance.now() - started) / 1000);
        this.queries.inc(cycle.queries);
        let complete = 0;
        if (cycle.status === 'ok') for (const v of cycle.vectors) if (v.state === 'complete') complete++;
        const total = cycle.status === 'ok' ? cycle.vectors.length : 0;
        this.vectors.labels('complete').set(complete);
        this.vectors.labels('insufficient_data').set(total - complete);
        return cycle;
      },
    };
  }

  /** The detection cycle, timed. */
  detection(runner: DetectionRunner): DetectionRunner {
    return {
      run: async (policies, nowMs) => {
        const started = performance.now();
        try {
          return await runner.run(policies, nowMs);
        } finally {
          this.cycleSeconds.observe((performance.now() - started) / 1000);
        }
      },
    };
  }
}
