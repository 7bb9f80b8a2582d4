/**
 * Prometheus metrics of the ML integration (prefix coordination_engine_ml_). They are registered on the
 * registry the caller passes, never on prom-client's global one, so tests and several engines in one
 * process do not collide.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { MlFailureKind } from './ml-failure.js';

export type BreakerStateName = 'closed' | 'open' | 'half_open';
export const BREAKER_STATE_VALUE: Record<BreakerStateName, number> = { closed: 0, open: 1, half_open: 2 };

export type DecisionKind = 'anomaly' | 'prediction' | 'pattern';
export type FallbackSource = 'local' | 'cache' | 'rules';

export interface MlMetrics {
  readonly callDuration: Histogram<'endpoint' | 'outcome'>;
  readonly failures: Counter<'endpoint' | 'kind'>;
  readonly breakerState: Gauge;
  readonly breakerTransitions: Counter<'to'>;
  readonly fallbackDecisions: Counter<'kind' | 'source'>;
  readonly cacheHits: Counter<'kind'>;
  readonly cacheMisses: Counter<'kind'>;
  readonly vectorsSkipped: Counter<'reason'>;
  readonly localInsufficientHistory: Counter;
}

export function createMlMetrics(registry: Registry): MlMetrics {
  const registers = [registry];
  const metrics: MlMetrics = {
    callDuration: new Histogram({
      name: 'coordination_engine_ml_call_duration_seconds',
      help: 'Duration of logical ML calls (all attempts) by endpoint and outcome (success or a failure kind)',
      labelNames: ['endpoint', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    failures: new Counter({
      name: 'coordination_engine_ml_failures_total',
      help: 'Failed ML HTTP attempts and policy rejections by endpoint and kind',
      labelNames: ['endpoint', 'kind'],
      registers,
    }),
    breakerState: new Gauge({
      name: 'coordination_engine_ml_circuit_breaker_state',
      help: 'ML circuit breaker state: 0 closed, 1 open, 2 half-open',
      registers,
    }),
    breakerTransitions: new Counter({
      name: 'coordination_engine_ml_circuit_breaker_transitions_total',
      help: 'ML circuit breaker state changes by the state entered',
      labelNames: ['to'],
      registers,
    }),
    fallbackDecisions: new Counter({
      name: 'coordination_engine_ml_fallback_decisions_total',
      help: 'Decisions made without a fresh ML answer, by decision kind and the source used instead',
      labelNames: ['kind', 'source'],
      registers,
    }),
    cacheHits: new Counter({
      name: 'coordination_engine_ml_cache_hits_total',
      help: 'Cached ML answers reused while the service was unavailable',
      labelNames: ['kind'],
      registers,
    }),
    cacheMisses: new Counter({
      name: 'coordination_engine_ml_cache_misses_total',
      help: 'Fallback lookups that found no fresh cached ML answer',
      labelNames: ['kind'],
      registers,
    }),
    vectorsSkipped: new Counter({
      name: 'coordination_engine_ml_vectors_skipped_total',
      help: 'Feature vectors not sent to the ML service, by reason',
      labelNames: ['reason'],
      registers,
    }),
    localInsufficientHistory: new Counter({
      name: 'coordination_engine_ml_local_insufficient_history_total',
      help: 'Fallback anomaly decisions without a local verdict because the pod had less than ML_LOCAL_MIN_SAMPLES of history (the cache or the rules decided)',
      registers,
    }),
  };
  metrics.breakerState.set(0);
  return metrics;
}

export function recordFailure(metrics: MlMetrics, endpoint: string, kind: MlFailureKind): void {
  metrics.failures.inc({ endpoint, kind });
}
