import { ApiException, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError } from '../../src/kube/rest-client.js';
import {
  isReady,
  type LivingCluster,
  type PodView,
  startLivingCluster,
  tableRows,
} from '../support/living-cluster.js';
import { waitFor } from '../support/wait-for.js';
import { type RecordedEvent, WatchRecorder } from '../support/watch-recorder.js';

/**
 * The Eviction API against PodDisruptionBudgets whose status the simulated disruption controller keeps, through
 * client-node, raw HTTP and the real kubectl; and graceful pod deletion as `kubectl delete pod` meets it.
 */
let cluster: LivingCluster;
let core: CoreV1Api;

beforeAll(async () => {
  cluster = await startLivingCluster();
  core = cluster.sandbox.kubeConfig().makeApiClient(CoreV1Api);
});
afterAll(async () => {
  await cluster?.stop();
});

const B = 'sandbox.coordination-engine.io';
const REFUSED = "Cannot evict pod as it would violate the pod's disruption budget.";

interface Pdb {
  metadata: { generation?: number };
  status?: {
    observedGeneration?: number;
    expectedPods?: number;
    currentHealthy?: number;
    desiredHealthy?: number;
    disruptionsAllowed?: number;
    disruptedPods?: Record<string, string>;
    conditions?: { type: string; status: string; reason: string }[];
  };
}

type Pod = PodView & { metadata: { deletionGracePeriodSeconds?: number } };

async function pods(ns: string): Promise<Pod[]> {
  return (await cluster.getJson<{ items: Pod[] }>(`/api/v1/namespaces/${ns}/pods`)).items;
}

async function pdb(ns: string, name = 'web'): Promise<Pdb> {
  return cluster.getJson<Pdb>(`/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/${name}`);
}

/** A Deployment `web` (app=web) of `replicas` pods that take `terminationSeconds` to stop. */
async function createWeb(ns: string, replicas: number, terminationSeconds = 1) {
  await cluster.ok('create', 'namespace', ns);
  const file = await cluster.manifest(`${ns}-web.yaml`, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: ns,
      annotations: { [`${B}/termination-seconds`]: `${terminationSeconds}s` },
    },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx' }] },
      },
    },
  });
  await cluster.ok('apply', '-f', file);
}

async function readyPods(ns: string, count: number, timeoutMs = 30_000): Promise<Pod[]> {
  return waitFor(
    `${count} Running and Ready pods in ${ns}`,
    async () => {
      const all = await pods(ns);
      return (
        all.length === count &&
        all.every((p) => !p.metadata.deletionTimestamp && p.status.phase === 'Running' && isReady(p)) &&
        all
      );
    },
    { timeoutMs, intervalMs: 250 },
  );
}

async function pdbStatus(ns: string, expected: Pdb['status'], name = 'web'): Promise<Pdb> {
  return waitFor(
    `PodDisruptionBudget ${ns}/${name} status ${JSON.stringify(expected)}`,
    async () => {
      const got = await pdb(ns, name);
      const status = got.status ?? {};
      const matches = Object.entries(expected ?? {}).every(
        ([k, v]) => JSON.stringify(status[k as keyof typeof status]) === JSON.stringify(v),
      );
      return matches && status.observedGeneration === got.metadata.generation && got;
    },
    { timeoutMs: 15_000, intervalMs: 200 },
  );
}

/** An eviction through client-node's typed API: the HTTP status and the Status body. */
async function evictWithClientNode(
  ns: string,
  name: string,
  dryRun?: 'in-body' | 'in-query',
): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    const answer = await core.createNamespacedPodEvictionWithHttpInfo({
      name,
      namespace: ns,
      body: {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name, namespace: ns },
        ...(dryRun === 'in-body' ? { deleteOptions: { dryRun: ['All'] } } : {}),
      },
      ...(dryRun === 'in-query' ? { dryRun: 'All' } : {}),
    });
    return { code: answer.httpStatusCode, body: answer.data as unknown as Record<string, unknown> };
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    return { code: error.code, body: JSON.parse(String(error.body)) as Record<string, unknown> };
  }
}

/** The same eviction as a raw POST of JSON to pods/{name}/eviction. */
async function evictRaw(ns: string, name: string): Promise<{ code: number; body: unknown }> {
  try {
    const body = await cluster.rest.request({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/pods/${name}/eviction`,
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } },
    });
    return { code: 201, body };
  } catch (error) {
    if (!(error instanceof KubeApiError)) throw error;
    return { code: error.status, body: error.body };
  }
}

const podEvent = (name: string) => (e: RecordedEvent<Pod>) => e.object.metadata.name === name;

describe('the Eviction API with PodDisruptionBudgets', () => {
  it.concurrent('refuses an eviction that would break minAvailable 2 with 429 TooManyRequests, through client-node and raw HTTP', async () => {
    const ns = 'evict-refused';
    await createWeb(ns, 2);
    const running = await readyPods(ns, 2);
    const created = await cluster.ok(
      'create',
      'pdb',
      'web',
      '--selector=app=web',
      '--min-available=2',
      '-n',
      ns,
    );
    expect(created).toMatch(/poddisruptionbudget.policy\/web created/);
    const budget = await pdbStatus(ns, {
      expectedPods: 2,
      currentHealthy: 2,
      desiredHealthy: 2,
      disruptionsAllowed: 0,
    });
    expect(budget.status?.conditions).toEqual([
      expect.objectContaining({ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods' }),
    ]);
    expect(tableRows(await cluster.ok('get', 'pdb', '-n', ns))[0]?.slice(0, 4)).toEqual([
      'web',
      '2',
      'N/A',
      '0',
    ]);

    const victim = running[0]?.metadata.name as string;
    const refusal = {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'TooManyRequests',
      code: 429,
      message: REFUSED,
      details: {
        causes: [
          {
            reason: 'DisruptionBudget',
            message: 'The disruption budget web needs 2 healthy pods and has 2 currently',
          },
        ],
      },
    };
    const viaClient = await evictWithClientNode(ns, victim);
    expect(viaClient.code).toBe(429);
    expect(viaClient.body).toEqual({ ...refusal, metadata: {} });
    const viaRaw = await evictRaw(ns, victim);
    expect(viaRaw.code).toBe(429);
    expect(viaRaw.body).toEqual({ ...refusal, metadata: {} });
    // Nothing happened: the pod runs on, the budget was not spent.
    const after = await pods(ns);
    expect(after.find((p) => p.metadata.name === victim)?.metadata.deletionTimestamp).toBeUndefined();
    expect((await pdb(ns)).status?.disruptedPods).toBeUndefined();
  });

  it.concurrent('evicts within minAvailable 1: the pod terminates, its replacement becomes Ready, disruptedPods records it and lets go', async () => {
    const ns = 'evict-allowed';
    await createWeb(ns, 2, 6);
    const running = await readyPods(ns, 2);
    await cluster.ok('create', 'pdb', 'web', '--selector=app=web', '--min-available=1', '-n', ns);
    const budget = await pdbStatus(ns, {
      expectedPods: 2,
      currentHealthy: 2,
      desiredHealthy: 1,
      disruptionsAllowed: 1,
    });
    expect(budget.status?.conditions?.[0]).toMatchObject({ status: 'True', reason: 'SufficientPods' });
    const podWatch = await WatchRecorder.start<Pod>(cluster.rest, `/api/v1/namespaces/${ns}/pods`);
    const pdbWatch = await WatchRecorder.start<Pdb>(
      cluster.rest,
      `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`,
    );
    try {
      const victim = running[0]?.metadata.name as string;
      // A dry run (in the Eviction's deleteOptions or as ?dryRun=All) answers like the real thing, changes nothing.
      for (const where of ['in-body', 'in-query'] as const) {
        const dry = await evictWithClientNode(ns, victim, where);
        expect(dry.code).toBe(201);
        const untouched = await pdb(ns);
        expect(untouched.status).toMatchObject({ disruptionsAllowed: 1 });
        expect(untouched.status?.disruptedPods).toBeUndefined();
        expect((await pods(ns)).every((p) => !p.metadata.deletionTimestamp)).toBe(true);
      }

      const answer = await evictWithClientNode(ns, victim);
      expect(answer.code).toBe(201);
      // client-node reads the Success Status into its V1Eviction model, which keeps only kind and apiVersion.
      expect(answer.body).toMatchObject({ kind: 'Status' });
      const terminating = (await pods(ns)).find((p) => p.metadata.name === victim);
      expect(terminating?.metadata.deletionTimestamp).toBeDefined();
      expect(terminating?.metadata.deletionGracePeriodSeconds).toBe(30);
      const row = tableRows(await cluster.ok('get', 'pods', '-n', ns)).find((r) => r[0] === victim);
      expect(row?.[2]).toBe('Terminating');

      // The eviction spent the budget and recorded the pod...
      const spent = await pdbWatch.until('the eviction recording its pod', (e) =>
        Boolean(e.object.status?.disruptedPods?.[victim]),
      );
      expect(pdbWatch.events[spent]?.object.status?.disruptionsAllowed).toBe(0);
      // ...the kubelet stops it and removes it, the ReplicaSet replaces it...
      await podWatch.until('the evicted pod gone', (e) => podEvent(victim)(e) && e.type === 'DELETED');
      const replaced = await readyPods(ns, 2);
      expect(replaced.map((p) => p.metadata.name)).not.toContain(victim);
      // ...and the disruption controller lets go of the pod once it is terminating, then counts the replacement.
      const released = await pdbWatch.until(
        'disruptedPods to drop the pod',
        (e, i) => i > spent && e.object.status?.disruptedPods === undefined,
      );
      expect(released).toBeGreaterThan(spent);
      await pdbStatus(ns, { expectedPods: 2, currentHealthy: 2, desiredHealthy: 1, disruptionsAllowed: 1 });
    } finally {
      await podWatch.stop();
      await pdbWatch.stop();
    }
  }, 90_000);

  it.concurrent('spends maxUnavailable 1 on the first eviction and refuses the second', async () => {
    const ns = 'evict-max-unavailable';
    await createWeb(ns, 2, 3);
    const running = await readyPods(ns, 2);
    await cluster.ok('create', 'pdb', 'web', '--selector=app=web', '--max-unavailable=1', '-n', ns);
    await pdbStatus(ns, { expectedPods: 2, currentHealthy: 2, desiredHealthy: 1, disruptionsAllowed: 1 });
    expect(tableRows(await cluster.ok('get', 'pdb', '-n', ns))[0]?.slice(0, 4)).toEqual([
      'web',
      'N/A',
      '1',
      '1',
    ]);
    const [first, second] = running.map((p) => p.metadata.name) as [string, string];
    expect((await evictRaw(ns, first)).code).toBe(201);
    const refused = await evictRaw(ns, second);
    expect(refused.code).toBe(429);
    expect(refused.body).toMatchObject({
      reason: 'TooManyRequests',
      message: REFUSED,
      details: {
        causes: [
          {
            reason: 'DisruptionBudget',
            message: expect.stringMatching(
              /^The disruption budget web needs 1 healthy pods and has [12] currently$/,
            ),
          },
        ],
      },
    });
    await readyPods(ns, 2);
    await pdbStatus(ns, { expectedPods: 2, currentHealthy: 2, desiredHealthy: 1, disruptionsAllowed: 1 });
    expect((await evictRaw(ns, second)).code).toBe(201);
  }, 90_000);

  it.concurrent('answers 500 when two PodDisruptionBudgets select the pod', async () => {
    const ns = 'evict-two-budgets';
    await createWeb(ns, 1);
    const [pod] = await readyPods(ns, 1);
    await cluster.ok('create', 'pdb', 'one', '--selector=app=web', '--max-unavailable=1', '-n', ns);
    await cluster.ok('create', 'pdb', 'two', '--selector=app=web', '--min-available=0', '-n', ns);
    await pdbStatus(ns, { disruptionsAllowed: 1 }, 'one');
    await pdbStatus(ns, { disruptionsAllowed: 1 }, 'two');
    const answer = await evictWithClientNode(ns, pod?.metadata.name as string);
    expect(answer.code).toBe(500);
    expect(answer.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      code: 500,
    });
    expect((await pods(ns))[0]?.metadata.deletionTimestamp).toBeUndefined();
  });
  it.concurrent('counts a pod without a controller out of a maxUnavailable budget, which then allows nothing', async () => {
    const ns = 'evict-unmanaged';
    await cluster.ok('create', 'namespace', ns);
    await cluster.ok('run', 'solo', '--image=nginx', '--labels=app=solo', '-n', ns);
    await readyPods(ns, 1);
    await cluster.ok('create', 'pdb', 'solo', '--selector=app=solo', '--max-unavailable=1', '-n', ns);
    // The scale of no controller is expected; with no pods expected the controller allows no disruption.
    await pdbStatus(
      ns,
      { expectedPods: 0, currentHealthy: 1, desiredHealthy: 0, disruptionsAllowed: 0 },
      'solo',
    );
    const refused = await evictRaw(ns, 'solo');
    expect(refused.code).toBe(429);
    expect(refused.body).toMatchObject({
      details: {
        causes: [
          {
            reason: 'DisruptionBudget',
            message: 'The disruption budget solo needs 0 healthy pods and has 1 currently',
          },
        ],
      },
    });
  });
});

describe('graceful pod deletion through kubectl', () => {
  it.concurrent('kubectl delete pod waits until the kubelet removed the pod; --grace-period=0 --force removes it at once', async () => {
    const ns = 'graceful-delete';
    await createWeb(ns, 2, 3);
    const [first, second] = (await readyPods(ns, 2)).map((p) => p.metadata.name) as [string, string];
    const watch = await WatchRecorder.start<Pod>(cluster.rest, `/api/v1/namespaces/${ns}/pods`);
    try {
      expect(await cluster.ok('delete', 'pod', first, '-n', ns)).toMatch(
        new RegExp(`pod "${first}" deleted`),
      );
      // kubectl returned only once the pod was gone; meanwhile it was Terminating with the grace period set.
      const gone = watch.indexOf((e) => podEvent(first)(e) && e.type === 'DELETED');
      expect(gone).toBeGreaterThan(0);
      const marked = watch.indexOf(
        (e) =>
          podEvent(first)(e) && e.type === 'MODIFIED' && e.object.metadata.deletionTimestamp !== undefined,
      );
      expect(marked).toBeGreaterThanOrEqual(0);
      expect(marked).toBeLessThan(gone);
      expect(watch.events[marked]?.object.metadata.deletionGracePeriodSeconds).toBe(30);
      const stopped = watch.events
        .slice(marked, gone)
        .some(
          (e) => podEvent(first)(e) && e.object.status.containerStatuses?.[0]?.state.terminated !== undefined,
        );
      expect(stopped).toBe(true);

      const forced = await cluster.kubectl('delete', 'pod', second, '-n', ns, '--grace-period=0', '--force');
      expect(forced.code).toBe(0);
      expect(forced.stdout).toMatch(new RegExp(`pod "${second}" force deleted`));
      expect(forced.stderr).toMatch(/Immediate deletion does not wait/);
      const events = watch.events.filter(podEvent(second));
      expect(events.at(-1)?.type).toBe('DELETED');
      expect(events.some((e) => e.type === 'MODIFIED' && e.object.metadata.deletionTimestamp)).toBe(false);
      await readyPods(ns, 2);
    } finally {
      await watch.stop();
    }
  }, 90_000);
  it.concurrent('a later delete shortens the grace period and never lengthens it; grace 0 ends a Terminating pod at once', async () => {
    const ns = 'graceful-shorten';
    // Containers that take 20 s to stop keep the pod Terminating while the test deletes it again.
    await createWeb(ns, 2, 20);
    const [first, second] = (await readyPods(ns, 2)).map((p) => p.metadata.name) as [string, string];
    const path = (name: string) => `/api/v1/namespaces/${ns}/pods/${name}`;
    const marks = async (name: string) => {
      const pod = await cluster.getJson<Pod>(path(name));
      return {
        grace: pod.metadata.deletionGracePeriodSeconds,
        at: Date.parse(String(pod.metadata.deletionTimestamp)),
      };
    };
    await cluster.ok('delete', 'pod', first, '-n', ns, '--wait=false');
    const initial = await marks(first);
    expect(initial.grace).toBe(30);
    await cluster.ok('delete', 'pod', first, '-n', ns, '--wait=false', '--grace-period=60');
    expect(await marks(first)).toEqual(initial);
    // Shortening moves the deadline back by the difference (not to now + 10 s): let the clock move on first.
    const deletedAt = initial.at - 30_000;
    await waitFor('2 s to pass since the first delete', () => Date.now() >= deletedAt + 2_000, {
      timeoutMs: 5_000,
      intervalMs: 100,
    });
    await cluster.ok('delete', 'pod', first, '-n', ns, '--wait=false', '--grace-period=10');
    expect(await marks(first)).toEqual({ grace: 10, at: initial.at - 20_000 });
    const forced = await cluster.kubectl('delete', 'pod', first, '-n', ns, '--grace-period=0', '--force');
    expect(forced.code).toBe(0);
    await expect(cluster.getJson(path(first))).rejects.toMatchObject({ status: 404 });

    // A negative grace period counts as one second, as the apiserver's BeforeDelete has it.
    await cluster.rest.request({
      method: 'DELETE',
      path: path(second),
      body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: -5 },
    });
    expect((await marks(second)).grace).toBe(1);
    await waitFor(
      `${second} removed by its kubelet`,
      async () =>
        cluster.getJson(path(second)).then(
          () => false,
          () => true,
        ),
      { timeoutMs: 15_000, intervalMs: 200 },
    );
  }, 90_000);
});
