/**
 * Graceful degradation end to end: the facade over a real client and the mock. With the service down the
 * engine still gets an answer for every workload (local detector, cache or rules), health says degraded and
 * the policy condition says MLServiceUnavailable; after recovery all of it clears.
 */
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMockMlServer } from '../mock-ml-server/src/server.js';
import type { PredictionRequest } from '../src/ml/contract.js';
import type { FeatureVector } from '../src/ml/feature-vector.js';
import { DEFAULT_ML_CONFIG, type MlConfig } from '../src/ml/ml-config.js';
import { mlDegradedCondition } from '../src/ml/ml-health.js';
import { createMlService, type MlServiceHandle } from '../src/ml/ml-service-factory.js';
import type { AnomalyDecision } from '../src/ml/resilient-ml-service.js';
import { FakeClock } from './support/fake-clock.js';
import { metricValue, testClientConfig, vectorFor } from './support/ml-fixtures.js';
import { useMockMlServer } from './support/mock-ml.js';
import { waitFor } from './support/wait-for.js';

const T0 = Date.parse('2026-01-25T10:00:00Z');
const MINUTE = 60_000;
const DETECT = '/api/v1/anomaly/detect';

const mock = useMockMlServer();
let registry: Registry;
let clock: FakeClock;
let ml: MlServiceHandle;

function config(overrides: Partial<MlConfig> = {}): MlConfig {
  return {
    ...DEFAULT_ML_CONFIG,
    client: testClientConfig(mock().url, { breakerThreshold: 2, breakerHalfOpenAfterMs: 150 }),
    restConcurrency: 1,
    // Five cycles of history instead of the default 20 keep the scenario short; the default's false-positive
    // rate is what test/ml-local-detector-false-positives.test.ts measures.
    degradation: { ...DEFAULT_ML_CONFIG.degradation, localMinSamples: 5 },
    ...overrides,
  };
}

/** One engine cycle at minute `m`: clock and vector timestamps move together. */
function cycleAt(m: number, vectors: (at: Date) => FeatureVector[]): Promise<AnomalyDecision[]> {
  clock.set(T0 + m * MINUTE);
  return ml.service.assessAnomalies(vectors(new Date(T0 + m * MINUTE)));
}

const wobble = (m: number) => 0.5 + 0.01 * ((m % 3) - 1);
const served = () => mock().counts().byPath[DETECT] ?? 0;
const bySource = (decisions: AnomalyDecision[]) => decisions.map((d) => `${d.pod}:${d.source}`);

beforeEach(() => {
  registry = new Registry();
  clock = new FakeClock(T0);
  ml = createMlService(config(), { registry, clock });
});
afterEach(() => {
  ml.close();
});

describe('anomaly decisions while the ML service is down', () => {
  it('falls back to the local detector, cache and rules, reports degraded, and clears on recovery', async () => {
    const calm = (m: number) => (at: Date) => [
      vectorFor('web-1', { workload: 'web', at, levels: { pod_memory_usage: wobble(m) } }),
      vectorFor('api-1', { workload: 'api', at, levels: { pod_cpu_usage: 0.25 + 0.01 * (m % 2) } }),
    ];
    for (let m = 0; m < 6; m++) {
      const decisions = await cycleAt(m, calm(m));
      expect(decisions.map((d) => [d.source, d.anomaly])).toEqual([
        ['ml', false],
        ['ml', false],
      ]);
    }
    // Seen by the model once, too recently for the local detector to have history.
    await cycleAt(6, (at) => [vectorFor('cron-1', { workload: 'cron', at })]);
    expect(ml.service.snapshot().status).toBe('ok');
    expect(mlDegradedCondition(ml.service.snapshot()).status).toBe('False');

    mock().faults.set({ failEvery: 1, failStatus: 503 });
    const before = served();
    const down = await cycleAt(7, (at) => [
      vectorFor('web-1', { workload: 'web', at, now: { pod_memory_usage: 0.97 } }),
      vectorFor('api-1', { workload: 'api', at }),
      vectorFor('cron-1', { workload: 'cron', at }),
      vectorFor('new-1', { workload: 'new', at }),
    ]);
    expect(bySource(down)).toEqual(['web-1:local', 'api-1:local', 'cron-1:cache', 'new-1:rules']);
    const [web, api, cron, fresh] = down as [
      AnomalyDecision,
      AnomalyDecision,
      AnomalyDecision,
      AnomalyDecision,
    ];
    expect(web.anomaly).toBe(true);
    expect(web.note).toMatch(/pod_memory_usage\.value/);
    expect(web.confidence).toBeGreaterThan(0);
    expect(web.confidence).toBeLessThanOrEqual(DEFAULT_ML_CONFIG.degradation.localMaxConfidence);
    expect(api.anomaly).toBe(false);
    expect(cron.cachedAt?.getTime()).toBe(T0 + 6 * MINUTE);
    expect(fresh.anomaly).toBeNull();
    // Below the minimum history the local detector gives no verdict, and says how far short it is.
    expect(cron.note).toMatch(/insufficient history for the local detector \(1 of 5 samples\)/);
    expect(fresh.note).toMatch(/insufficient history for the local detector \(0 of 5 samples\)/);
    // Threshold 2: two failed requests opened the breaker; the rest of the cycle never left the process.
    expect(served() - before).toBe(2);

    const health = ml.service.snapshot();
    expect(health).toMatchObject({
      status: 'degraded',
      breaker: 'open',
      since: new Date(T0 + 7 * MINUTE).toISOString(),
    });
    expect(health.lastError).toMatchObject({ kind: 'http_5xx', at: new Date(T0 + 7 * MINUTE).toISOString() });
    expect(health.lastError?.message).toMatch(/HTTP 503/);
    const condition = mlDegradedCondition(health);
    expect(condition).toMatchObject({ type: 'Degraded', status: 'True', reason: 'MLServiceUnavailable' });
    expect(condition.message).toMatch(/breaker open/);

    // While the breaker is open, a whole cycle costs the service nothing.
    const openCount = served();
    await cycleAt(8, calm(8));
    expect(served()).toBe(openCount);

    expect(
      await metricValue(registry, 'coordination_engine_ml_fallback_decisions_total', {
        kind: 'anomaly',
        source: 'local',
      }),
    ).toBe(4);
    expect(
      await metricValue(registry, 'coordination_engine_ml_fallback_decisions_total', {
        kind: 'anomaly',
        source: 'cache',
      }),
    ).toBe(1);
    expect(
      await metricValue(registry, 'coordination_engine_ml_fallback_decisions_total', {
        kind: 'anomaly',
        source: 'rules',
      }),
    ).toBe(1);
    expect(await metricValue(registry, 'coordination_engine_ml_cache_hits_total', { kind: 'anomaly' })).toBe(
      1,
    );
    expect(await metricValue(registry, 'coordination_engine_ml_local_insufficient_history_total')).toBe(2);

    mock().faults.set({});
    let m = 9;
    const recovered = await waitFor('decisions from the model again', async () => {
      const decisions = await cycleAt(m++, calm(m));
      return decisions.every((d) => d.source === 'ml') ? decisions : undefined;
    });
    expect(recovered).toHaveLength(2);
    const after = ml.service.snapshot();
    expect(after.status).toBe('ok');
    expect(after.breaker).toBe('closed');
    expect(after.lastError?.kind).toBeDefined();
    expect(mlDegradedCondition(after)).toMatchObject({ status: 'False', reason: 'MLServiceAvailable' });
    expect(await metricValue(registry, 'coordination_engine_ml_circuit_breaker_state')).toBe(0);
  });

  it('never sends an incomplete vector and lets the rules decide for it', async () => {
    const vector: FeatureVector = { ...vectorFor('web-1'), values: [...vectorFor('web-1').values] };
    vector.values[27] = null;
    const [decision] = await ml.service.assessAnomalies([vector]);
    expect(decision).toMatchObject({ source: 'rules', anomaly: null });
    expect(decision?.note).toMatch(/feature 27 \(pod_memory_usage\.value\) is null/);
    expect(mock().counts().total).toBe(0);
    expect(
      await metricValue(registry, 'coordination_engine_ml_vectors_skipped_total', { reason: 'incomplete' }),
    ).toBe(1);
    expect(ml.service.snapshot().status).toBe('ok');
  });

  it('answers and reports degraded when nothing listens at the configured URL', async () => {
    ml.close();
    const other = await startMockMlServer({ port: 0, faults: {} });
    await other.close();
    ml = createMlService(
      { ...config(), client: testClientConfig(other.url, { breakerThreshold: 2 }) },
      { registry: new Registry(), clock },
    );
    const decisions = await ml.service.assessAnomalies([vectorFor('a'), vectorFor('b'), vectorFor('c')]);
    expect(decisions.map((d) => d.source)).toEqual(['rules', 'rules', 'rules']);
    const health = await ml.service.probe();
    expect(health).toMatchObject({ status: 'degraded', breaker: 'open' });
  });
});

describe('prediction decisions while the ML service is down', () => {
  const request: PredictionRequest = {
    issue_context: {
      current_state: 'degraded',
      recent_events: [],
      metrics: [0, 5, 10].map((minute) => ({
        name: 'pod_memory_usage.value',
        value: 0.6 + 0.01 * minute,
        timestamp: new Date(T0 + minute * MINUTE).toISOString(),
      })),
    },
  };

  it('reuses a cached prediction within the TTL, then falls back to rules', async () => {
    const live = await ml.service.predictIssues('shop/web', request);
    expect(live.source).toBe('ml');
    expect(live.predictedIssues.map((i) => i.issue)).toEqual(['pod_oom']);

    mock().faults.set({ failEvery: 1, failStatus: 503 });
    clock.advance(2 * MINUTE);
    const cached = await ml.service.predictIssues('shop/web', request);
    expect(cached).toMatchObject({ source: 'cache', predictedIssues: live.predictedIssues });
    expect(cached.cachedAt?.getTime()).toBe(T0);
    expect(ml.service.snapshot().status).toBe('degraded');

    clock.advance(DEFAULT_ML_CONFIG.degradation.cacheTtlMs);
    const none = await ml.service.predictIssues('shop/web', request);
    expect(none).toMatchObject({ source: 'rules', predictedIssues: [], suggestedActions: [] });
    expect(
      await metricValue(registry, 'coordination_engine_ml_cache_hits_total', { kind: 'prediction' }),
    ).toBe(1);
    expect(
      await metricValue(registry, 'coordination_engine_ml_cache_misses_total', { kind: 'prediction' }),
    ).toBe(1);
  });

  it('reuses a cached pattern analysis while the service is down', async () => {
    const events = [0, 10, 20, 30, 40].map((m) => ({
      timestamp: new Date(T0 + m * MINUTE).toISOString(),
      type: 'high_cpu',
    }));
    const patternRequest = { historical_data: { time_range: '1h', events } };
    const live = await ml.service.analyzePatterns('shop', patternRequest);
    expect(live.source).toBe('ml');
    expect(live.patterns.map((p) => p.pattern)).toContain('periodic_high_cpu');
    mock().faults.set({ reset: true });
    clock.advance(MINUTE);
    const cached = await ml.service.analyzePatterns('shop', patternRequest);
    expect(cached).toMatchObject({ source: 'cache', patterns: live.patterns });
    expect(cached.note).toMatch(/ML unavailable \(connection\); reusing the cached analysis from 60s ago/);
    expect(await ml.service.analyzePatterns('elsewhere', patternRequest)).toMatchObject({
      source: 'rules',
      patterns: [],
    });
  });

  it('decides predictions on rules when the backend has no prediction model (KServe)', async () => {
    ml.close();
    ml = createMlService(config({ backend: 'kserve' }), { registry: new Registry(), clock });
    const decision = await ml.service.predictIssues('shop/web', request);
    expect(decision.source).toBe('rules');
    expect(decision.note).toMatch(/kserve backend has no prediction model/);
    expect(mock().counts().total).toBe(0);
  });
});
