/** Wires the ML layer from configuration: client, backend, local detector, caches, health and metrics. */
import type { Registry } from 'prom-client';
import type { Logger } from '../log/logger.js';
import { type TimeSource as Clock, systemClock } from '../time/clock.js';
import type { PatternResponse, PredictionResponse } from './contract.js';
import { KServeMlBackend } from './kserve-backend.js';
import { LocalAnomalyDetector } from './local-anomaly-detector.js';
import type { AnomalyVerdict, MlBackend } from './ml-backend.js';
import { MlClient } from './ml-client.js';
import type { MlConfig } from './ml-config.js';
import { MlHealthTracker } from './ml-health.js';
import { createMlMetrics, type MlMetrics } from './ml-metrics.js';
import { PredictionCache } from './prediction-cache.js';
import { ResilientMlService } from './resilient-ml-service.js';
import { RestMlBackend } from './rest-backend.js';

export interface MlServiceHandle {
  service: ResilientMlService;
  client: MlClient;
  backend: MlBackend;
  metrics: MlMetrics;
  health: MlHealthTracker;
  /** Closes sockets and listeners. */
  close(): void;
}

export interface MlServiceOptions {
  registry: Registry;
  logger?: Logger;
  clock?: Clock;
  /** Reuse metrics already registered on `registry` (one set per registry). */
  metrics?: MlMetrics;
}

export function createMlService(config: MlConfig, options: MlServiceOptions): MlServiceHandle {
  const clock = options.clock ?? systemClock;
  const metrics = options.metrics ?? createMlMetrics(options.registry);
  const client = new MlClient(config.client, metrics, options.logger);
  const backend: MlBackend =
    config.backend === 'kserve'
      ? new KServeMlBackend(client, config.kserve)
      : new RestMlBackend(client, config.restConcurrency);
  const d = config.degradation;
  const health = new MlHealthTracker(clock);
  const service = new ResilientMlService({
    backend,
    breaker: client,
    detector: new LocalAnomalyDetector(
      {
        windowSize: d.localWindowSize,
        minSamples: d.localMinSamples,
        zThreshold: d.localZThreshold,
        maxConfidence: d.localMaxConfidence,
        maxIdleMs: Math.max(d.cacheTtlMs, 3_600_000),
      },
      clock,
    ),
    anomalyCache: new PredictionCache<AnomalyVerdict>(d.cacheTtlMs, d.cacheMaxEntries, clock),
    predictionCache: new PredictionCache<PredictionResponse>(d.cacheTtlMs, d.cacheMaxEntries, clock),
    patternCache: new PredictionCache<PatternResponse>(d.cacheTtlMs, d.cacheMaxEntries, clock),
    health,
    metrics,
    clock,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    service,
    client,
    backend,
    metrics,
    health,
    close: () => {
      service.close();
      client.close();
    },
  };
}
