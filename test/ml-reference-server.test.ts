/**
 * The ML layer as the engine builds it (ML_BACKEND=kserve, every other setting at its default) against a server
 * that behaves like the reference Flask model server (test/support/reference-kserve-server.ts), over HTTP:
 * boolean predictions with `model_name` are understood under the default `sklearn` encoding; a reply for another
 * model is a contract violation; a server that says ready without a trained model is found out by the canary.
 */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { DetectionCycle, type FeatureSource } from '../src/detection/detection-cycle.js';
import { RuleTracker } from '../src/detection/rule-tracker.js';
import { FEATURE_COUNT } from '../src/metrics/feature-catalogue.js';
import { mlConfigFromEnv } from '../src/ml/ml-config.js';
import { mlDegradedCondition } from '../src/ml/ml-health.js';
import { createMlService, type MlServiceHandle } from '../src/ml/ml-service-factory.js';
import { policySpecSchema } from '../src/policy/spec-schema.js';
import { mlServiceHealthSource } from '../src/server/ml-health-source.js';
import { vector } from './detection/vectors.js';
import { metricValue, vectorFor } from './support/ml-fixtures.js';
import {
  type ReferenceServer,
  type ReferenceServerState,
  startReferenceServer,
} from './support/reference-kserve-server.js';

const PREDICT = '/v1/models/anomaly-detector:predict';
let server: ReferenceServer | undefined;
let ml: MlServiceHandle | undefined;
let registry: Registry;

afterEach(async () => {
  ml?.close();
  ml = undefined;
  await server?.close();
  server = undefined;
});

/** The reference server and the engine's ML layer with only ML_BACKEND (and `env`) set. */
async function setUp(state: Partial<ReferenceServerState> = {}, env: Record<string, string> = {}) {
  server = await startReferenceServer(state);
  registry = new Registry();
  const config = mlConfigFromEnv({ ML_BACKEND: 'kserve', ML_SERVICE_URL: server.url, ...env });
  ml = createMlService(config, { registry });
  return { server, ml, config, health: mlServiceHealthSource(ml.service, { now: () => Date.now() }, 0) };
}

/** n calm pods; every third one has its memory at 98 % of its limit. */
const cycle = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    vectorFor(`pod-${i}`, i % 3 === 0 ? { now: { pod_memory_usage: 0.98 } } : {}),
  );

describe('a Flask-style KServe server under default settings', () => {
  it('is ready after a canary inference, and its boolean answers are the verdicts', async () => {
    const { server, ml, config, health } = await setUp();
    expect(config.kserve).toMatchObject({ encoding: 'sklearn', anomalyModel: 'anomaly-detector' });

    const probed = await ml.service.probe();
    expect(probed.status).toBe('ok');
    // Readiness asked, then proven: one canary row of the full width.
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/models/anomaly-detector',
      `POST ${PREDICT}`,
    ]);
    expect(server.requests[1]?.rowWidths).toEqual([FEATURE_COUNT]);

    const vectors = cycle(12);
    const decisions = await ml.service.assessAnomalies(vectors);
    expect(decisions.map((d) => d.source)).toEqual(vectors.map(() => 'ml'));
    expect(decisions.map((d) => d.anomaly)).toEqual(vectors.map((_, i) => i % 3 === 0));
    // The server's limit of 10 instances is the default batch size.
    expect(server.requests.slice(2).map((r) => r.rowWidths?.length)).toEqual([10, 2]);
    expect(await health.check()).toMatchObject({ status: 'ok' });
  });
});

describe('a reply for another model', () => {
  it('is a contract violation: counted, not used, not retried, reported as such', async () => {
    // The server ignores the URL's model name, so a typo in ours reaches it and is answered by its model.
    const { server, ml, health } = await setUp({}, { ML_KSERVE_ANOMALY_MODEL: 'anomaly-detectr' });
    const decisions = await ml.service.assessAnomalies(cycle(25));
    expect(decisions.every((d) => d.source !== 'ml')).toBe(true);
    expect(decisions[0]?.note).toMatch(/^ML contract violation \(model_name "anomaly-detector" in the reply/);
    // The first batch told us; the other two would say the same and were not sent.
    expect(server.requests.map((r) => r.path)).toEqual(['/v1/models/anomaly-detectr:predict']);
    expect(
      await metricValue(registry, 'coordination_engine_ml_failures_total', { kind: 'contract_violation' }),
    ).toBe(1);
    expect(ml.client.breakerState).toBe('closed');

    const snapshot = ml.service.snapshot();
    expect(snapshot).toMatchObject({ status: 'degraded', lastError: { kind: 'contract_violation' } });
    const condition = mlDegradedCondition(snapshot);
    expect(condition.message).toMatch(/^ML contract violation \(/);
    expect(condition.message).toContain('not the configured model "anomaly-detectr"');
    expect(condition.message).not.toMatch(/unavailable/);

    // /api/v1/health's mlService: its probe finds the same, from the readiness reply's own name.
    const report = await health.check();
    expect(report.status).toBe('degraded');
    expect(report.message).toMatch(/^ML contract violation \(.*name "anomaly-detector" in the reply/);
    expect(report.message).not.toMatch(/unavailable/);
  });

  it("makes the policy's Degraded message say contract violation", async () => {
    const { ml } = await setUp({ modelName: 'anomaly-detector-v2' });
    const features: FeatureSource = {
      build: async (_selection, atMs) => ({
        status: 'ok',
        schemaVersion: 'v1',
        evaluatedAtMs: atMs,
        vectors: [vector('web-1'), vector('web-2', { 'pod_memory_usage.value': 0.97 })],
        queries: 6,
        warnings: [],
      }),
    };
    const detection = new DetectionCycle({
      features,
      rules: new RuleTracker(),
      ml: ml.service,
      mlTarget: { backend: 'kserve', model: 'anomaly-detector' },
    });
    const policy = {
      key: 'shop/ml',
      spec: policySpecSchema.parse({ detection: { mode: 'ML', ml: { backend: 'kserve', for: '0s' } } }),
      targets: [
        {
          target: { kind: 'Deployment' as const, namespace: 'shop', name: 'web' },
          pods: [
            { namespace: 'shop', name: 'web-1' },
            { namespace: 'shop', name: 'web-2' },
          ],
        },
      ],
    };
    const result = (await detection.run([policy], Date.UTC(2026, 0, 25, 10))).get('shop/ml');
    const messages = result?.problems.map((p) => p.message) ?? [];
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      /^ML contract violation \(.*model_name "anomaly-detector-v2" in the reply is not the configured model "anomaly-detector"/,
    );
  });
});

describe('a server that says ready without a trained model', () => {
  it('fails readiness on the canary inference, and says so', async () => {
    const { server, ml, health } = await setUp({ untrained: 'fails' });
    const probed = await ml.service.probe();
    expect(probed.status).toBe('degraded');
    expect(probed.lastError?.kind).toBe('http_5xx');
    expect(probed.lastError?.message).toMatch(
      /^model anomaly-detector says it is ready, but a canary inference failed \(http_5xx, HTTP 500: This IsolationForest instance is not fitted yet/,
    );
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/models/anomaly-detector',
      `POST ${PREDICT}`,
    ]);
    const report = await health.check();
    expect(report.status).toBe('degraded');
    expect(report.message).toMatch(
      /^ML service unavailable \(breaker closed, last error: .*canary inference failed/,
    );
  });

  it('fails readiness when the canary is answered with no prediction', async () => {
    const { ml } = await setUp({ untrained: 'garbage' });
    const probed = await ml.service.probe();
    expect(probed.status).toBe('degraded');
    expect(probed.lastError?.kind).toBe('invalid_response');
    expect(probed.lastError?.message).toMatch(/canary inference failed .*expected 1 predictions/);
  });
});
