import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockMlServer, startMockMlServer } from '../../mock-ml-server/src/server.js';
import { type RunningPrometheus, startScrapingPrometheus } from '../../src/demo/prometheus-launcher.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { type Simulator, startSimulator } from '../../src/simulator/simulator.js';
import { testPolicy } from '../support/policy-fixtures.js';
import { waitFor } from '../support/wait-for.js';
import {
  type EngineProcess,
  type PolicyStatusView,
  policyStatus,
  sandboxWithCrd,
  startEngineProcess,
  stopProcess,
} from './engine-harness.js';

/**
 * The engine with all its real dependencies: the Kubernetes API sandbox with the simulated control plane running
 * the workloads, Debian's Prometheus backfilled with the simulator's history of those very pods and scraping its
 * exporter, and the mock ML server over HTTP.
 */
let env: Awaited<ReturnType<typeof sandboxWithCrd>>;
let sandbox: Sandbox;
let simulator: Simulator;
let prometheus: RunningPrometheus;
let ml: MockMlServer;
let engine: EngineProcess;
/** Deployment web (2 pods), StatefulSet db (2 pods) and the bare Pod report: three targets, five pods. */
const TARGETS = 3;

type Condition = NonNullable<PolicyStatusView['conditions']>[number];
type Status = PolicyStatusView & {
  targets?: { total: number; healthy: number; anomalous: number; insufficientData: number };
};
const status = () => policyStatus(sandbox, 'shop', 'ml-guided') as Status | undefined;
const degraded = (): Condition | undefined => status()?.conditions?.find((c) => c.type === 'Degraded');

async function health(): Promise<{
  status: number;
  body: {
    status: string;
    dependencies: Record<string, { status: string; details?: Record<string, unknown> }>;
  };
}> {
  const res = await engine.get('/api/v1/health');
  return { status: res.status, body: JSON.parse(res.text) };
}

/** Events about the ml-guided policy, as `type reason`. */
const policyEvents = () =>
  sandbox.store
    .list('events', 'shop')
    .filter((e) => (e.involvedObject as { name?: string } | undefined)?.name === 'ml-guided')
    .map((e) => `${String(e.type)} ${String(e.reason)}`);

/** Waits for an evaluation strictly after `after` (ISO time) that satisfies `check`. */
async function nextEvaluation(description: string, after: string | undefined, check: (s: Status) => boolean) {
  return waitFor(
    description,
    () => {
      const s = status();
      if (!s?.lastEvaluationTime || (after !== undefined && s.lastEvaluationTime <= after)) return undefined;
      return check(s) ? s : undefined;
    },
    { timeoutMs: 40_000 },
  );
}

async function createWorkloads(): Promise<void> {
  const labels = { app: 'shop' };
  const template = (component: string) => ({
    metadata: { labels: { ...labels, component } },
    spec: {
      containers: [
        { name: 'app', image: `shop/${component}:1`, resources: { limits: { cpu: '1', memory: '256Mi' } } },
      ],
    },
  });
  const post = (path: string, body: object) => env.rest.request({ method: 'POST', path, body });
  await post('/api/v1/namespaces', { metadata: { name: 'shop' } });
  await post('/apis/apps/v1/namespaces/shop/deployments', {
    metadata: { name: 'web', labels },
    spec: { replicas: 2, selector: { matchLabels: { component: 'web' } }, template: template('web') },
  });
  await post('/apis/apps/v1/namespaces/shop/statefulsets', {
    metadata: { name: 'db', labels },
    spec: {
      replicas: 2,
      serviceName: 'db',
      selector: { matchLabels: { component: 'db' } },
      template: template('db'),
    },
  });
  await post('/api/v1/namespaces/shop/pods', {
    metadata: { name: 'report', ...template('report').metadata },
    spec: template('report').spec,
  });
  await waitFor(
    'five Running pods',
    () => {
      const pods = sandbox.store.list('pods', 'shop');
      return (
        pods.length === 5 &&
        pods.every((p) => (p.status as { phase?: string } | undefined)?.phase === 'Running')
      );
    },
    { timeoutMs: 30_000 },
  );
}

beforeAll(async () => {
  [ml, env] = await Promise.all([startMockMlServer({ port: 0, faults: {} }), sandboxWithCrd()]);
  sandbox = env.sandbox;
  simulator = await startSimulator({ kubeConfig: sandbox.kubeConfig(), exporterPort: 0 });
  await createWorkloads();
  const history = await simulator.history(15 * 60, 15);
  prometheus = await startScrapingPrometheus(
    { targets: [new URL(simulator.exporter?.url ?? '').host], intervalSeconds: 5 },
    history,
  );
  const policy = testPolicy('ml-guided')
    .inNamespace('shop')
    .targeting({ app: 'shop' })
    .withMode('ML')
    .withSpecField('evaluationInterval', '10s')
    .build();
  sandbox.create('coordination-engine.io', 'v1alpha1', 'remediationpolicies', policy as never);
  // A rules policy whose condition holds for every pod with data: each target becomes anomalous at once.
  const always = testPolicy('always-hot')
    .inNamespace('shop')
    .targeting({ app: 'shop' })
    .withRule({ name: 'any-cpu', feature: 'node_cpu_utilization.value', operator: '>=', value: 0, for: '0s' })
    .withSpecField('evaluationInterval', '10s')
    .build();
  sandbox.create('coordination-engine.io', 'v1alpha1', 'remediationpolicies', always as never);
  engine = await startEngineProcess(`${env.dir}/kubeconfig`, 'detector', [
    '--prometheus-url',
    prometheus.url,
    '--ml-service-url',
    ml.url,
    '--ml-service-timeout',
    '1s',
    '--ml-circuit-breaker-threshold',
    '1',
    '--ml-circuit-breaker-timeout',
    '2s',
  ]);
}, 120_000);

afterAll(async () => {
  await stopProcess(engine);
  await Promise.all([prometheus?.stop(), ml?.close(), simulator?.stop()]);
  await env?.cleanup();
});

describe('engine detection with Prometheus and the ML service', () => {
  it('judges every selected pod from real features through the ML service', async () => {
    const s = await nextEvaluation(
      'a full evaluation',
      undefined,
      (x) => x.targets?.total === TARGETS && x.targets.insufficientData === 0,
    );
    expect((s.targets?.healthy ?? 0) + (s.targets?.anomalous ?? 0)).toBe(TARGETS);
    expect(degraded()).toMatchObject({ status: 'False', reason: 'DependenciesHealthy' });
    expect(ml.counts().byPath['/api/v1/anomaly/detect']).toBeGreaterThanOrEqual(TARGETS);
    const h = await health();
    expect(h.body.dependencies.mlService?.status).toBe('ok');
    expect(h.body.dependencies.prometheus?.status).toBe('ok');
  });

  it('records an AnomalyDetected Event per newly anomalous target, with the evidence, and does not act', async () => {
    const anomalies = await waitFor('one AnomalyDetected Event per target', () => {
      const found = sandbox.store
        .list('events', 'shop')
        .filter(
          (e) =>
            (e.involvedObject as { name?: string }).name === 'always-hot' && e.reason === 'AnomalyDetected',
        );
      return found.length === TARGETS ? found : undefined;
    });
    for (const event of anomalies) {
      expect(event.type).toBe('Warning');
      expect(String(event.message)).toMatch(
        /^(Deployment|StatefulSet|Pod) shop\/\S+ is anomalous: (pod \S+: rule any-cpu \(node_cpu_utilization\.value = [0-9.]+ >= 0 for 0s\); )*pod \S+: rule any-cpu \(node_cpu_utilization\.value = [0-9.]+ >= 0 for 0s\)$/,
      );
    }
    expect((policyStatus(sandbox, 'shop', 'always-hot') as Status | undefined)?.targets).toMatchObject({
      anomalous: TARGETS,
    });
  });

  it('keeps evaluating on rules and the local detector while the ML service is down, then clears', async () => {
    ml.faults.set({ failEvery: 1, failStatus: 503 });
    const before = status()?.lastEvaluationTime;
    const down = await nextEvaluation(
      'Degraded=True MLServiceUnavailable',
      before,
      () => degraded()?.reason === 'MLServiceUnavailable',
    );
    expect(degraded()?.status).toBe('True');
    expect(down.phase).toBe('Degraded');
    // Still judging every target (rules and the local detector), never "insufficient" because of the ML outage.
    expect(down.targets).toMatchObject({ total: TARGETS, insufficientData: 0 });
    const kept = await nextEvaluation(
      'another evaluation during the outage',
      down.lastEvaluationTime,
      (x) => x.targets?.insufficientData === 0,
    );
    expect((kept.lastEvaluationTime ?? '') > (down.lastEvaluationTime ?? '')).toBe(true);
    const during = await health();
    expect(during.status).toBe(200);
    expect(during.body.status).toBe('degraded');
    expect(during.body.dependencies.mlService?.status).toBe('degraded');
    expect(['open', 'half_open']).toContain(during.body.dependencies.mlService?.details?.breaker);
    expect(during.body.dependencies.mlService?.details?.lastError).toBeDefined();

    await waitFor('a Warning Event for the outage', () =>
      policyEvents().includes('Warning MLServiceUnavailable'),
    );

    ml.faults.set({});
    await nextEvaluation(
      'Degraded cleared after recovery',
      kept.lastEvaluationTime,
      () => degraded()?.status === 'False',
    );
    await waitFor(
      'mlService ok in health',
      async () => (await health()).body.dependencies.mlService?.status === 'ok',
      { timeoutMs: 20_000 },
    );
    expect((await health()).body.dependencies.mlService?.details?.breaker).toBe('closed');
    expect(status()?.phase).toBe('Active');
    await waitFor('a Normal Event for the recovery', () =>
      policyEvents().includes('Normal DependenciesHealthy'),
    );
  });

  it('reports PrometheusUnavailable and judges nothing when Prometheus is unreachable', async () => {
    const before = status()?.lastEvaluationTime;
    await prometheus.stop();
    const s = await nextEvaluation(
      'Degraded=True PrometheusUnavailable',
      before,
      () => degraded()?.reason === 'PrometheusUnavailable',
    );
    const { insufficient, ...counts } = s.targets as typeof s.targets & {
      insufficient?: Array<{ name: string; reason: string }>;
    };
    expect(counts).toEqual({
      total: TARGETS,
      healthy: 0,
      anomalous: 0,
      insufficientData: TARGETS,
    });
    // Each target says why it was not judged: the metrics are unavailable.
    expect(insufficient?.map((t) => t.name).sort()).toEqual(['db', 'report', 'web']);
    for (const t of insufficient ?? []) expect(t.reason).toContain('metrics unavailable');
    expect(degraded()?.message).toContain('metrics unavailable');
  });
});
