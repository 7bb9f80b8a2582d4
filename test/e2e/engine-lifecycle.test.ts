import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/json/json-value.js';
import type { KubeRest } from '../../src/kube/rest-client.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { deploymentFixture, podFixture } from '../sandbox/fixtures.js';
import { testPolicy } from '../support/policy-fixtures.js';
import { waitFor } from '../support/wait-for.js';
import {
  type EngineProcess,
  leaseHolder,
  policyStatus,
  readyCondition,
  sandboxWithCrd,
  startEngineProcess,
  stopProcess,
  waitForReady,
} from './engine-harness.js';

/** A port nothing listens on: the ML service "outage" for the health checks. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 1;
}

describe('engine end to end (one replica)', () => {
  let env: Awaited<ReturnType<typeof sandboxWithCrd>>;
  let sandbox: Sandbox;
  let rest: KubeRest;
  let engine: EngineProcess | undefined;

  const createDeployment = (name: string, namespace = 'apps') =>
    sandbox.create('apps', 'v1', 'deployments', {
      ...deploymentFixture(name),
      metadata: { name, namespace, labels: { tier: 'web' } },
    } as unknown as JsonObject);
  /** A ReplicaSet the owned pod can point at (a pod whose owner does not exist is garbage-collected). */
  const ownerReplicaSet = () => {
    const existing = sandbox.getObject('apps', 'replicasets', 'apps', 'rs');
    const rs =
      existing ??
      sandbox.create('apps', 'v1', 'replicasets', {
        metadata: { name: 'rs', namespace: 'apps' },
        spec: {
          selector: { matchLabels: { tier: 'web' } },
          template: {
            metadata: { labels: { tier: 'web' } },
            spec: { containers: [{ name: 'c', image: 'nginx' }] },
          },
        },
      } as unknown as JsonObject);
    return String((rs.metadata as { uid: string }).uid);
  };
  const createPod = (name: string, owned: boolean) =>
    sandbox.create('', 'v1', 'pods', {
      ...podFixture(name, { tier: 'web' }),
      metadata: {
        name,
        namespace: 'apps',
        labels: { tier: 'web' },
        ...(owned
          ? {
              ownerReferences: [
                {
                  apiVersion: 'apps/v1',
                  kind: 'ReplicaSet',
                  name: 'rs',
                  uid: ownerReplicaSet(),
                  controller: true,
                },
              ],
            }
          : {}),
      },
    } as unknown as JsonObject);
  const remove = (group: string, plural: string, namespace: string, name: string) => {
    const type = sandbox.registry.find(group, 'v1', plural);
    if (!type) throw new Error(`no ${plural}`);
    sandbox.service.delete(type, 'v1', namespace, name, {});
  };
  const createPolicy = (policy: JsonObject) =>
    rest.request({
      method: 'POST',
      path: '/apis/coordination-engine.io/v1alpha1/namespaces/apps/remediationpolicies',
      body: policy,
    });
  const statusWrites = () =>
    sandbox.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/status')).length;
  const health = async () => {
    if (!engine) throw new Error('engine not started');
    const res = await engine.get('/api/v1/health');
    return { status: res.status, body: JSON.parse(res.text) as HealthBody };
  };
  /** The engine's cache sizes (from /api/v1/health) equal the server's. */
  const cachesMatchServer = async () => {
    const { body } = await health();
    const kube = body.dependencies.kubernetes;
    const objects = (resource: string) =>
      (kube.details?.[resource] ?? []).reduce((sum, informer) => sum + informer.objects, 0);
    return (
      kube.status === 'ok' &&
      objects('deployments') === sandbox.store.list('deployments.apps').length &&
      objects('pods') === sandbox.store.list('pods').length
    );
  };

  beforeAll(async () => {
    env = await sandboxWithCrd();
    sandbox = env.sandbox;
    rest = env.rest;
    sandbox.create('', 'v1', 'namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'apps' },
    });
    createDeployment('web-1');
    createDeployment('web-2');
    createPod('standalone', false);
    createPod('web-1-abc', true); // controlled by a ReplicaSet: not a standalone target
    engine = await startEngineProcess(`${env.dir}/kubeconfig`, 'solo', [
      '--ml-service-url',
      `http://127.0.0.1:${await closedPort()}`,
      '--watch-silence-timeout',
      '30s',
      // The 10 s API outage below must not cost the lease: a replica that cannot renew in time loses it and exits
      // (as controller-runtime does), and this test is about the caches surviving the outage.
      '--leader-election-lease-duration',
      '30s',
      '--leader-election-renew-deadline',
      '20s',
    ]);
  });

  afterAll(async () => {
    await stopProcess(engine);
    await env?.cleanup();
  });

  it('a valid policy reaches Ready=True at generation 1, and follows a spec change to generation 2', async () => {
    await createPolicy(
      testPolicy('web').inNamespace('apps').targeting({ tier: 'web' }).build() as JsonObject,
    );
    const first = await waitForReady(sandbox, 'apps', 'web', 1);
    expect(readyCondition(first)).toMatchObject({ reason: 'Reconciled', observedGeneration: 1 });
    expect(first.targets?.total).toBe(3); // two Deployments and one standalone Pod
    // The evaluation loop assesses the policy right after it appears (without Prometheus: nothing is judged).
    await waitFor('a first evaluation', () => policyStatus(sandbox, 'apps', 'web')?.lastEvaluationTime, {
      timeoutMs: 15_000,
    });

    await rest.request({
      method: 'PATCH',
      path: '/apis/coordination-engine.io/v1alpha1/namespaces/apps/remediationpolicies/web',
      body: { spec: { targets: { kinds: ['Deployment'] } } },
      contentType: 'application/merge-patch+json',
    });
    const second = await waitForReady(sandbox, 'apps', 'web', 2);
    expect(second.targets?.total).toBe(2);
  });

  it('an invalid policy gets Ready=False InvalidSpec naming the field, and a Warning Event', async () => {
    await createPolicy(
      testPolicy('bad')
        .inNamespace('apps')
        .withRule({ name: 'r', feature: 'pod_cpu_usage.p99', operator: '>', value: 1 })
        .build() as JsonObject,
    );
    const ready = await waitFor('bad policy judged', () => {
      const condition = readyCondition(policyStatus(sandbox, 'apps', 'bad'));
      return condition?.status === 'False' ? condition : undefined;
    });
    expect(ready.reason).toBe('InvalidSpec');
    expect(ready.message).toContain('spec.detection.rules[0].feature');
    expect(policyStatus(sandbox, 'apps', 'bad')?.phase).toBe('Invalid');
    const event = await waitFor('InvalidSpec event', () =>
      sandbox.store
        .list('events', 'apps')
        .find((e) => e.reason === 'InvalidSpec' && (e.involvedObject as JsonObject).name === 'bad'),
    );
    expect(event.type).toBe('Warning');
    expect(String(event.message)).toContain('spec.detection.rules[0].feature');
  });

  it('sends no status write when nothing changed', async () => {
    if (!engine) throw new Error('engine not started');
    await waitForReady(sandbox, 'apps', 'web', 2);
    const reconcilesBefore = await reconcileCount(engine);
    const writesBefore = statusWrites();
    // Changes that trigger reconciles but alter nothing the status depends on.
    for (const value of ['1', '2', '3']) {
      await rest.request({
        method: 'PATCH',
        path: '/apis/coordination-engine.io/v1alpha1/namespaces/apps/remediationpolicies/web',
        body: { metadata: { labels: { touched: value } } },
        contentType: 'application/merge-patch+json',
      });
    }
    await waitFor('the engine reconciled the touched policy', async () => {
      const count = await reconcileCount(engine as EngineProcess);
      return count >= reconcilesBefore + 1;
    });
    expect(statusWrites()).toBe(writesBefore);
  });

  it('serves /healthz, /readyz, /api/v1/health (ML outage = degraded) and /metrics', async () => {
    if (!engine) throw new Error('engine not started');
    expect(await engine.get('/healthz')).toEqual({ status: 200, text: 'ok\n' });
    expect((await engine.get('/readyz')).status).toBe(200);
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.dependencies.kubernetes.status).toBe('ok');
    expect(body.dependencies.leader).toMatchObject({ status: 'ok', message: 'this replica is the leader' });
    expect(body.dependencies.mlService.status).toBe('degraded'); // unreachable: an ML outage is never down
    expect(body.dependencies.mlService.critical).toBe(false);
    expect(body.dependencies.prometheus.status).toBe('degraded'); // not configured
    const notFound = await engine.get('/nope');
    expect(notFound.status).toBe(404);
    expect(JSON.parse(notFound.text)).toEqual({ code: 'RouteNotFound', message: 'no route for /nope' });

    const { text } = await engine.get('/metrics');
    expect(await engine.metric('coordination_engine_leader')).toBe(1);
    expect(await reconcileCount(engine)).toBeGreaterThan(0);
    expect(text).toMatch(
      /^coordination_engine_reconcile_duration_seconds_count\{controller="remediationpolicy"\} [1-9]/m,
    );
    expect(text).toMatch(/^coordination_engine_workqueue_adds_total\{name="remediationpolicy"\} [1-9]/m);
    expect(text).toMatch(/^coordination_engine_workqueue_depth\{name="remediationpolicy"\} \d+/m);
    expect(text).toMatch(/^coordination_engine_process_cpu_user_seconds_total \d/m);
    expect(text).not.toMatch(/^(?!#)(?!coordination_engine_)\w+/m); // everything carries the prefix
  });

  it('keeps its caches consistent through a watch drop, a forced 410 and a 10 s API outage', async () => {
    await waitFor('caches match before faults', cachesMatchServer);

    expect(sandbox.faults.dropWatches()).toBeGreaterThan(0);
    createDeployment('web-3');
    await waitFor(
      'policy sees web-3 after the drop',
      () => policyStatus(sandbox, 'apps', 'web')?.targets?.total === 3,
    );
    await waitFor('caches match after the drop', cachesMatchServer);

    const relistsBefore = await totalRelists();
    sandbox.faults.forceGoneOnNextWatch();
    sandbox.faults.dropWatches();
    remove('apps', 'deployments', 'apps', 'web-1');
    await waitFor('relisted after 410', async () => (await totalRelists()) > relistsBefore);
    await waitFor('policy sees web-1 gone', () => policyStatus(sandbox, 'apps', 'web')?.targets?.total === 2);
    await waitFor('caches match after the 410', cachesMatchServer);

    await sandbox.suspend();
    const outageStart = Date.now();
    // The cluster keeps changing while the engine cannot see it.
    createDeployment('web-4');
    createDeployment('web-5');
    remove('', 'pods', 'apps', 'web-1-abc');
    const down = await waitFor('health reports kubernetes down', async () => {
      const h = await health();
      return h.body.dependencies.kubernetes.status === 'down' ? h : undefined;
    });
    expect(down.status).toBe(503);
    await waitFor('10 s outage', () => Date.now() - outageStart >= 10_000, { timeoutMs: 15_000 });
    await sandbox.resume();
    await waitFor(
      'policy sees the outage changes',
      () => policyStatus(sandbox, 'apps', 'web')?.targets?.total === 4,
      {
        timeoutMs: 30_000,
      },
    );
    await waitFor('caches match after the outage', cachesMatchServer, { timeoutMs: 30_000 });
    expect((await health()).status).toBe(200);
  });

  it('exits 0 on SIGTERM and releases the lease', async () => {
    if (!engine) throw new Error('engine not started');
    engine.proc.child.kill('SIGTERM');
    expect(await engine.proc.exited).toBe(0);
    expect(leaseHolder(sandbox)).toBe('');
    expect(engine.proc.output()).toContain('released the lease');
  });

  async function totalRelists(): Promise<number> {
    const { body } = await health();
    return Object.values(body.dependencies.kubernetes.details ?? {})
      .flat()
      .reduce((sum, informer) => sum + informer.relists, 0);
  }
});

async function reconcileCount(engine: EngineProcess): Promise<number> {
  let total = 0;
  for (const result of ['success', 'requeue_after', 'error', 'terminal_error']) {
    total +=
      (await engine.metric(
        'coordination_engine_reconcile_total',
        `controller="remediationpolicy",result="${result}"`,
      )) ?? 0;
  }
  return total;
}

interface InformerView {
  objects: number;
  relists: number;
}
interface DependencyView {
  status: string;
  message: string;
  critical: boolean;
  details?: Record<string, InformerView[]>;
}
interface HealthBody {
  status: string;
  dependencies: {
    kubernetes: DependencyView;
    prometheus: DependencyView;
    mlService: DependencyView;
    leader: DependencyView;
  };
}
