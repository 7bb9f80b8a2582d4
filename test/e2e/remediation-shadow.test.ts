import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockMlServer, startMockMlServer } from '../../mock-ml-server/src/server.js';
import {
  prometheusAvailable,
  type RunningPrometheus,
  startScrapingPrometheus,
} from '../../src/demo/prometheus-launcher.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import type { Simulator } from '../../src/simulator/simulator.js';
import { testPolicy } from '../support/policy-fixtures.js';
import { waitFor } from '../support/wait-for.js';
import { type EngineProcess, type sandboxWithCrd, startEngineProcess } from './engine-harness.js';
import { startLivingCluster, stopLivingCluster } from './living-cluster.js';
import { appDeployment } from './workload-fixtures.js';

/**
 * Shadow mode as a user runs it: one non-dry-run policy in mode Rules with the model in shadow, over three
 * Deployments the rules and the mock model (robust z-scores of the features, mock-ml-server/src/anomaly-scoring.ts)
 * judge differently:
 *   - hot:  CPU pinned at ~2.9 of 3 cores. The `saturated` rule fires, and the model flags it (z ≈ 10): agree.
 *   - busy: a steady ~1.6 cores. Below the rule, but far above the model's normal 0.25 ± 0.25 cores: ML only.
 *   - fat:  memory at 85 % of its limit. The `memory-high` rule fires; the model's memory profile (0.5 ± 0.13)
 *           puts it at z ≈ 2.7, not an anomaly: rules only.
 * As docs/ml-guidance.md says, the rules decide and act (hot and fat are rollout-restarted); the model's decisions
 * are recorded (ShadowAnomaly Events next to the rules' AnomalyDetected) and counted (status.shadow, SHADOW AGREE,
 * coordination_engine_shadow_decisions_total), and nothing is ever done to busy.
 */
let env: Awaited<ReturnType<typeof sandboxWithCrd>>;
let sandbox: Sandbox;
let simulator: Simulator;
let prometheus: RunningPrometheus;
let engine: EngineProcess;
let ml: MockMlServer;

const NS = 'shadow';
const POLICY = 'rules-with-shadow-ml';
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
const BEHAVIOUR = 'sandbox.coordination-engine.io/';

/** appDeployment with its own CPU: requests over half a 4-core node keep hot and busy on different nodes. */
function workload(
  name: string,
  annotations: Record<string, string>,
  cpu?: { request: string; limit: string },
) {
  const deployment = appDeployment({ name, imagePrefix: NS, replicas: 1, annotations });
  const container = deployment.spec.template.spec.containers[0];
  if (cpu && container) {
    container.resources = {
      requests: { cpu: cpu.request },
      limits: { cpu: cpu.limit, memory: '128Mi' },
    };
  }
  return deployment;
}

type Obj = { metadata: { name: string; uid: string; generation?: number; deletionTimestamp?: string } };
type DeploymentView = Obj & {
  spec: { replicas: number; template: { metadata: { annotations?: Record<string, string> } } };
};
type EventView = { reason: string; message: string; involvedObject: { kind: string; name: string } };
type RecordView = {
  spec: { targetRef: { name: string } };
  status?: {
    decision?: { rules: Array<{ name: string }>; ml: unknown[] };
    actions?: Array<{ action: string; result: string }>;
  };
};
type ShadowStatus = { agree: number; mlOnly: number; rulesOnly: number; unjudged: number; agreement: string };

const deployment = (name: string) =>
  sandbox.getObject('apps', 'deployments', NS, name) as unknown as DeploymentView;
const podsOf = (app: string) =>
  (
    sandbox.store.list('pods', NS) as unknown as Array<
      Obj & { metadata: { labels?: Record<string, string> } }
    >
  )
    .filter((p) => p.metadata.labels?.app === app && p.metadata.deletionTimestamp === undefined)
    .map((p) => p.metadata);
const events = () => sandbox.store.list('events', NS) as unknown as EventView[];
const records = () =>
  sandbox.store.list('remediations.coordination-engine.io', NS) as unknown as RecordView[];
const shadowStatus = () =>
  (
    sandbox.getObject('coordination-engine.io', 'remediationpolicies', NS, POLICY)?.status as
      | { shadow?: ShadowStatus }
      | undefined
  )?.shadow;
const kubectl = (...args: string[]) =>
  promisify(execFile)('kubectl', ['--kubeconfig', join(env.dir, 'kubeconfig'), ...args]).then(
    (r) => r.stdout,
  );
const shadowMetric = (agreement: string) =>
  engine.metric(
    'coordination_engine_shadow_decisions_total',
    `policy="${NS}/${POLICY}",agreement="${agreement}"`,
  );

/** What the engine did and said, for a failure message. */
const context = () =>
  `status: ${JSON.stringify(shadowStatus())}\nevents: ${JSON.stringify(events().map((e) => [e.involvedObject.name, e.reason, e.message]))}\nengine: ${engine.proc
    .output()
    .split('\n')
    .filter((l) => /remediation|shadow|warn|error/i.test(l))
    .slice(-20)
    .join('\n')}`;

let busyPodsAtStart: string[] = [];

beforeAll(async () => {
  let cluster: Awaited<ReturnType<typeof startLivingCluster>>;
  [ml, cluster] = await Promise.all([startMockMlServer({ port: 0, faults: {} }), startLivingCluster(NS)]);
  ({ env, sandbox, simulator } = cluster);
  const { post } = cluster;
  const create = (body: object) => post(`/apis/apps/v1/namespaces/${NS}/deployments`, body);
  await create(
    workload(
      'hot',
      { [`${BEHAVIOUR}behaviour`]: 'cpu-saturation', [`${BEHAVIOUR}recovers-after`]: 'rollout-restart' },
      { request: '2100m', limit: '3' },
    ),
  );
  await create(workload('busy', { [`${BEHAVIOUR}cpu-baseline`]: '1600m' }, { request: '2', limit: '2' }));
  await create(workload('fat', { [`${BEHAVIOUR}memory-baseline`]: '0.85' }));
  await waitFor(
    'one running pod per Deployment',
    () =>
      ['hot', 'busy', 'fat'].every((app) =>
        sandbox.store
          .list('pods', NS)
          .some(
            (p) =>
              (p.metadata as { labels?: Record<string, string> }).labels?.app === app &&
              (p.status as { phase?: string } | undefined)?.phase === 'Running',
          ),
      ),
    { timeoutMs: 30_000 },
  );
  busyPodsAtStart = podsOf('busy').map((p) => p.uid);
  // Ten minutes of past: complete vectors (lag_5) from the first evaluation, and hot's 5-minute CPU rate saturated.
  prometheus = await startScrapingPrometheus(
    { targets: [new URL(simulator.exporter?.url ?? '').host], intervalSeconds: 5 },
    await simulator.history(10 * 60, 15),
  );
  const policy = testPolicy(POLICY)
    .inNamespace(NS)
    .withMl({ shadow: true, endpoints: ['anomaly'], minConfidence: 0.6, for: '0s' })
    .withActions({ name: 'roll', type: 'RolloutRestart', verificationWindow: '30s' })
    .withSafety({ dryRun: false, maxConcurrent: 3, maxUnhealthy: '100%', maxActionsPerHour: 10 })
    .withSpecField('evaluationInterval', '10s')
    .build();
  (policy.spec as { detection: { rules: object[] } }).detection.rules = [
    { name: 'saturated', feature: 'pod_cpu_usage.value', operator: '>', value: 2.2, for: '0s' },
    { name: 'memory-high', feature: 'pod_memory_usage.value', operator: '>', value: 0.8, for: '0s' },
  ];
  sandbox.create('coordination-engine.io', 'v1alpha1', 'remediationpolicies', policy as never);
  engine = await startEngineProcess(`${env.dir}/kubeconfig`, 'shadower', [
    '--prometheus-url',
    prometheus.url,
    '--ml-service-url',
    ml.url,
  ]);
}, 120_000);

afterAll(async () => {
  await stopLivingCluster({ engine, prometheus, simulator, ml, env });
});

describe.skipIf(!prometheusAvailable())('shadow mode on a living cluster', () => {
  it('records and counts the model next to the rules; the rules act, the model never does', async () => {
    // A few evaluations: busy judged ML-only three times over, hot agreed on, fat flagged by the rules alone.
    const counted = await waitFor(
      'agree, ML-only and rules-only decisions in the policy status',
      () => {
        const s = shadowStatus();
        return s && s.agree >= 1 && s.mlOnly >= 3 && s.rulesOnly >= 1 ? s : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${context()}`);
    });
    expect(counted.agreement).toBe(`${counted.agree}/${counted.agree + counted.mlOnly + counted.rulesOnly}`);

    // The model's decisions are recorded on the policy next to the rules' own (AnomalyDetected).
    const onPolicy = (reason: string) =>
      events()
        .filter((e) => e.involvedObject.kind === 'RemediationPolicy' && e.reason === reason)
        .map((e) => e.message);
    const shadowAnomalies = onPolicy('ShadowAnomaly');
    expect(shadowAnomalies, context()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^the shadow model calls Deployment shadow\/hot anomalous \(pod hot-.*\); the rules agree$/,
        ),
        expect.stringMatching(
          /^the shadow model calls Deployment shadow\/busy anomalous \(pod busy-.*\); the rules do not/,
        ),
      ]),
    );
    expect(shadowAnomalies.filter((m) => m.includes('shadow/fat'))).toEqual([]);
    const ruleAnomalies = onPolicy('AnomalyDetected');
    expect(ruleAnomalies.filter((m) => m.includes('shadow/hot'))).toEqual([
      expect.stringContaining('rule saturated'),
    ]);
    expect(ruleAnomalies.filter((m) => m.includes('shadow/fat'))).toEqual([
      expect.stringContaining('rule memory-high'),
    ]);
    expect(ruleAnomalies.filter((m) => m.includes('shadow/busy'))).toEqual([]);

    // The agreement metric counts every evaluation, per policy: at least what the status summed.
    const metric = {
      agree: await shadowMetric('agree'),
      mlOnly: await shadowMetric('ml_only'),
      rulesOnly: await shadowMetric('rules_only'),
      unjudged: await shadowMetric('unjudged'),
    };
    expect(metric.agree).toBeGreaterThanOrEqual(counted.agree);
    expect(metric.mlOnly).toBeGreaterThanOrEqual(counted.mlOnly);
    expect(metric.rulesOnly).toBeGreaterThanOrEqual(counted.rulesOnly);
    expect(metric.unjudged).toBeDefined();

    // `kubectl get rp` prints it (SHADOW AGREE: agreeing / judged targets).
    const [header, row] = (await kubectl('get', 'rp', POLICY, '-n', NS)).trimEnd().split('\n');
    const column = header?.indexOf('SHADOW AGREE') ?? -1;
    expect(column, header).toBeGreaterThan(0);
    const shown = row?.slice(column).split(/\s+/)[0] ?? '';
    const [agreeing, judged] = shown.split('/').map(Number);
    expect(shown, row).toMatch(/^\d+\/\d+$/);
    expect(agreeing).toBeGreaterThanOrEqual(counted.agree);
    expect((judged ?? 0) - (agreeing ?? 0)).toBeGreaterThanOrEqual(counted.mlOnly + counted.rulesOnly);

    // The rules decide and act (mode Rules): hot and fat are rollout-restarted, on the rules' evidence alone.
    const recordOf = (name: string) => records().find((r) => r.spec.targetRef.name === name);
    await waitFor('hot and fat rollout-restarted, as their records say', () =>
      ['hot', 'fat'].every((name) =>
        recordOf(name)?.status?.actions?.some(
          (a) => a.action === 'RolloutRestart' && a.result === 'Succeeded',
        ),
      )
        ? true
        : undefined,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${context()}`);
    });
    for (const name of ['hot', 'fat'])
      expect(deployment(name).spec.template.metadata.annotations?.[RESTARTED_AT], name).toBeDefined();
    expect(recordOf('hot')?.status?.decision?.rules.map((r) => r.name)).toEqual(['saturated']);
    expect(recordOf('fat')?.status?.decision?.rules.map((r) => r.name)).toEqual(['memory-high']);
    // The shadow verdict on hot agreed, but it was not part of the decision.
    expect(recordOf('hot')?.status?.decision?.ml).toEqual([]);

    // Nothing was ever done to busy, which only the model flagged: same spec (no template change, no scale, no
    // rollback), same pod, no eviction or scale request for it, no Remediation record, no remediation Event.
    const busy = deployment('busy');
    expect(busy.metadata.generation).toBe(1);
    expect(busy.spec.replicas).toBe(1);
    expect(busy.spec.template.metadata.annotations?.[RESTARTED_AT]).toBeUndefined();
    expect(podsOf('busy').map((p) => p.uid)).toEqual(busyPodsAtStart);
    const mutations = sandbox.requests.filter(
      (r) =>
        r.method !== 'GET' &&
        (r.path.endsWith('/deployments/busy/scale') ||
          (r.path.includes(`/namespaces/${NS}/pods/busy-`) && r.path.endsWith('/eviction'))),
    );
    expect(mutations.map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect(recordOf('busy')).toBeUndefined();
    // (The simulator's deployment controller records its own ScalingReplicaSet when it creates the ReplicaSet.)
    const onBusy = events().filter(
      (e) => e.involvedObject.name === 'busy' && e.reason !== 'ScalingReplicaSet',
    );
    expect(onBusy.map((e) => e.reason)).toEqual([]);
  }, 150_000);
});
