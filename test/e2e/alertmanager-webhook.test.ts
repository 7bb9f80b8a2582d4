import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, prometheusAvailable } from '../../src/demo/prometheus-launcher.js';
import { FEATURE_NAMES } from '../../src/metrics/feature-catalogue.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import type { Simulator } from '../../src/simulator/simulator.js';
import { testPolicy } from '../support/policy-fixtures.js';
import { waitFor } from '../support/wait-for.js';
import { type AlertingStack, alertmanagerAvailable, startAlertingStack } from './alerting-stack.js';
import { type EngineProcess, type sandboxWithCrd, startEngineProcess } from './engine-harness.js';
import { startLivingCluster, stopLivingCluster } from './living-cluster.js';
import { appDeployment } from './workload-fixtures.js';

/**
 * An alert from a real Alertmanager drives the engine. A Prometheus rule fires for one crash-looping pod;
 * Debian's Alertmanager posts it to the engine's webhook with the bearer token from a file; the engine evaluates
 * the pod's Deployment under the policy that selects it within 1 s of the delivery (measured by the engine: the
 * receive time and the assessment time, GET /api/v1/alerts), and acts through the usual gates. The policy's
 * evaluationInterval is 10 minutes, so after its first evaluation at start only the alert can explain another.
 */
let env: Awaited<ReturnType<typeof sandboxWithCrd>>;
let sandbox: Sandbox;
let simulator: Simulator;
let engine: EngineProcess;
let alerting: AlertingStack;

const NS = 'paged';
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

type Evaluation = {
  policy: { name: string };
  evaluated: boolean;
  startedAt: string;
  assessedAt?: string;
  delayMs?: number;
  targets: Array<{ kind: string; name: string; state: string }>;
  decisions: Array<{ result: string; reason: string; action?: string }>;
};
type Received = {
  fingerprint: string;
  alertname?: string;
  status: string;
  receivedAt: string;
  workload?: { namespace: string; pod?: string };
  result: string;
  evaluations?: Evaluation[];
};

const api = async <T>(path: string): Promise<T> => JSON.parse((await engine.get(path)).text) as T;
const template = (name: string) => {
  const spec = sandbox.getObject('apps', 'deployments', NS, name)?.spec as
    | { template: { metadata: { annotations?: Record<string, string> } } }
    | undefined;
  return spec?.template.metadata.annotations ?? {};
};

beforeAll(async () => {
  const cluster = await startLivingCluster(NS);
  ({ env, sandbox, simulator } = cluster);
  for (const name of ['api', 'bystander'])
    await cluster.post(
      `/apis/apps/v1/namespaces/${NS}/deployments`,
      appDeployment({ name, imagePrefix: NS, replicas: 1, labels: { team: 'paged' } }),
    );
  await waitFor(
    'both pods running',
    () =>
      sandbox.store.list('pods', NS).filter((p) => (p.status as { phase?: string }).phase === 'Running')
        .length === 2,
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  const policy = testPolicy('paged')
    .inNamespace(NS)
    .targeting({ team: 'paged' })
    .withRule({ name: 'crashing', signal: 'CrashLoopBackOff', operator: '==', value: 1, for: '0s' })
    .withActions({ name: 'roll', type: 'RolloutRestart', verificationWindow: '30s' })
    .withSafety({ dryRun: false })
    .withSpecField('evaluationInterval', '10m')
    .build();
  sandbox.create('coordination-engine.io', 'v1alpha1', 'remediationpolicies', policy as never);
  const tokenFile = join(env.dir, 'webhook-token');
  writeFileSync(tokenFile, 'token-from-a-mounted-secret\n');
  const prometheusPort = await freePort();
  engine = await startEngineProcess(`${env.dir}/kubeconfig`, 'paged', [
    '--prometheus-url',
    `http://127.0.0.1:${prometheusPort}`,
    '--webhook-token-file',
    tokenFile,
  ]);
  alerting = await startAlertingStack({
    scrapeTarget: new URL(simulator.exporter?.url ?? '').host,
    // Ten minutes of past for the pods: the engine's 5-minute windows are complete from its first cycle.
    history: await simulator.history(10 * 60, 15),
    prometheusPort,
    tokenFile,
    webhookUrl: `http://127.0.0.1:${engine.apiPort}/api/v1/alerts`,
    rules: [
      {
        alert: 'PodCrashLooping',
        expr: `kube_pod_container_status_waiting_reason{namespace="${NS}",reason="CrashLoopBackOff"} == 1`,
        labels: { severity: 'page' },
      },
    ],
  });
  // The policy's one scheduled evaluation (at start) is done before anything misbehaves.
  await waitFor(
    'the first evaluation',
    async () => (await api<{ assessment: unknown }>(`/api/v1/policies/${NS}/paged`)).assessment !== null,
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}, 120_000);

afterAll(async () => {
  await alerting?.stop();
  await stopLivingCluster({ engine, simulator, env });
});

describe.skipIf(!prometheusAvailable() || !alertmanagerAvailable())('alerts from a real Alertmanager', () => {
  it('an alert evaluates the named pod’s Deployment within 1 s of delivery, and the engine acts on it', async () => {
    const before = (await api<{ assessment: { evaluatedAt: string } }>(`/api/v1/policies/${NS}/paged`))
      .assessment.evaluatedAt;
    await env.rest.request({
      method: 'PATCH',
      path: `/apis/apps/v1/namespaces/${NS}/deployments/api`,
      contentType: 'application/merge-patch+json',
      body: {
        metadata: {
          annotations: {
            'sandbox.coordination-engine.io/behaviour': 'crashloop',
            'sandbox.coordination-engine.io/crash-after': '1s',
            'sandbox.coordination-engine.io/recovers-after': 'rollout-restart',
          },
        },
      },
    });

    // Prometheus fires, Alertmanager delivers, the engine evaluates: all of it seen from the engine's side.
    const alert = await waitFor(
      'the alert to be delivered and evaluated',
      async () =>
        (await api<{ items: Received[] }>('/api/v1/alerts')).items.find(
          (a) => a.alertname === 'PodCrashLooping' && a.status === 'firing' && a.evaluations,
        ),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(alert.result).toBe('evaluating');
    expect(alert.workload?.namespace).toBe(NS);
    expect(alert.workload?.pod).toMatch(/^api-/);
    const [evaluation] = alert.evaluations ?? [];
    expect(evaluation?.policy.name).toBe('paged');
    expect(evaluation?.evaluated).toBe(true);
    // Caused by the alert: the pass began after the delivery (the next scheduled one is 10 minutes away) ...
    const received = Date.parse(alert.receivedAt);
    expect(Date.parse(evaluation?.startedAt ?? '')).toBeGreaterThanOrEqual(received);
    expect(Date.parse(before)).toBeLessThan(received);
    // ... and assessed within 1 s of it.
    const assessed = Date.parse(evaluation?.assessedAt ?? '');
    expect(assessed - received).toBeLessThanOrEqual(1_000);
    expect(evaluation?.delayMs).toBe(assessed - received);
    expect(evaluation?.targets).toEqual([
      expect.objectContaining({ kind: 'Deployment', name: 'api', state: 'anomalous' }),
    ]);
    // Through the usual decision path and gates: the episode's first step, acted on.
    expect(evaluation?.decisions).toEqual(
      expect.arrayContaining([expect.objectContaining({ result: 'acted', action: 'RolloutRestart' })]),
    );
    expect(template('api')[RESTARTED_AT]).toBeDefined();
    expect(template('bystander')[RESTARTED_AT]).toBeUndefined();
    const [record] = sandbox.store.list('remediations.coordination-engine.io', NS);
    const startTime = (record?.status as { startTime?: string } | undefined)?.startTime ?? '';
    expect(Date.parse(startTime)).toBeGreaterThanOrEqual(received - 1_000);

    expect(
      await engine.metric('coordination_engine_webhook_requests_total', 'result="accepted"'),
    ).toBeGreaterThanOrEqual(1);
    expect(
      await engine.metric('coordination_engine_webhook_evaluation_delay_seconds_bucket', 'le="1"'),
    ).toBeGreaterThanOrEqual(1);
    expect(await engine.metric('coordination_engine_webhook_requests_total', 'result="unauthorized"')).toBe(
      0,
    );

    // The rollout cured it: the rule stops firing, and Alertmanager's resolved notification is recorded.
    const resolved = await waitFor(
      'the resolved notification',
      async () =>
        (await api<{ items: Received[] }>('/api/v1/alerts')).items.find(
          (a) => a.fingerprint === alert.fingerprint && a.status === 'resolved',
        ),
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(resolved.result).toBe('resolved');
    expect(
      await engine.metric('coordination_engine_webhook_alerts_total', 'status="resolved",result="resolved"'),
    ).toBeGreaterThanOrEqual(1);

    // The vectors that pass used, by name: the healthy bystander's has live values from the real Prometheus.
    const bystander = sandbox.store
      .list('pods', NS)
      .map((p) => (p.metadata as { name: string }).name)
      .find((n) => n.startsWith('bystander-'));
    const vector = await api<{
      features: Array<{ name: string; value: number | null }>;
      evaluatedAt: string;
    }>(`/api/v1/features/${NS}/${bystander}`);
    expect(vector.features.map((f) => f.name)).toEqual(FEATURE_NAMES);
    expect(vector.features.find((f) => f.name === 'pod_memory_usage.value')?.value).toBeGreaterThan(0);
  }, 120_000);
});
