/** The KServe v1 backend against the mock: batching, encodings, readiness and the width contract. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KServePredictResponseSchema } from '../src/ml/contract.js';
import { KServeMlBackend } from '../src/ml/kserve-backend.js';
import { MlClient } from '../src/ml/ml-client.js';
import { DEFAULT_ML_CONFIG, type KServeConfig } from '../src/ml/ml-config.js';
import { MlCallError } from '../src/ml/ml-failure.js';
import { createMlMetrics, type MlMetrics } from '../src/ml/ml-metrics.js';
import { metricValue, testClientConfig, vectorFor } from './support/ml-fixtures.js';
import { useMockMlServer } from './support/mock-ml.js';

const MODEL = 'anomaly-detector';
const PREDICT = `/v1/models/${MODEL}:predict`;

const mock = useMockMlServer();
let registry: Registry;
let metrics: MlMetrics;
let clients: MlClient[] = [];

function backend(overrides: Partial<KServeConfig> = {}, retryMaxAttempts = 1): KServeMlBackend {
  const client = new MlClient(testClientConfig(mock().url, { retryMaxAttempts }), metrics);
  clients.push(client);
  return new KServeMlBackend(client, { ...DEFAULT_ML_CONFIG.kserve, anomalyModel: MODEL, ...overrides });
}

/** n workloads; every third one has its pod memory jump to 98% of its limit. */
function cycle(n: number) {
  return Array.from({ length: n }, (_, i) =>
    vectorFor(`pod-${i}`, i % 3 === 0 ? { now: { pod_memory_usage: 0.98 } } : {}),
  );
}

beforeEach(() => {
  registry = new Registry();
  metrics = createMlMetrics(registry);
  Object.assign(mock().settings, {
    encoding: 'sklearn',
    maxBatchSize: Number.MAX_SAFE_INTEGER,
    models: [MODEL],
  });
});
afterEach(() => {
  for (const c of clients) c.close();
  clients = [];
});

describe('KServe batching', () => {
  it('sends a whole cycle of vectors in one call when the batch limit allows', async () => {
    const vectors = cycle(25);
    const outcomes = await backend({ maxBatchSize: 100 }).detectAnomalies(vectors);
    expect(mock().counts().byPath[PREDICT]).toBe(1);
    expect(mock().counts().kserveBatchSizes).toEqual([25]);
    expect(outcomes.map((o) => o.vector.pod)).toEqual(vectors.map((v) => v.pod));
    expect(outcomes.map((o) => o.verdict?.anomaly)).toEqual(vectors.map((_, i) => i % 3 === 0));
  });

  it('splits into batches no larger than the configured maximum', async () => {
    const outcomes = await backend({ maxBatchSize: 10 }).detectAnomalies(cycle(25));
    expect(mock().counts().kserveBatchSizes).toEqual([10, 10, 5]);
    expect(outcomes.filter((o) => o.verdict).length).toBe(25);
  });

  it('fails only the batches a size-limited server rejects', async () => {
    mock().settings.maxBatchSize = 10;
    const outcomes = await backend({ maxBatchSize: 12 }).detectAnomalies(cycle(16));
    expect(mock().counts().kserveBatchSizes).toEqual([12, 4]);
    expect(outcomes.slice(0, 12).every((o) => o.error?.kind === 'http_5xx')).toBe(true);
    expect(outcomes.slice(12).every((o) => o.verdict !== undefined)).toBe(true);
  });
});

describe('prediction encodings', () => {
  it.each([
    ['sklearn', {}],
    ['boolean', { encoding: 'boolean' }],
    ['score', { encoding: 'score', scoreThreshold: 0.5 }],
  ] as const)('decodes the %s encoding', async (encoding, config) => {
    mock().settings.encoding = encoding;
    const outcomes = await backend(config).detectAnomalies([
      vectorFor('calm'),
      vectorFor('leaking', { now: { pod_memory_usage: 0.98 } }),
    ]);
    expect(outcomes.map((o) => o.verdict?.anomaly)).toEqual([false, true]);
    for (const o of outcomes) {
      expect(o.verdict?.confidence).toBeGreaterThan(0);
      expect(o.verdict?.confidence).toBeLessThanOrEqual(1);
    }
  });

  it.each(['sklearn', 'score'] as const)(
    'reads boolean answers under the %s encoding (booleans are unambiguous)',
    async (encoding) => {
      mock().settings.encoding = 'boolean';
      const outcomes = await backend({ encoding }).detectAnomalies([
        vectorFor('calm'),
        vectorFor('leaking', { now: { pod_memory_usage: 0.98 } }),
      ]);
      expect(outcomes.map((o) => o.verdict?.anomaly)).toEqual([false, true]);
    },
  );

  it('rejects numbers that do not fit the configured encoding as invalid responses', async () => {
    mock().settings.encoding = 'score';
    const [outcome] = await backend({ encoding: 'sklearn' }).detectAnomalies([vectorFor('calm')]);
    expect(outcome?.error?.kind).toBe('invalid_response');
    expect(outcome?.error?.detail).toMatch(/predictions\.0: expected an sklearn label/);
    expect(
      await metricValue(registry, 'coordination_engine_ml_failures_total', { kind: 'invalid_response' }),
    ).toBe(1);
  });

  it('rejects a response without predictions as invalid', async () => {
    mock().faults.set({ malformed: 'missing_field' });
    const [outcome] = await backend().detectAnomalies([vectorFor('calm')]);
    expect(outcome?.error?.kind).toBe('invalid_response');
  });
});

/** A deliberately broken server that always answers `body`, whatever it is asked. */
async function withFixedAnswer(body: unknown, use: (kserve: KServeMlBackend) => Promise<void>) {
  const broken = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = broken.address() as AddressInfo;
    const client = new MlClient(testClientConfig(`http://127.0.0.1:${port}`), metrics);
    clients.push(client);
    await use(new KServeMlBackend(client, { ...DEFAULT_ML_CONFIG.kserve, anomalyModel: MODEL }));
  } finally {
    broken.closeAllConnections();
    await new Promise<void>((resolve) => broken.close(() => resolve()));
  }
}

describe('prediction count and types', () => {
  it('rejects predictions that mix booleans and numbers', async () => {
    await withFixedAnswer({ predictions: [true, 1] }, async (kserve) => {
      const outcomes = await kserve.detectAnomalies([vectorFor('a'), vectorFor('b')]);
      expect(outcomes.map((o) => o.error?.kind)).toEqual(['invalid_response', 'invalid_response']);
      expect(outcomes[0]?.error?.detail).toMatch(/predictions: predictions mix booleans and numbers/);
    });
  });

  it('rejects a response with fewer predictions than instances sent', async () => {
    // Always one prediction, whatever the batch.
    const broken = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ predictions: [1] }));
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = broken.address() as AddressInfo;
      const client = new MlClient(testClientConfig(`http://127.0.0.1:${port}`), metrics);
      clients.push(client);
      const kserve = new KServeMlBackend(client, { ...DEFAULT_ML_CONFIG.kserve, anomalyModel: MODEL });
      const outcomes = await kserve.detectAnomalies([vectorFor('a'), vectorFor('b')]);
      expect(outcomes.map((o) => o.error?.kind)).toEqual(['invalid_response', 'invalid_response']);
      expect(outcomes[0]?.error?.detail).toMatch(/expected 2 predictions \(one per instance\), got 1/);
    } finally {
      broken.closeAllConnections();
      await new Promise<void>((resolve) => broken.close(() => resolve()));
    }
  });
});

describe('readiness and contract violations', () => {
  it('reads model readiness from GET /v1/models/<model>, then proves it with a canary inference', async () => {
    expect(await backend().checkReady()).toEqual({
      ready: true,
      detail: `model ${MODEL} says it is ready, and a canary inference answered`,
    });
    expect(mock().counts().byPath[`/v1/models/${MODEL}`]).toBe(1);
    expect(mock().counts().byPath[PREDICT]).toBe(1);
    expect(mock().counts().kserveBatchSizes).toEqual([1]);
    const missing = await backend({ anomalyModel: 'no-such-model' })
      .checkReady()
      .catch((err: unknown) => err);
    expect(missing).toBeInstanceOf(MlCallError);
    expect((missing as MlCallError).status).toBe(404);
  });

  it('is not ready when the model says ready but cannot score (mock --untrained)', async () => {
    mock().settings.untrained = true;
    const err = await backend()
      .checkReady()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlCallError);
    expect((err as MlCallError).kind).toBe('http_5xx');
    expect((err as MlCallError).message).toMatch(
      /^model anomaly-detector says it is ready, but a canary inference failed \(http_5xx, HTTP 500: This IsolationForest instance is not fitted yet/,
    );
  });

  it('treats a reply naming another model as a contract violation (mock --model-name)', async () => {
    // Like the Flask server: every model path is served, and replies name the model it loaded.
    mock().settings.modelName = 'other-model';
    const kserve = backend({ maxBatchSize: 2 }, 3);
    const outcomes = await kserve.detectAnomalies(cycle(5));
    expect(outcomes.every((o) => o.error?.kind === 'contract_violation')).toBe(true);
    expect(outcomes[0]?.error?.detail).toBe(
      `model_name "other-model" in the reply is not the configured model "${MODEL}" (ML_KSERVE_ANOMALY_MODEL)`,
    );
    // Not retried, and the batches after the first were not sent.
    expect(mock().counts().kserveBatchSizes).toEqual([2]);
    const ready = await kserve.checkReady().catch((e: unknown) => e);
    expect((ready as MlCallError).kind).toBe('contract_violation');
    expect((ready as MlCallError).detail).toMatch(/^name "other-model" in the reply/);
  });

  it('reports a wrong input width as a contract violation: not retried, not an anomaly', async () => {
    const client = new MlClient(testClientConfig(mock().url, { retryMaxAttempts: 3 }), metrics);
    clients.push(client);
    const err = await client
      .request({
        endpoint: 'kserve_predict',
        method: 'POST',
        path: PREDICT,
        body: { instances: [vectorFor('short').values.slice(0, 44)] },
        schema: KServePredictResponseSchema,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlCallError);
    expect((err as MlCallError).kind).toBe('contract_violation');
    expect((err as MlCallError).detail).toMatch(/X has 44 features/);
    expect(mock().counts().byPath[PREDICT]).toBe(1);
    expect(client.breakerState).toBe('closed');
    expect(
      await metricValue(registry, 'coordination_engine_ml_failures_total', { kind: 'contract_violation' }),
    ).toBe(1);
  });

  it("logs a contract violation at error level with the server's message", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const client = new MlClient(testClientConfig(mock().url), metrics, logger);
    clients.push(client);
    await new KServeMlBackend(client, { ...DEFAULT_ML_CONFIG.kserve, anomalyModel: MODEL }).detectAnomalies([
      vectorFor('a'),
    ]);
    expect(lines).toEqual([]);
    mock().faults.set({
      failEvery: 1,
      failStatus: 500,
      failMessage: 'X has 46 features, but IsolationForest is expecting 45 features as input.',
    });
    await new KServeMlBackend(client, { ...DEFAULT_ML_CONFIG.kserve, anomalyModel: MODEL }).detectAnomalies([
      vectorFor('a'),
    ]);
    const errors = lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toMatch(/ML CONTRACT VIOLATION/);
    expect(errors[0]?.detail).toMatch(/X has 46 features/);
  });

  it('turns a width error from the server into per-vector failures, never verdicts', async () => {
    mock().faults.set({
      failEvery: 1,
      failStatus: 500,
      failMessage: 'X has 44 features, but IsolationForest is expecting 45 features as input.',
    });
    const outcomes = await backend({}, 3).detectAnomalies(cycle(4));
    expect(outcomes.every((o) => o.verdict === undefined && o.error?.kind === 'contract_violation')).toBe(
      true,
    );
    expect(mock().counts().byPath[PREDICT]).toBe(1);
  });
});
