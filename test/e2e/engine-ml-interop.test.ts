import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_COUNT } from '../../src/metrics/feature-catalogue.js';
import { type ReferenceServer, startReferenceServer } from '../support/reference-kserve-server.js';
import { waitFor } from '../support/wait-for.js';
import { type EngineProcess, sandboxWithCrd, startEngineProcess, stopProcess } from './engine-harness.js';

/**
 * The engine process, with nothing but `--ml-backend kserve` and the URL set, against a server that behaves like
 * the reference Flask model server (boolean predictions, its own `model_name`, ready while untrained). What
 * /api/v1/health says about the ML service, as an operator reads it.
 */
let env: Awaited<ReturnType<typeof sandboxWithCrd>>;
let reference: ReferenceServer;
let engine: EngineProcess;

interface MlServiceHealth {
  status: string;
  message: string;
  details?: { lastError?: { kind: string; message: string } };
}

async function mlHealth(): Promise<MlServiceHealth | undefined> {
  const res = await engine.get('/api/v1/health');
  return (JSON.parse(res.text) as { dependencies: Record<string, MlServiceHealth> }).dependencies.mlService;
}

/** Health is re-probed every 5 s at most; wait for a report that fits. */
const healthWhere = (description: string, check: (h: MlServiceHealth) => boolean) =>
  waitFor(
    description,
    async () => {
      const h = await mlHealth();
      return h && check(h) ? h : undefined;
    },
    { timeoutMs: 20_000 },
  );

beforeAll(async () => {
  [env, reference] = await Promise.all([sandboxWithCrd(), startReferenceServer()]);
  engine = await startEngineProcess(`${env.dir}/kubeconfig`, 'ml-interop', [
    '--ml-backend',
    'kserve',
    '--ml-service-url',
    reference.url,
  ]);
}, 60_000);

afterAll(async () => {
  await stopProcess(engine);
  await reference?.close();
  await env?.cleanup();
});

describe('engine against a Flask-style KServe server', () => {
  it('reports the ML service ok once a canary inference has answered', async () => {
    const h = await healthWhere('mlService ok', (x) => x.status === 'ok');
    expect(h.message).toBe('circuit breaker closed');
    const canary = reference.requests.find((r) => r.path === '/v1/models/anomaly-detector:predict');
    expect(canary?.rowWidths).toEqual([FEATURE_COUNT]);
  });

  it('reports a reply for another model as a contract violation, not an outage', async () => {
    reference.state.modelName = 'anomaly-detector-v2';
    const h = await healthWhere('a contract violation', (x) => x.status === 'degraded');
    expect(h.message).toMatch(
      /^ML contract violation \(.*name "anomaly-detector-v2" in the reply is not the configured model "anomaly-detector"/,
    );
    expect(h.message).not.toMatch(/unavailable/);
    expect(h.details?.lastError?.kind).toBe('contract_violation');
    expect(
      await engine.metric(
        'coordination_engine_ml_failures_total',
        'endpoint="kserve_model_ready",kind="contract_violation"',
      ),
    ).toBeGreaterThanOrEqual(1);
  });

  it('reports an untrained server that says ready as not ready', async () => {
    reference.state.modelName = 'anomaly-detector';
    reference.state.untrained = 'fails';
    const h = await healthWhere('the canary failing', (x) => /canary/.test(x.message));
    expect(h.status).toBe('degraded');
    expect(h.message).toMatch(
      /^ML service unavailable \(breaker \w+, last error: model anomaly-detector says it is ready, but a canary inference failed \(http_5xx, HTTP 500: This IsolationForest instance is not fitted yet/,
    );
  });
});
