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
import { appDeployment } from './workload-fixtures.js';

/**
 * What remediation does and, as much, what it must not do, on a living cluster: one engine started as a user
 * starts it (with the mock ML service), one Prometheus scraping the simulator's exporter, one namespace per case.
 * - rollout: a bad rollout (revision 2 crashes before Ready) is rolled back to revision 1's template;
 * - calm / nodata: a noisy but healthy workload under a Hybrid policy, and a workload with no data yet, are
 *   never touched over several evaluations;
 * - dry: a dry-run policy records "would rollout-restart" once per episode and mutates nothing.
 */
let env: Awaited<ReturnType<typeof sandboxWithCrd>>;
let sandbox: Sandbox;
let simulator: Simulator;
let prometheus: RunningPrometheus;
let ml: MockMlServer;
let engine: EngineProcess;

const SIM = 'sandbox.coordination-engine.io';
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
const REVISION = 'deployment.kubernetes.io/revision';
const REMEDIATIONS = 'remediations.coordination-engine.io';

type Status = PolicyStatusView & {
  targets?: { total: number; healthy: number; anomalous: number; insufficientData: number };
  history?: Array<{ result: string; reason?: string; action: string; message: string }>;
};
interface RecordView {
  metadata: { name: string };
  spec?: { targetRef?: { kind: string; name: string } };
  status?: {
    phase?: string;
    outcome?: string;
    actions?: Array<{ result: string; action: string; reason?: string; message: string }>;
  };
}
interface DeploymentView {
  metadata: { uid?: string; annotations?: Record<string, string> };
  spec: {
    replicas: number;
    template: {
      metadata: { annotations?: Record<string, string> };
      spec: { containers: Array<{ image: string }> };
    };
  };
}

const deployment = (ns: string, name: string, annotations: Record<string, string>, replicas = 2) =>
  appDeployment({ name, imagePrefix: ns, annotations, replicas });

const kubectl = (...args: string[]) =>
  promisify(execFile)('kubectl', ['--kubeconfig', join(env.dir, 'kubeconfig'), ...args]).then(
    (r) => r.stdout,
  );
const post = (path: string, body: object) => env.rest.request({ method: 'POST', path, body });
const getDeployment = (ns: string, name: string) =>
  sandbox.getObject('apps', 'deployments', ns, name) as unknown as DeploymentView;
const records = (ns: string) => sandbox.store.list(REMEDIATIONS, ns) as unknown as RecordView[];
const status = (ns: string, name: string) => policyStatus(sandbox, ns, name) as Status | undefined;
/** The little of a listed object these checks read. */
interface Listed {
  metadata: {
    name: string;
    uid?: string;
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{ uid?: string }>;
  };
  spec?: unknown;
  status?: unknown;
}
const list = (resource: string, ns: string) => sandbox.store.list(resource, ns) as unknown as Listed[];
const replicaSets = (ns: string) => list('replicasets.apps', ns);
const replicaSet = (ns: string, name: string | undefined) =>
  replicaSets(ns).find((rs) => rs.metadata.name === name);
const podsOf = (ns: string) => list('pods', ns);
const isRunningReady = (pod: Listed) => {
  const s = pod.status as
    | { phase?: string; conditions?: Array<{ type: string; status: string }> }
    | undefined;
  return (
    pod.metadata.deletionTimestamp === undefined &&
    s?.phase === 'Running' &&
    s.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true
  );
};
const ownedBy = (pod: Listed, uid: string | undefined) =>
  (pod.metadata.ownerReferences ?? []).some((r) => r.uid === uid);
const eventsFor = (ns: string, kind: string, reason: string) =>
  sandbox.store
    .list('events', ns)
    .filter((e) => e.reason === reason && (e.involvedObject as { kind?: string }).kind === kind);

/** Engine log lines worth reading when a wait fails. */
function diagnostics(ns: string): string {
  const log = engine.proc
    .output()
    .split('\n')
    .filter((l) => /remediation|warn|error/i.test(l))
    .slice(-20)
    .join('\n');
  return `records: ${JSON.stringify(records(ns), null, 1)}\nengine: ${log}`;
}

/** Waits until the policy's status.lastEvaluationTime has moved `moves` times, checking `each` on every move. */
async function evaluations(ns: string, name: string, moves: number, each: (s: Status) => void = () => {}) {
  const seen: string[] = [];
  await waitFor(
    `${moves} evaluations of ${ns}/${name}`,
    () => {
      const s = status(ns, name);
      const time = s?.lastEvaluationTime;
      if (s && time && time !== seen.at(-1)) {
        seen.push(time);
        each(s);
      }
      return seen.length > moves;
    },
    { timeoutMs: 90_000, intervalMs: 200 },
  );
}

beforeAll(async () => {
  [ml, env] = await Promise.all([startMockMlServer({ port: 0, faults: {} }), sandboxWithCrd()]);
  sandbox = env.sandbox;
  simulator = await startSimulator({ kubeConfig: sandbox.kubeConfig(), exporterPort: 0 });
  for (const ns of ['rollout', 'calm', 'nodata', 'dry'])
    await post('/api/v1/namespaces', { metadata: { name: ns } });
  await post('/apis/apps/v1/namespaces/rollout/deployments', deployment('rollout', 'web', {}));
  await post(
    '/apis/apps/v1/namespaces/calm/deployments',
    deployment('calm', 'noisy', { [`${SIM}/behaviour`]: 'noisy', [`${SIM}/spike-every`]: '60s' }),
  );
  await post(
    '/apis/apps/v1/namespaces/dry/deployments',
    deployment('dry', 'api', { [`${SIM}/behaviour`]: 'crashloop', [`${SIM}/crash-after`]: '3s' }),
  );
  await waitFor(
    'the pods of web and noisy Running and Ready',
    () => [...podsOf('rollout'), ...podsOf('calm')].filter(isRunningReady).length === 4,
    { timeoutMs: 30_000 },
  );
  // Ten minutes of past for the pods there are now: their 5-minute feature windows are complete at once.
  prometheus = await startScrapingPrometheus(
    { targets: [new URL(simulator.exporter?.url ?? '').host], intervalSeconds: 5 },
    await simulator.history(10 * 60, 15),
  );
  // Created after the backfill: its pods have no 5-minute history, so their vectors stay incomplete.
  await post('/apis/apps/v1/namespaces/nodata/deployments', deployment('nodata', 'fresh', {}));

  const create = (policy: object) =>
    sandbox.create('coordination-engine.io', 'v1alpha1', 'remediationpolicies', policy as never);
  // Revision 2's pods never become Ready; a healthy new pod is Ready within 3 s. Unlike CrashLoopBackOff, which
  // clears while a container runs between back-offs, this holds for as long as the pod is broken.
  const neverReady = { name: 'never-ready', signal: 'NotReadySeconds', operator: '>', value: 8, for: '0s' };
  create(
    testPolicy('bad-rollout')
      .inNamespace('rollout')
      .targeting({ app: 'web' })
      .withRule(neverReady)
      .withActions({ name: 'undo', type: 'Rollback', verificationWindow: '15s' })
      .withSafety({ dryRun: false })
      .withSpecField('evaluationInterval', '10s')
      .build(),
  );
  // Hybrid: a rule a healthy pod never crosses, or the model confident for 30 s. Acting for real if either holds.
  const hybrid = testPolicy('noisy-hybrid')
    .inNamespace('calm')
    .targeting({ app: 'noisy' })
    .withMode('Hybrid')
    .withRule({
      name: 'memory-high',
      feature: 'pod_memory_usage.mean_5m',
      operator: '>=',
      value: 0.9,
      for: '30s',
    })
    .withActions(
      { name: 'restart', type: 'RestartPod', verificationWindow: '10s' },
      { name: 'roll', type: 'RolloutRestart', verificationWindow: '10s' },
    )
    .withSafety({ dryRun: false })
    .withSpecField('evaluationInterval', '10s')
    .build();
  (hybrid.spec as { detection: { ml: object } }).detection.ml = {
    endpoints: ['anomaly'],
    minConfidence: 0.85,
    for: '30s',
  };
  create(hybrid);
  // A rule that holds for any pod with data: only missing data keeps this policy from acting.
  create(
    testPolicy('any-memory')
      .inNamespace('nodata')
      .targeting({ app: 'fresh' })
      .withRule({
        name: 'any-memory',
        feature: 'pod_memory_usage.value',
        operator: '>=',
        value: 0,
        for: '0s',
      })
      .withActions({ name: 'restart', type: 'RestartPod', verificationWindow: '10s' })
      .withSafety({ dryRun: false })
      .withSpecField('evaluationInterval', '10s')
      .build(),
  );
  // safety.dryRun not set: dry run is the default. Restarts only grow, so the episode stays open throughout.
  create(
    testPolicy('dry-run')
      .inNamespace('dry')
      .targeting({ app: 'api' })
      .withRule({ name: 'restarting', signal: 'RestartCount', operator: '>=', value: 1, for: '0s' })
      .withActions({ name: 'roll', type: 'RolloutRestart', verificationWindow: '10s' })
      .withSpecField('evaluationInterval', '10s')
      .build(),
  );
  engine = await startEngineProcess(`${env.dir}/kubeconfig`, 'outcomes', [
    '--prometheus-url',
    prometheus.url,
    '--ml-service-url',
    ml.url,
  ]);
}, 120_000);

afterAll(async () => {
  await stopProcess(engine);
  await Promise.all([prometheus?.stop(), simulator?.stop(), ml?.close()]);
  await env?.cleanup();
});

describe.skipIf(!prometheusAvailable())('remediation outcomes on a living cluster', () => {
  it.concurrent('rolls a bad rollout back to the previous ReplicaSet, whose pods run again', async () => {
    const NS = 'rollout';
    const before = getDeployment(NS, 'web');
    expect(before.metadata.annotations?.[REVISION]).toBe('1');
    const [rs1] = replicaSets(NS);
    // The engine judged revision 1 healthy before the bad rollout.
    await waitFor(
      'a first evaluation of bad-rollout',
      () => status(NS, 'bad-rollout')?.targets?.healthy === 1,
      {
        timeoutMs: 60_000,
      },
    );
    await kubectl('annotate', 'deployment', 'web', '-n', NS, `${SIM}/behaviour=bad-rollout`);
    // The simulator must have seen the annotation before the new revision exists (it copies it to the RS).
    await waitFor(
      'the annotation on revision 1',
      () => replicaSet(NS, rs1?.metadata.name)?.metadata.annotations?.[`${SIM}/behaviour`],
      { timeoutMs: 10_000 },
    );
    await kubectl('set', 'image', 'deployment/web', '-n', NS, 'app=rollout/web:2');
    const record = await waitFor(
      'the rollback episode to succeed',
      () => records(NS).find((r) => r.status?.phase === 'Succeeded'),
      { timeoutMs: 100_000, intervalMs: 500 },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${diagnostics(NS)}`);
    });
    expect(records(NS)).toHaveLength(1);
    expect(record.status?.outcome).toBe('resolved');
    expect(record.status?.actions?.filter((a) => a.result === 'Succeeded').map((a) => a.action)).toEqual([
      'Rollback',
    ]);

    const after = getDeployment(NS, 'web');
    expect(after.spec.template.spec.containers[0]?.image).toBe('rollout/web:1');
    // kubectl rollout undo semantics: revision 1's ReplicaSet becomes revision 3.
    expect(after.metadata.annotations?.[REVISION]).toBe('3');
    const old = replicaSet(NS, rs1?.metadata.name);
    expect(old?.metadata.annotations?.[REVISION]).toBe('3');
    const bad = replicaSets(NS).find((rs) => rs.metadata.uid !== rs1?.metadata.uid);
    expect((bad?.spec as { replicas?: number } | undefined)?.replicas).toBe(0);
    const running = await waitFor(
      'two Running and Ready pods of the revision-1 ReplicaSet',
      () => {
        const live = podsOf(NS).filter((p) => p.metadata.deletionTimestamp === undefined);
        return live.length === 2 && live.every((p) => ownedBy(p, old?.metadata.uid) && isRunningReady(p))
          ? live
          : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(running).toHaveLength(2);
    const remediated = eventsFor(NS, 'Deployment', 'Remediated');
    expect(remediated.map((e) => (e.involvedObject as { name: string }).name)).toEqual(['web']);
    expect(String(remediated[0]?.message)).toMatch(/roll/i);
  }, 180_000);

  it.concurrent('never touches a noisy but healthy workload, nor one without data, over several evaluations', async () => {
    const snapshot = (ns: string, name: string) => ({
      uids: podsOf(ns)
        .map((p) => p.metadata.uid)
        .sort(),
      template: JSON.stringify(getDeployment(ns, name).spec.template),
      replicas: getDeployment(ns, name).spec.replicas,
      replicaSets: replicaSets(ns).length,
    });
    await waitFor('the fresh pods running', () => podsOf('nodata').filter(isRunningReady).length === 2, {
      timeoutMs: 30_000,
    });
    const noisy = snapshot('calm', 'noisy');
    const fresh = snapshot('nodata', 'fresh');
    expect(noisy.uids).toHaveLength(2);
    expect(fresh.uids).toHaveLength(2);
    // By context: the engine's readiness canary goes to the same endpoint, but not about these pods.
    const noisyScored = () => ml.counts().anomalyContexts['calm/Deployment/noisy'] ?? 0;
    const mlCallsBefore = noisyScored();
    await Promise.all([
      evaluations('calm', 'noisy-hybrid', 4, (s) => {
        expect(s.targets).toMatchObject({ total: 1, healthy: 1, anomalous: 0 });
      }),
      evaluations('nodata', 'any-memory', 4, (s) => {
        expect(s.targets).toMatchObject({ total: 1, insufficientData: 1, anomalous: 0 });
      }),
    ]);
    // The model was asked about the noisy pods (their vectors are complete) and did not make them act.
    expect(noisyScored() - mlCallsBefore).toBeGreaterThan(0);
    for (const [ns, name, was] of [
      ['calm', 'noisy', noisy],
      ['nodata', 'fresh', fresh],
    ] as const) {
      expect(records(ns), `${ns}: Remediation records`).toEqual([]);
      expect(snapshot(ns, name), `${ns}/${name} untouched`).toEqual(was);
      expect(getDeployment(ns, name).spec.template.metadata.annotations?.[RESTARTED_AT]).toBeUndefined();
      expect(eventsFor(ns, 'Deployment', 'Remediated')).toEqual([]);
    }
  }, 180_000);

  it.concurrent('records a dry run once per episode and mutates nothing', async () => {
    const NS = 'dry';
    const replicaSetsBefore = replicaSets(NS).map((rs) => rs.metadata.uid);
    expect(replicaSetsBefore).toHaveLength(1);
    await waitFor('a Remediation record in dry', () => records(NS).length > 0, { timeoutMs: 60_000 }).catch(
      (error: unknown) => {
        throw new Error(`${String(error)}\n${diagnostics(NS)}`);
      },
    );
    await evaluations(NS, 'dry-run', 4, (s) => expect(s.targets?.anomalous).toBe(1));

    const [record, ...more] = records(NS);
    expect(more).toEqual([]);
    expect(record?.spec?.targetRef).toMatchObject({ kind: 'Deployment', name: 'api' });
    expect(record?.status?.phase).toBe('Recommended');
    const dryRuns = record?.status?.actions?.filter((a) => a.result === 'DryRun') ?? [];
    expect(dryRuns).toHaveLength(1);
    expect(dryRuns[0]?.message).toContain('would rollout-restart');
    expect(record?.status?.actions?.filter((a) => a.result === 'Succeeded')).toEqual([]);

    const events = eventsFor(NS, 'Deployment', 'DryRun');
    expect(events).toHaveLength(1);
    expect(events[0]?.count).toBe(1);
    expect(String(events[0]?.message)).toContain('would rollout-restart');
    const history = status(NS, 'dry-run')?.history ?? [];
    expect(history.filter((h) => h.result === 'DryRun')).toHaveLength(1);

    expect(getDeployment(NS, 'api').spec.template.metadata.annotations?.[RESTARTED_AT]).toBeUndefined();
    expect(replicaSets(NS).map((rs) => rs.metadata.uid)).toEqual(replicaSetsBefore);
    expect(eventsFor(NS, 'Deployment', 'Remediated')).toEqual([]);
  }, 180_000);
});
