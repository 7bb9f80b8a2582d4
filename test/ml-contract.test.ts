/**
 * Contract suite: checks that an ML service speaks the contracts the engine expects, through the engine's
 * own client and zod schemas. CI runs it against the mock it starts; point it at a real service with
 *   ML_CONTRACT_BASE_URL=http://aiops-ml-service:8080 npx vitest run test/ml-contract.test.ts
 * and, for a KServe model server, ML_CONTRACT_KSERVE_URL, ML_CONTRACT_KSERVE_MODEL and
 * ML_CONTRACT_KSERVE_ENCODING (sklearn | boolean | score). The KServe part is skipped when a base URL is
 * given without a KServe URL.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockMlServer, startMockMlServer } from '../mock-ml-server/src/server.js';
import { KServeModelListSchema, KServePredictResponseSchema } from '../src/ml/contract.js';
import { KServeMlBackend } from '../src/ml/kserve-backend.js';
import { MlClient } from '../src/ml/ml-client.js';
import { DEFAULT_ML_CONFIG } from '../src/ml/ml-config.js';
import { MlCallError } from '../src/ml/ml-failure.js';
import { createMlMetrics, type MlMetrics } from '../src/ml/ml-metrics.js';
import { PREDICTION_ENCODINGS, type PredictionEncoding } from '../src/ml/prediction-encoding.js';
import { RestMlBackend } from '../src/ml/rest-backend.js';
import { testClientConfig, vectorFor } from './support/ml-fixtures.js';

const env = process.env;
const external = env.ML_CONTRACT_BASE_URL;
const kserveSkipped = external !== undefined && env.ML_CONTRACT_KSERVE_URL === undefined;
const model = env.ML_CONTRACT_KSERVE_MODEL ?? 'anomaly-detector';
const encoding = (env.ML_CONTRACT_KSERVE_ENCODING ?? 'sklearn') as PredictionEncoding;

let mock: MockMlServer | undefined;
let metrics: MlMetrics;
const clients: MlClient[] = [];

function client(baseUrl: string): MlClient {
  // Generous timeout and no retries: a contract run reports the service as it is.
  const c = new MlClient(testClientConfig(baseUrl, { timeoutMs: 10_000, breakerThreshold: 1_000 }), metrics);
  clients.push(c);
  return c;
}

let restUrl: string;
let kserveUrl: string;

beforeAll(async () => {
  if (!PREDICTION_ENCODINGS.includes(encoding))
    throw new Error(`ML_CONTRACT_KSERVE_ENCODING: unknown "${encoding}"`);
  metrics = createMlMetrics(new Registry());
  if (external === undefined) mock = await startMockMlServer({ port: 0, faults: {} });
  restUrl = external ?? (mock as MockMlServer).url;
  kserveUrl = env.ML_CONTRACT_KSERVE_URL ?? restUrl;
});
afterAll(async () => {
  for (const c of clients) c.close();
  await mock?.close();
});

const t0 = Date.parse('2026-01-25T10:00:00Z');

describe('ADR-009 REST contract', () => {
  const rest = () => new RestMlBackend(client(restUrl), 2);

  it('GET /health answers a valid health body', async () => {
    const readiness = await rest().checkReady();
    expect(readiness.ready).toBe(true);
  });

  it('POST /api/v1/anomaly/detect answers a valid verdict for a 45-feature vector', async () => {
    const outcomes = await rest().detectAnomalies([
      vectorFor('calm'),
      vectorFor('spiking', { now: { pod_memory_usage: 0.99, container_restart_count: 4 } }),
    ]);
    for (const outcome of outcomes) {
      expect(outcome.error).toBeUndefined();
      expect(typeof outcome.verdict?.anomaly).toBe('boolean');
      expect(outcome.verdict?.confidence).toBeGreaterThanOrEqual(0);
      expect(outcome.verdict?.confidence).toBeLessThanOrEqual(1);
    }
  });

  it('POST /api/v1/prediction/predict answers valid predicted issues', async () => {
    const response = await rest().predictIssues({
      issue_context: {
        current_state: 'degraded',
        recent_events: ['pod_restart', 'high_cpu'],
        metrics: [0, 5, 10].map((m) => ({
          name: 'pod_memory_usage.value',
          value: 0.7 + 0.02 * m,
          timestamp: new Date(t0 + m * 60_000).toISOString(),
        })),
      },
    });
    expect(Array.isArray(response.predicted_issues)).toBe(true);
    expect(Array.isArray(response.suggested_actions)).toBe(true);
  });

  it('POST /api/v1/pattern/analyze answers valid patterns', async () => {
    const response = await rest().analyzePatterns({
      historical_data: {
        time_range: '24h',
        events: [0, 10, 20, 30].map((m) => ({
          timestamp: new Date(t0 + m * 60_000).toISOString(),
          type: 'high_cpu',
        })),
      },
    });
    expect(Array.isArray(response.patterns)).toBe(true);
  });

  it('rejects an invalid request with a 4xx, not a 5xx', async () => {
    const err = await client(restUrl)
      .request({
        endpoint: 'anomaly_detect',
        method: 'POST',
        path: '/api/v1/anomaly/detect',
        body: { metrics: 'not a list' },
        schema: KServePredictResponseSchema,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlCallError);
    expect((err as MlCallError).kind).toBe('http_4xx');
  });
});

describe.skipIf(kserveSkipped)('KServe v1 contract', () => {
  const kserve = () =>
    new KServeMlBackend(client(kserveUrl), {
      ...DEFAULT_ML_CONFIG.kserve,
      anomalyModel: model,
      encoding,
      maxBatchSize: 10,
    });

  it('GET /v1/models lists the model and GET /v1/models/<model> says it is ready', async () => {
    const list = await client(kserveUrl).request({
      endpoint: 'kserve_models',
      method: 'GET',
      path: '/v1/models',
      schema: KServeModelListSchema,
    });
    expect(list.models.map((m) => (typeof m === 'string' ? m : m.name))).toContain(model);
    expect((await kserve().checkReady()).ready).toBe(true);
  });

  it('POST :predict answers one prediction per instance in the configured encoding', async () => {
    const vectors = Array.from({ length: 7 }, (_, i) => vectorFor(`pod-${i}`));
    const outcomes = await kserve().detectAnomalies(vectors);
    expect(outcomes).toHaveLength(7);
    for (const outcome of outcomes) expect(outcome.error).toBeUndefined();
  });

  it('refuses a row of the wrong width without calling it an anomaly', async () => {
    const err = await client(kserveUrl)
      .request({
        endpoint: 'kserve_predict',
        method: 'POST',
        path: `/v1/models/${encodeURIComponent(model)}:predict`,
        body: { instances: [vectorFor('short').values.slice(0, 44)] },
        schema: KServePredictResponseSchema,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlCallError);
    expect(['contract_violation', 'http_4xx']).toContain((err as MlCallError).kind);
  });
});
