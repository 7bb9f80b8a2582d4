/**
 * The client's resilience policies against the real mock-ml-server over HTTP. Server-side request counts
 * prove what reached the service; prom-client counters prove what was recorded.
 */
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMockMlServer } from '../mock-ml-server/src/server.js';
import { AnomalyDetectResponseSchema, HealthResponseSchema } from '../src/ml/contract.js';
import { toMetricPoints } from '../src/ml/feature-vector.js';
import { type BreakerTransition, MlClient } from '../src/ml/ml-client.js';
import type { MlClientConfig } from '../src/ml/ml-config.js';
import { MlCallError } from '../src/ml/ml-failure.js';
import { createMlMetrics } from '../src/ml/ml-metrics.js';
import { metricValue, testClientConfig, vectorFor } from './support/ml-fixtures.js';
import { useMockMlServer } from './support/mock-ml.js';
import { waitFor } from './support/wait-for.js';

const DETECT = '/api/v1/anomaly/detect';

const mock = useMockMlServer();
let registry: Registry;
let clients: MlClient[] = [];

function makeClient(overrides: Partial<MlClientConfig> = {}): MlClient {
  const client = new MlClient(testClientConfig(mock().url, overrides), createMlMetrics(registry));
  clients.push(client);
  return client;
}

function detect(client: MlClient) {
  const vector = vectorFor('web-1');
  return client.request({
    endpoint: 'anomaly_detect',
    method: 'POST',
    path: DETECT,
    body: { metrics: toMetricPoints(vector), context: { namespace: 'shop', resource: 'web' } },
    schema: AnomalyDetectResponseSchema,
  });
}

async function failureOf(promise: Promise<unknown>): Promise<MlCallError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof MlCallError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

const served = (path = DETECT) => mock().counts().byPath[path] ?? 0;

beforeEach(() => {
  registry = new Registry();
});
afterEach(() => {
  for (const c of clients) c.close();
  clients = [];
});

describe('circuit breaker', () => {
  it('opens after the threshold of consecutive failures, then keeps every request off the server', async () => {
    const client = makeClient({ breakerThreshold: 3, breakerHalfOpenAfterMs: 60_000 });
    const transitions: BreakerTransition[] = [];
    client.onBreakerTransition((t) => transitions.push(t));
    mock().faults.set({ failEvery: 1, failStatus: 500 });

    for (let i = 1; i <= 3; i++) {
      expect((await failureOf(detect(client))).kind).toBe('http_5xx');
      expect(served()).toBe(i);
    }
    expect(client.breakerState).toBe('open');
    expect(transitions).toEqual([{ from: 'closed', to: 'open' }]);

    for (let i = 0; i < 5; i++) expect((await failureOf(detect(client))).kind).toBe('circuit_open');
    expect(served()).toBe(3);
    expect(
      await metricValue(registry, 'coordination_engine_ml_failures_total', { kind: 'circuit_open' }),
    ).toBe(5);
    expect(await metricValue(registry, 'coordination_engine_ml_failures_total', { kind: 'http_5xx' })).toBe(
      3,
    );
    expect(await metricValue(registry, 'coordination_engine_ml_circuit_breaker_state')).toBe(1);
    expect(
      await metricValue(registry, 'coordination_engine_ml_circuit_breaker_transitions_total', { to: 'open' }),
    ).toBe(1);
  });

  it('half-opens after the timeout and closes when the trial succeeds', async () => {
    const client = makeClient({ breakerThreshold: 2, breakerHalfOpenAfterMs: 150 });
    const transitions: string[] = [];
    client.onBreakerTransition((t) => transitions.push(t.to));
    mock().faults.set({ failEvery: 1, failStatus: 500 });
    await failureOf(detect(client));
    await failureOf(detect(client));
    expect(client.breakerState).toBe('open');
    mock().faults.set({});

    // Poll with real calls: while open they fail fast without reaching the server; the first call after the
    // half-open delay is the trial.
    const openedAt = Date.now();
    const answer = await waitFor('the half-open trial to succeed', () =>
      detect(client).catch((err: unknown) =>
        err instanceof MlCallError && err.kind === 'circuit_open' ? undefined : Promise.reject(err),
      ),
    );
    expect(Date.now() - openedAt).toBeGreaterThanOrEqual(100);
    expect(answer.anomaly_detected).toBe(false);
    expect(served()).toBe(3);
    expect(transitions).toEqual(['open', 'half_open', 'closed']);
    expect(client.breakerState).toBe('closed');
    expect(await metricValue(registry, 'coordination_engine_ml_circuit_breaker_state')).toBe(0);
  });

  it('re-opens when the half-open trial fails', async () => {
    const client = makeClient({ breakerThreshold: 1, breakerHalfOpenAfterMs: 100 });
    const transitions: string[] = [];
    client.onBreakerTransition((t) => transitions.push(t.to));
    mock().faults.set({ failEvery: 1, failStatus: 502 });
    await failureOf(detect(client));
    await waitFor('the half-open trial', async () => (await failureOf(detect(client))).kind === 'http_5xx');
    expect(transitions).toEqual(['open', 'half_open', 'open']);
    expect(served()).toBe(2);
  });

  it('does not count 4xx or contract violations as service failures', async () => {
    const client = makeClient({ breakerThreshold: 2 });
    mock().faults.set({ failEvery: 1, failStatus: 422 });
    for (let i = 0; i < 4; i++) expect((await failureOf(detect(client))).kind).toBe('http_4xx');
    mock().faults.set({
      failEvery: 1,
      failStatus: 500,
      failMessage: 'X has 44 features, but IsolationForest is expecting 45 features as input.',
    });
    for (let i = 0; i < 4; i++) expect((await failureOf(detect(client))).kind).toBe('contract_violation');
    expect(client.breakerState).toBe('closed');
    expect(served()).toBe(8);
  });
});

describe('retries', () => {
  it('never retries a 4xx', async () => {
    const client = makeClient({ retryMaxAttempts: 4 });
    mock().faults.set({ failEvery: 1, failStatus: 400 });
    const failure = await failureOf(detect(client));
    expect(failure.kind).toBe('http_4xx');
    expect(failure.status).toBe(400);
    expect(served()).toBe(1);
  });

  it('retries 502/503/504 with backoff until an attempt succeeds', async () => {
    const client = makeClient({ retryMaxAttempts: 3, breakerThreshold: 10 });
    // Every 2nd request fails: the first call succeeds at once, the second needs one retry.
    mock().faults.set({ failEvery: 2, failStatus: 503 });
    await detect(client);
    expect(served()).toBe(1);
    await detect(client);
    expect(served()).toBe(3);
    expect(await metricValue(registry, 'coordination_engine_ml_failures_total', { kind: 'http_5xx' })).toBe(
      1,
    );
  });

  it('gives up after the configured attempts on a transient fault', async () => {
    const client = makeClient({ retryMaxAttempts: 3, breakerThreshold: 10 });
    mock().faults.set({ failEvery: 1, failStatus: 504 });
    expect((await failureOf(detect(client))).status).toBe(504);
    expect(served()).toBe(3);
  });

  it('does not retry a plain 500 or a contract violation', async () => {
    const client = makeClient({ retryMaxAttempts: 3, breakerThreshold: 10 });
    mock().faults.set({ failEvery: 1, failStatus: 500 });
    await failureOf(detect(client));
    expect(served()).toBe(1);
  });
});

describe('timeouts and connection faults', () => {
  it('times out when the server hangs, and retries the timeout as transient', async () => {
    const client = makeClient({ timeoutMs: 150, retryMaxAttempts: 2, breakerThreshold: 10 });
    mock().faults.set({ hang: true });
    const started = Date.now();
    const failure = await failureOf(detect(client));
    expect(failure.kind).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(served()).toBe(2);
    expect(await metricValue(registry, 'coordination_engine_ml_failures_total', { kind: 'timeout' })).toBe(2);
  });

  it('reports a reset connection as a connection failure', async () => {
    const client = makeClient({ retryMaxAttempts: 2, breakerThreshold: 10 });
    mock().faults.set({ reset: true });
    expect((await failureOf(detect(client))).kind).toBe('connection');
    expect(served()).toBe(2);
  });

  it('reports a refused connection as a connection failure', async () => {
    const other = await startMockMlServer({ port: 0, faults: {} });
    const url = other.url;
    await other.close();
    const client = new MlClient(testClientConfig(url), createMlMetrics(registry));
    clients.push(client);
    expect(
      (
        await failureOf(
          client.request({
            endpoint: 'health',
            method: 'GET',
            path: '/health',
            schema: HealthResponseSchema,
          }),
        )
      ).kind,
    ).toBe('connection');
  });
});

describe('response validation', () => {
  it.each([
    ['truncated_json', /not JSON/],
    ['nan', /not JSON/],
    ['out_of_range', /confidence/],
    ['missing_field', /anomaly_detected/],
  ] as const)('rejects a %s body as invalid_response and counts it', async (mode, detail) => {
    const client = makeClient({ retryMaxAttempts: 3 });
    mock().faults.set({ malformed: mode });
    const failure = await failureOf(detect(client));
    expect(failure.kind).toBe('invalid_response');
    expect(failure.detail).toMatch(detail);
    expect(served()).toBe(1);
    expect(
      await metricValue(registry, 'coordination_engine_ml_failures_total', { kind: 'invalid_response' }),
    ).toBe(1);
  });

  it('tolerates unknown extra fields', async () => {
    const client = makeClient();
    // The mock's /health adds `models` to the contract's { status }.
    const health = await client.request({
      endpoint: 'health',
      method: 'GET',
      path: '/health',
      schema: HealthResponseSchema,
    });
    expect(health).toEqual({ status: 'healthy' });
  });

  it('records call latency by endpoint and outcome', async () => {
    const client = makeClient();
    await detect(client);
    mock().faults.set({ failEvery: 1, failStatus: 400 });
    await failureOf(detect(client));
    const text = await registry.getSingleMetricAsString('coordination_engine_ml_call_duration_seconds');
    expect(text).toMatch(/_count\{endpoint="anomaly_detect",outcome="success"\} 1/);
    expect(text).toMatch(/_count\{endpoint="anomaly_detect",outcome="http_4xx"\} 1/);
  });
});

describe('bulkhead', () => {
  it('rejects calls beyond the concurrency and queue caps without sending them', async () => {
    const client = makeClient({ bulkheadConcurrency: 1, bulkheadQueue: 1 });
    mock().faults.set({ latencyMs: 100 });
    const results = await Promise.allSettled([detect(client), detect(client), detect(client)]);
    const kinds = results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as MlCallError).kind));
    expect(kinds.sort()).toEqual(['bulkhead_rejected', 'ok', 'ok']);
    expect(served()).toBe(2);
    expect(
      await metricValue(registry, 'coordination_engine_ml_failures_total', { kind: 'bulkhead_rejected' }),
    ).toBe(1);
  });
});

describe('connection pool', () => {
  it('reuses one keep-alive connection for sequential calls', async () => {
    const client = makeClient();
    for (let i = 0; i < 20; i++) await detect(client);
    expect(served()).toBe(20);
    expect(mock().counts().connections).toBe(1);
  });

  it('caps open connections per host at the pool size', async () => {
    const client = makeClient({ poolMaxSocketsPerHost: 2, bulkheadConcurrency: 10 });
    mock().faults.set({ latencyMs: 30 });
    await Promise.all(Array.from({ length: 10 }, () => detect(client)));
    expect(served()).toBe(10);
    expect(mock().counts().connections).toBe(2);
  });
});
