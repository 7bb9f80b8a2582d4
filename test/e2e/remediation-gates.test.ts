import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  prometheusAvailable,
  type RunningPrometheus,
  startScrapingPrometheus,
} from '../../src/demo/prometheus-launcher.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { type Simulator, startSimulator } from '../../src/simulator/simulator.js';
import { type PolicyBuilder, testPolicy } from '../support/policy-fixtures.js';
import { waitFor } from '../support/wait-for.js';
import {
  clusterPolicyStatus,
  type EngineProcess,
  policyStatus,
  sandboxWithCrd,
  startEngineProcess,
  stopProcess,
} from './engine-harness.js';
import {
  apiPath,
  crashingDeployment,
  crashLoopsSettled,
  deploymentNames,
  deployments,
  type Effects,
  type EventView,
  effectsOn,
  eventsIn,
  healthyDeployment,
  hpa,
  pdb,
  recordsIn,
  type Scenario,
  SUITE,
} from './remediation-gates-cluster.js';

/**
 * Every safety gate seen on a living cluster: one engine process (as a user starts it, with a protected test
 * namespace), the simulator and a real Prometheus scraping its exporter. Each scenario lives in its own namespace
 * and is judged by status signals (no metric warm-up); a blocked action leaves its Event (the skip reason) on the
 * workload and on the policy, and nothing changes on the cluster: no restartedAt, the same pods, the same replicas.
 */
let env: Awaited<ReturnType<typeof sandboxWithCrd>>;
let sandbox: Sandbox;
let simulator: Simulator;
let prometheus: RunningPrometheus;
let engine: EngineProcess;
/** Effects of every workload just before the policies were created, by namespace/name. */
const before = new Map<string, Effects>();

const CRASHING = {
  name: 'crashing',
  signal: 'CrashLoopBackOff',
  operator: '==',
  value: 1,
  for: '0s',
  // A crash-looping container runs for a moment between back-offs; the target stays anomalous through it.
  keepFiringFor: '10m',
};

/** A status-signal policy acting for real every 10 s; each scenario adds its ladder and safety settings. */
const policyIn = (namespace: string, name = 'gate'): PolicyBuilder =>
  testPolicy(name)
    .inNamespace(namespace)
    .targeting(SUITE)
    .withRule(CRASHING)
    .withSpecField('evaluationInterval', '10s');
const roll = { name: 'roll', type: 'RolloutRestart', verificationWindow: '10m' };

const SCENARIOS: Scenario[] = [
  {
    namespace: 'cooldown',
    objects: deployments(crashingDeployment('api', { replicas: 2 })),
    policy: policyIn('cooldown')
      .withActions({ name: 'restart', type: 'RestartPod', verificationWindow: '10s' }, roll)
      .withSafety({ dryRun: false, cooldown: '10m' })
      .build(),
  },
  {
    namespace: 'rate',
    objects: deployments(crashingDeployment('a'), crashingDeployment('b')),
    policy: policyIn('rate')
      .withActions(roll)
      .withSafety({ dryRun: false, maxActionsPerHour: 1, maxConcurrent: 2, maxUnhealthy: '100%' })
      .build(),
  },
  {
    namespace: 'blast',
    objects: deployments(healthyDeployment('x'), crashingDeployment('y'), crashingDeployment('z')),
    policy: policyIn('blast').withActions(roll).withSafety({ dryRun: false, maxUnhealthy: 1 }).build(),
  },
  {
    namespace: 'storm',
    objects: deployments(
      crashingDeployment('s1'),
      crashingDeployment('s2'),
      crashingDeployment('s3'),
      healthyDeployment('s4'),
    ),
    policy: policyIn('storm')
      .withActions(roll)
      .withSafety({
        dryRun: false,
        maxUnhealthy: '100%',
        maxConcurrent: 4,
        storm: { minTargets: 2, threshold: '50%' },
      })
      .build(),
  },
  {
    namespace: 'pdb',
    objects: [
      ...deployments(crashingDeployment('web', { replicas: 2 })),
      { resource: 'policy/v1/poddisruptionbudgets', body: pdb('web', 'web', 2) },
    ],
    policy: policyIn('pdb')
      .withActions({ name: 'restart', type: 'RestartPod', verificationWindow: '10s' })
      .withSafety({ dryRun: false })
      .build(),
  },
  {
    namespace: 'guarded',
    objects: deployments(crashingDeployment('core')),
    policy: policyIn('guarded').withActions(roll).withSafety({ dryRun: false }).build(),
  },
  {
    namespace: 'optout-workload',
    objects: deployments(
      crashingDeployment('shy', { labels: { 'coordination-engine.io/remediation': 'disabled' } }),
    ),
    policy: policyIn('optout-workload').withActions(roll).withSafety({ dryRun: false }).build(),
  },
  {
    namespace: 'optout-namespace',
    namespaceLabels: { 'coordination-engine.io/remediation': 'disabled' },
    objects: deployments(crashingDeployment('quiet')),
    policy: policyIn('optout-namespace').withActions(roll).withSafety({ dryRun: false }).build(),
  },
  {
    namespace: 'argo-refuse',
    objects: deployments(
      crashingDeployment('synced', {
        annotations: { 'argocd.argoproj.io/tracking-id': 'shop:apps/Deployment:x' },
      }),
    ),
    policy: policyIn('argo-refuse')
      .withActions(roll)
      .withSafety({ dryRun: false, ownership: { gitOps: 'Refuse' } })
      .build(),
  },
  {
    namespace: 'argo-recommend',
    objects: deployments(
      crashingDeployment('synced', {
        annotations: { 'argocd.argoproj.io/tracking-id': 'shop:apps/Deployment:y' },
      }),
    ),
    policy: policyIn('argo-recommend').withActions(roll).withSafety({ dryRun: false }).build(),
  },
  {
    namespace: 'hpa',
    objects: [
      ...deployments(crashingDeployment('web', { replicas: 2 })),
      { resource: 'autoscaling/v2/horizontalpodautoscalers', body: hpa('web', 'web') },
    ],
    policy: policyIn('hpa')
      .withActions({ name: 'scale-out', type: 'Scale', scale: { minReplicas: 2, maxReplicas: 4 } })
      .withSafety({ dryRun: false })
      .build(),
  },
  {
    namespace: 'scope-a',
    objects: [],
    policy: policyIn('scope-a', 'reach')
      .targeting({ app: 'stray' })
      .withActions(roll)
      .withSafety({ dryRun: false })
      .build(),
  },
  { namespace: 'scope-b', objects: deployments(crashingDeployment('stray')) },
  {
    namespace: 'cluster-in',
    namespaceLabels: { 'gates-e2e': 'in' },
    objects: deployments(crashingDeployment('wide', { recoversAfter: 'rollout-restart' })),
  },
  { namespace: 'cluster-out', objects: deployments(crashingDeployment('wide')) },
];

const CLUSTER_POLICY = testPolicy('gates-wide')
  .clusterWide({ matchLabels: { 'gates-e2e': 'in' } })
  .targeting({ app: 'wide' })
  .withRule(CRASHING)
  .withSpecField('evaluationInterval', '10s')
  .withActions({ ...roll, verificationWindow: '30s' })
  .withSafety({ dryRun: false })
  .build();

beforeAll(async () => {
  env = await sandboxWithCrd();
  sandbox = env.sandbox;
  simulator = await startSimulator({ kubeConfig: sandbox.kubeConfig(), exporterPort: 0 });
  const post = (path: string, body: object) => env.rest.request({ method: 'POST', path, body });
  for (const s of SCENARIOS) {
    await post('/api/v1/namespaces', { metadata: { name: s.namespace, labels: s.namespaceLabels ?? {} } });
    for (const o of s.objects) await post(apiPath(o.resource, s.namespace), o.body);
  }
  prometheus = await startScrapingPrometheus({
    targets: [new URL(simulator.exporter?.url ?? '').host],
    intervalSeconds: 5,
  });
  engine = await startEngineProcess(`${env.dir}/kubeconfig`, 'gates', [
    '--prometheus-url',
    prometheus.url,
    '--protected-namespaces',
    'guarded,kube-system',
  ]);
  // Every crash-looping pod in a long back-off at once, so the first evaluation already sees each scenario's
  // whole picture (a blast radius or a storm judged on half of it would let the first target through).
  await waitFor(
    'every crash-looping pod in CrashLoopBackOff after its second restart',
    () => SCENARIOS.every((s) => crashLoopsSettled(sandbox, s)),
    { timeoutMs: 60_000, intervalMs: 50 },
  );
  for (const s of SCENARIOS)
    for (const name of deploymentNames(s))
      before.set(`${s.namespace}/${name}`, effectsOn(sandbox, s.namespace, name));
  for (const s of SCENARIOS) {
    if (s.policy)
      await post(
        `/apis/coordination-engine.io/v1alpha1/namespaces/${s.namespace}/remediationpolicies`,
        s.policy,
      );
  }
  await post('/apis/coordination-engine.io/v1alpha1/clusterremediationpolicies', CLUSTER_POLICY);
}, 150_000);

afterAll(async () => {
  await stopProcess(engine);
  await Promise.all([prometheus?.stop(), simulator?.stop()]);
  await env?.cleanup();
});

/** Waits with the scenario's records and the engine's remediation log lines in the failure message. */
function waitIn<T>(namespace: string, what: string, check: () => T | undefined | false, timeoutMs = 90_000) {
  return waitFor(what, check, { timeoutMs, intervalMs: 250 }).catch((error: unknown) => {
    const log = engine.proc
      .output()
      .split('\n')
      .filter((l) => l.includes(namespace) || /"level":(40|50)/.test(l))
      .slice(-20);
    throw new Error(
      `${String(error)}\nrecords: ${JSON.stringify(recordsIn(sandbox, namespace).map((r) => r.status))}\n` +
        `events: ${JSON.stringify(
          eventsIn(sandbox, namespace)
            .filter((e) => e.involvedObject.kind !== 'Pod')
            .map((e) => [e.reason, e.involvedObject.kind, e.involvedObject.name]),
        )}\n` +
        `engine: ${log.join('\n')}`,
    );
  });
}

/** The reason's Event on the Deployment and on the (namespaced) policy named `gate`. */
async function blockedEvents(namespace: string, target: string, reason: string, policy = 'gate') {
  return waitIn(namespace, `${reason} Events on Deployment ${namespace}/${target} and its policy`, () => {
    const events = eventsIn(sandbox, namespace, reason);
    const onTarget = events.find(
      (e) => e.involvedObject.kind === 'Deployment' && e.involvedObject.name === target,
    );
    const onPolicy = events.find(
      (e) =>
        e.involvedObject.kind === 'RemediationPolicy' &&
        e.involvedObject.name === policy &&
        e.message.startsWith(`Deployment ${namespace}/${target}:`),
    );
    return onTarget && onPolicy ? { onTarget, onPolicy } : undefined;
  });
}

/** Waits for an evaluation (and so its remediation pass) that started after the Event: the block held. */
async function evaluatedAfter(namespace: string, event: EventView, policy = 'gate') {
  const since = Date.parse(event.firstTimestamp) + 2_000;
  await waitIn(namespace, `${namespace}/${policy} evaluated again after ${event.reason}`, () => {
    const status = policyStatus(sandbox, namespace, policy) as { lastEvaluationTime?: string } | undefined;
    return Date.parse(status?.lastEvaluationTime ?? '') > since;
  });
}

const unchanged = (namespace: string, name: string) =>
  expect(effectsOn(sandbox, namespace, name), `${namespace}/${name} untouched`).toEqual(
    before.get(`${namespace}/${name}`),
  );

/** A gate that blocks every action: Events of `reason` and `type` on both objects, and no effect afterwards. */
async function expectBlocked(namespace: string, target: string, reason: string, type: 'Normal' | 'Warning') {
  const { onTarget, onPolicy } = await blockedEvents(namespace, target, reason);
  expect([onTarget.type, onPolicy.type]).toEqual([type, type]);
  await evaluatedAfter(namespace, onTarget);
  unchanged(namespace, target);
  expect(eventsIn(sandbox, namespace, 'Remediated')).toEqual([]);
  return { onTarget, onPolicy };
}

describe.skipIf(!prometheusAvailable())('remediation safety gates on a living cluster', () => {
  it.concurrent('Cooldown: the first step acts, the second waits for the target cooldown', async () => {
    const { onTarget } = await blockedEvents('cooldown', 'api', 'Cooldown');
    expect(onTarget.type).toBe('Normal');
    expect(onTarget.message).toMatch(/cooldown 10m$/);
    await evaluatedAfter('cooldown', onTarget);
    const [record] = recordsIn(sandbox, 'cooldown');
    expect(record?.status?.actions?.map((a) => [a.step, a.result, a.reason])).toEqual([
      ['restart', 'Succeeded', undefined],
      ['roll', 'Skipped', 'Cooldown'],
    ]);
    const now = effectsOn(sandbox, 'cooldown', 'api');
    const then = before.get('cooldown/api');
    expect(now.restartedAt).toBeUndefined();
    expect(now.replicas).toBe(2);
    // RestartPod evicted exactly one of the two pods (maxUnavailable 1); the rollout restart never came.
    expect(now.pods.filter((uid) => then?.pods.includes(uid))).toHaveLength(1);
  }, 150_000);

  it.concurrent('RateLimited: one action per hour, the second anomalous target waits', async () => {
    const blocked = await waitIn('rate', 'a RateLimited Event on a or b', () =>
      eventsIn(sandbox, 'rate', 'RateLimited').find((e) => e.involvedObject.kind === 'Deployment'),
    );
    const other = blocked.involvedObject.name === 'a' ? 'b' : 'a';
    const { onTarget } = await blockedEvents('rate', blocked.involvedObject.name, 'RateLimited');
    expect(onTarget.type).toBe('Warning');
    await evaluatedAfter('rate', onTarget);
    unchanged('rate', blocked.involvedObject.name);
    expect(effectsOn(sandbox, 'rate', other).restartedAt).toMatch(/^\d{4}-/);
  }, 150_000);

  it.concurrent('BlastRadius: two of three targets unhealthy, at most one allowed', async () => {
    for (const target of ['y', 'z']) {
      const { onTarget } = await expectBlocked('blast', target, 'BlastRadius', 'Warning');
      expect(onTarget.message).toContain('at most 1 allowed');
    }
    unchanged('blast', 'x');
  }, 150_000);

  it.concurrent('StormActive: most targets anomalous, nothing acts and the policy says so', async () => {
    for (const target of ['s1', 's2', 's3']) await expectBlocked('storm', target, 'StormActive', 'Warning');
    unchanged('storm', 's4');
    const condition = policyStatus(sandbox, 'storm', 'gate')?.conditions?.find(
      (c) => c.type === 'StormActive',
    );
    expect(condition?.status).toBe('True');
  }, 150_000);

  it.concurrent('EvictionBlocked: a PodDisruptionBudget answers 429 to RestartPod', async () => {
    const { onTarget } = await expectBlocked('pdb', 'web', 'EvictionBlocked', 'Warning');
    expect(onTarget.message).toMatch(/disruption budget web/i);
  }, 150_000);

  it.concurrent('ProtectedNamespace: --protected-namespaces is never acted in', async () => {
    await expectBlocked('guarded', 'core', 'ProtectedNamespace', 'Normal');
  }, 150_000);

  it.concurrent('OptedOut: the workload label, and the namespace label', async () => {
    const [workload, namespace] = await Promise.all([
      expectBlocked('optout-workload', 'shy', 'OptedOut', 'Normal'),
      expectBlocked('optout-namespace', 'quiet', 'OptedOut', 'Normal'),
    ]);
    expect(workload.onTarget.message).toContain('Deployment optout-workload/shy is labelled');
    expect(namespace.onTarget.message).toContain('namespace optout-namespace is labelled');
  }, 150_000);

  it.concurrent('OwnedByGitOps: Argo CD refuses with Refuse, recommends with the default', async () => {
    await expectBlocked('argo-refuse', 'synced', 'OwnedByGitOps', 'Warning');
    await expectBlocked('argo-recommend', 'synced', 'OwnedByGitOps', 'Normal');
    const [record] = recordsIn(sandbox, 'argo-recommend');
    expect(record?.status?.phase).toBe('Recommended');
    expect(record?.status?.actions?.map((a) => [a.result, a.reason])).toEqual([
      ['Recommended', 'OwnedByGitOps'],
    ]);
    expect(recordsIn(sandbox, 'argo-refuse')[0]?.status?.actions?.map((a) => a.result)).toEqual(['Skipped']);
  }, 150_000);

  it.concurrent('AutoscalerOwned: Scale never fights an HPA', async () => {
    await expectBlocked('hpa', 'web', 'AutoscalerOwned', 'Warning');
    expect(effectsOn(sandbox, 'hpa', 'web').replicas).toBe(2);
  }, 150_000);

  it.concurrent('scope: a RemediationPolicy stays in its namespace; a cluster policy in its selector', async () => {
    const acted = await waitIn(
      'cluster-in',
      'the cluster policy to rollout-restart cluster-in/wide',
      () => effectsOn(sandbox, 'cluster-in', 'wide').restartedAt,
    );
    expect(acted).toMatch(/^\d{4}-/);
    const remediated = eventsIn(sandbox, 'cluster-in', 'Remediated').map((e) => e.involvedObject.kind);
    expect(remediated).toEqual(['Deployment']);
    expect(
      eventsIn(sandbox, 'default', 'Remediated').filter(
        (e) => e.involvedObject.kind === 'ClusterRemediationPolicy',
      ),
    ).toHaveLength(1);
    // Two more evaluations of each policy: whatever either would do to the other namespaces, it has done.
    const later = Date.now() + 12_000;
    await waitIn('cluster-out', 'both policies evaluated twice more', () =>
      [clusterPolicyStatus(sandbox, 'gates-wide'), policyStatus(sandbox, 'scope-a', 'reach')].every(
        (s) =>
          Date.parse((s as { lastEvaluationTime?: string } | undefined)?.lastEvaluationTime ?? '') > later,
      ),
    );
    unchanged('cluster-out', 'wide');
    unchanged('scope-b', 'stray');
    expect(recordsIn(sandbox, 'cluster-out')).toEqual([]);
    expect(recordsIn(sandbox, 'scope-b')).toEqual([]);
    expect(recordsIn(sandbox, 'scope-a')).toEqual([]);
    expect(policyStatus(sandbox, 'scope-a', 'reach')?.targets?.total).toBe(0);
  }, 150_000);
});
