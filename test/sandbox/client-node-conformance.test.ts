import {
  ApiException,
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
  Watch,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/sandbox.js';
import { waitFor } from '../support/wait-for.js';
import { deploymentFixture, podFixture, widgetCrd } from './fixtures.js';

let sandbox: Sandbox;
let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;
let ext: ApiextensionsV1Api;
let custom: CustomObjectsApi;

beforeAll(async () => {
  sandbox = await startSandbox({ bookmarkIntervalMs: 200 });
  kc = sandbox.kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  ext = kc.makeApiClient(ApiextensionsV1Api);
  custom = kc.makeApiClient(CustomObjectsApi);
});
afterAll(async () => {
  await sandbox.stop();
});

async function newNamespace(name: string): Promise<string> {
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

async function apiStatus(
  promise: Promise<unknown>,
): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApiException) {
      return { code: err.code, body: JSON.parse(String(err.body)) as Record<string, unknown> };
    }
    throw err;
  }
  throw new Error('expected the call to fail');
}

interface WatchEvent {
  type: string;
  name: string;
  rv: string;
  code?: number;
}

/** Opens a raw watch and collects its events until `stop()`. */
async function collectWatch(path: string, params: Record<string, string | boolean>) {
  const events: WatchEvent[] = [];
  let ended: unknown = null;
  let done = false;
  const controller = await new Watch(kc).watch(
    path,
    params,
    (type, obj: { metadata?: { name?: string; resourceVersion?: string }; code?: number }) => {
      events.push({
        type,
        name: obj.metadata?.name ?? '',
        rv: obj.metadata?.resourceVersion ?? '',
        code: obj.code,
      });
    },
    (err) => {
      ended = err;
      done = true;
    },
  );
  return { events, stop: () => controller.abort(), isDone: () => done, error: () => ended };
}

describe('sandbox through @kubernetes/client-node', () => {
  it('lists with label and field selectors, and pages with limit/continue', async () => {
    const ns = await newNamespace('list-test');
    for (let i = 0; i < 5; i++) {
      await core.createNamespacedPod({
        namespace: ns,
        body: podFixture(`p${i}`, { app: i % 2 ? 'odd' : 'even' }, i < 2 ? 'node-a' : 'node-b'),
      });
    }
    const even = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=even' });
    expect(even.items.map((p) => p.metadata?.name)).toEqual(['p0', 'p2', 'p4']);
    const notEven = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app in (odd),app!=even' });
    expect(notEven.items.map((p) => p.metadata?.name)).toEqual(['p1', 'p3']);
    const onA = await core.listNamespacedPod({ namespace: ns, fieldSelector: 'spec.nodeName=node-a' });
    expect(onA.items.map((p) => p.metadata?.name)).toEqual(['p0', 'p1']);
    const pending = await core.listPodForAllNamespaces({
      fieldSelector: `status.phase=Pending,metadata.namespace=${ns}`,
    });
    expect(pending.items).toHaveLength(5);

    const page1 = await core.listNamespacedPod({ namespace: ns, limit: 2 });
    expect(page1.items.map((p) => p.metadata?.name)).toEqual(['p0', 'p1']);
    expect(page1.metadata?.remainingItemCount).toBe(3);
    const page2 = await core.listNamespacedPod({
      namespace: ns,
      limit: 2,
      _continue: page1.metadata?._continue,
    });
    expect(page2.items.map((p) => p.metadata?.name)).toEqual(['p2', 'p3']);
    const page3 = await core.listNamespacedPod({
      namespace: ns,
      limit: 2,
      _continue: page2.metadata?._continue,
    });
    expect(page3.items.map((p) => p.metadata?.name)).toEqual(['p4']);
    expect(page3.metadata?._continue).toBeUndefined();

    const bad = await apiStatus(core.listNamespacedPod({ namespace: ns, fieldSelector: 'spec.bogus=x' }));
    expect(bad.code).toBe(400);
    expect(String(bad.body.message)).toContain('spec.bogus');
  });

  it('assigns metadata: uid, one monotonic resourceVersion, generation on spec changes only', async () => {
    const ns = await newNamespace('meta-test');
    const a = await apps.createNamespacedDeployment({ namespace: ns, body: deploymentFixture('a') });
    const b = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'b' }, data: { k: 'v' } },
    });
    expect(a.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(b.metadata?.resourceVersion)).toBeGreaterThan(Number(a.metadata?.resourceVersion));
    expect(a.metadata?.generation).toBe(1);
    expect(a.metadata?.creationTimestamp).toBeInstanceOf(Date);
    const labelled = await apps.patchNamespacedDeployment(
      { name: 'a', namespace: ns, body: { metadata: { labels: { tier: 'x' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(labelled.metadata?.generation).toBe(1);
    const scaled = await apps.patchNamespacedDeployment(
      { name: 'a', namespace: ns, body: { spec: { replicas: 5 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(scaled.metadata?.generation).toBe(2);
  });

  it('answers a stale update with 409 Conflict and a duplicate create with 409 AlreadyExists', async () => {
    const ns = await newNamespace('conflict-test');
    const cm = await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'c' }, data: { v: '1' } },
    });
    await core.replaceNamespacedConfigMap({ name: 'c', namespace: ns, body: { ...cm, data: { v: '2' } } });
    const stale = await apiStatus(
      core.replaceNamespacedConfigMap({ name: 'c', namespace: ns, body: { ...cm, data: { v: '3' } } }),
    );
    expect(stale.code).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    expect(String(stale.body.message)).toContain('the object has been modified');
    const dup = await apiStatus(
      core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'c' } } }),
    );
    expect(dup.code).toBe(409);
    expect(dup.body.reason).toBe('AlreadyExists');
    const missing = await apiStatus(core.readNamespacedConfigMap({ name: 'nope', namespace: ns }));
    expect(missing.code).toBe(404);
    expect(missing.body).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'configmaps "nope" not found',
    });
  });

  it('applies merge, JSON, strategic merge and server-side apply patches', async () => {
    const ns = await newNamespace('patch-test');
    await apps.createNamespacedDeployment({ namespace: ns, body: deploymentFixture('web') });
    const merged = await apps.patchNamespacedDeployment(
      { name: 'web', namespace: ns, body: { metadata: { annotations: { a: '1' } }, spec: { replicas: 4 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.spec?.replicas).toBe(4);
    const jsonPatched = await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: ns,
        body: [
          { op: 'replace', path: '/spec/replicas', value: 1 },
          { op: 'add', path: '/metadata/labels/x', value: 'y' },
        ],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    expect(jsonPatched.spec?.replicas).toBe(1);
    expect(jsonPatched.metadata?.labels?.x).toBe('y');
    // Strategic merge: containers merge by name, so the sidecar survives and only app's image changes.
    const strategic = await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: ns,
        body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.28' }] } } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const containers = strategic.spec?.template.spec?.containers ?? [];
    expect(containers.map((c) => `${c.name}=${c.image}`)).toEqual(['app=nginx:1.28', 'sidecar=envoy:1.30']);
    expect(containers[0]?.env).toEqual([{ name: 'MODE', value: 'a' }]);
    // A failing JSON patch test operation is the client's error.
    const failed = await apiStatus(
      apps.patchNamespacedDeployment(
        { name: 'web', namespace: ns, body: [{ op: 'test', path: '/spec/replicas', value: 99 }] },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      ),
    );
    expect(failed.code).toBe(422);
    // Server-side apply creates when missing and merges when present.
    const applied = await core.patchNamespacedConfigMap(
      {
        name: 'ssa',
        namespace: ns,
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa' }, data: { a: '1' } },
        fieldManager: 'test',
      },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    expect(applied.data).toEqual({ a: '1' });
  });

  it('serves the status subresource: status writes change only status, main writes ignore status', async () => {
    const ns = await newNamespace('status-test');
    await apps.createNamespacedDeployment({ namespace: ns, body: deploymentFixture('s') });
    const withStatus = await apps.patchNamespacedDeploymentStatus(
      {
        name: 's',
        namespace: ns,
        body: { status: { readyReplicas: 2, replicas: 2 }, spec: { replicas: 9 } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(withStatus.status?.readyReplicas).toBe(2);
    expect(withStatus.spec?.replicas).toBe(2);
    const main = await apps.patchNamespacedDeployment(
      { name: 's', namespace: ns, body: { status: { readyReplicas: 0 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(main.status?.readyReplicas).toBe(2);
    const scale = await apps.readNamespacedDeploymentScale({ name: 's', namespace: ns });
    expect(scale.spec?.replicas).toBe(2);
    await apps.patchNamespacedDeploymentScale(
      { name: 's', namespace: ns, body: { spec: { replicas: 6 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect((await apps.readNamespacedDeployment({ name: 's', namespace: ns })).spec?.replicas).toBe(6);
  });

  it('watches from a resourceVersion, replaying what came after it', async () => {
    const ns = await newNamespace('watch-test');
    const first = await core.createNamespacedPod({ namespace: ns, body: podFixture('w1') });
    const from = first.metadata?.resourceVersion as string;
    await core.createNamespacedPod({ namespace: ns, body: podFixture('w2') });
    await core.patchNamespacedPod(
      { name: 'w1', namespace: ns, body: { metadata: { labels: { app: 'web', v: '2' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const watch = await collectWatch(`/api/v1/namespaces/${ns}/pods`, {
      resourceVersion: from,
      allowWatchBookmarks: true,
    });
    await core.deleteNamespacedPod({ name: 'w2', namespace: ns });
    await waitFor(
      'replayed and live events',
      () => watch.events.filter((e) => e.type !== 'BOOKMARK').length >= 3,
    );
    expect(watch.events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.name}`)).toEqual([
      'ADDED w2',
      'MODIFIED w1',
      'DELETED w2',
    ]);
    await waitFor('a bookmark', () => watch.events.some((e) => e.type === 'BOOKMARK'));
    const rvs = watch.events.map((e) => Number(e.rv));
    expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
    watch.stop();
  });

  it('turns selector transitions into ADDED/DELETED on a filtered watch', async () => {
    const ns = await newNamespace('transition-test');
    await core.createNamespacedPod({ namespace: ns, body: podFixture('t1', { app: 'other' }) });
    const watch = await collectWatch(`/api/v1/namespaces/${ns}/pods`, { labelSelector: 'app=web' });
    const patchLabels = (app: string) =>
      core.patchNamespacedPod(
        { name: 't1', namespace: ns, body: { metadata: { labels: { app } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    await patchLabels('web');
    await patchLabels('other');
    await waitFor('two events', () => watch.events.length >= 2);
    expect(watch.events.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED t1', 'DELETED t1']);
    watch.stop();
  });

  it('answers a watch from a compacted resourceVersion with a 410 Gone event', async () => {
    const ns = await newNamespace('gone-test');
    const pod = await core.createNamespacedPod({ namespace: ns, body: podFixture('g1') });
    await core.createNamespacedPod({ namespace: ns, body: podFixture('g2') });
    sandbox.faults.compact();
    const watch = await collectWatch(`/api/v1/namespaces/${ns}/pods`, {
      resourceVersion: pod.metadata?.resourceVersion as string,
    });
    await waitFor('an ERROR event', () => watch.events.length > 0);
    expect(watch.events[0]).toMatchObject({ type: 'ERROR', code: 410 });
    // The relist that follows a 410 works, and a watch from its resourceVersion is accepted.
    const relist = await core.listNamespacedPod({ namespace: ns });
    expect(relist.items.map((p) => p.metadata?.name)).toEqual(['g1', 'g2']);
    const again = await collectWatch(`/api/v1/namespaces/${ns}/pods`, {
      resourceVersion: relist.metadata?.resourceVersion as string,
    });
    await core.deleteNamespacedPod({ name: 'g1', namespace: ns });
    await waitFor('DELETED after relist', () =>
      again.events.some((e) => e.type === 'DELETED' && e.name === 'g1'),
    );
    again.stop();
  });

  it('keeps a client-node informer consistent across drops, forced 410s and compaction', async () => {
    const ns = await newNamespace('informer-test');
    const informer = makeInformer<V1Pod>(kc, `/api/v1/namespaces/${ns}/pods`, () =>
      core.listNamespacedPod({ namespace: ns }),
    );
    const errors: unknown[] = [];
    informer.on('error', (err) => {
      errors.push(err);
      // client-node's informer stops on errors other than 410; restart it, as the engine's wrapper does.
      setTimeout(() => void informer.start(), 50);
    });
    await informer.start();
    const names = () =>
      informer
        .list()
        .map((p) => p.metadata?.name)
        .sort()
        .join(',');
    await core.createNamespacedPod({ namespace: ns, body: podFixture('i1') });
    await waitFor('i1 in cache', () => names() === 'i1');
    expect(sandbox.faults.dropWatches()).toBeGreaterThan(0);
    await core.createNamespacedPod({ namespace: ns, body: podFixture('i2') });
    await waitFor('i2 in cache after a dropped watch', () => names() === 'i1,i2');
    sandbox.faults.forceGoneOnNextWatch({ path: `/namespaces/${ns}/pods` });
    sandbox.faults.dropWatches();
    await core.deleteNamespacedPod({ name: 'i1', namespace: ns });
    await waitFor('i1 gone after a forced 410', () => names() === 'i2');
    sandbox.faults.compact();
    sandbox.faults.dropWatches();
    await core.createNamespacedPod({ namespace: ns, body: podFixture('i3') });
    await waitFor('i3 in cache after compaction', () => names() === 'i2,i3');
    await informer.stop();
  });

  it('registers a CRD, then validates and defaults its objects', async () => {
    // client-node's typed model renames `default` to `_default` and drops a plain `default`, so the CRD
    // goes in as raw JSON, the way kubectl sends it.
    const posted = await fetch(`${sandbox.url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${sandbox.authenticator.adminToken}`,
      },
      body: JSON.stringify(widgetCrd),
    });
    expect(posted.status).toBe(201);
    const crd = await ext.readCustomResourceDefinition({ name: 'widgets.example.com' });
    expect(crd.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');
    const ns = await newNamespace('crd-test');
    const created = (await custom.createNamespacedCustomObject({
      group: 'example.com',
      version: 'v1',
      namespace: ns,
      plural: 'widgets',
      body: {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: 'w' },
        spec: { color: 'red', unknown: 1 },
        status: { phase: 'x' },
      },
    })) as { spec: Record<string, unknown>; status?: unknown; metadata: { generation: number } };
    expect(created.spec).toEqual({ color: 'red', size: 3, mode: 'safe' });
    expect(created.status).toBeUndefined();
    const bad = await apiStatus(
      custom.createNamespacedCustomObject({
        group: 'example.com',
        version: 'v1',
        namespace: ns,
        plural: 'widgets',
        body: {
          apiVersion: 'example.com/v1',
          kind: 'Widget',
          metadata: { name: 'bad' },
          spec: { color: 'pink', size: 11 },
        },
      }),
    );
    expect(bad.code).toBe(422);
    expect(bad.body.reason).toBe('Invalid');
    expect(String(bad.body.message)).toContain('spec.color');
    expect(String(bad.body.message)).toContain('spec.size');
    const causes = (bad.body.details as { causes: Array<{ field: string }> }).causes.map((c) => c.field);
    expect(causes).toEqual(expect.arrayContaining(['spec.color', 'spec.size']));
    const status = (await custom.patchNamespacedCustomObjectStatus(
      {
        group: 'example.com',
        version: 'v1',
        namespace: ns,
        plural: 'widgets',
        name: 'w',
        body: { status: { phase: 'Ready' } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as { status: { phase: string }; metadata: { generation: number } };
    expect(status.status.phase).toBe('Ready');
    expect(status.metadata.generation).toBe(1);
    const noRv = await apiStatus(
      custom.replaceNamespacedCustomObject({
        group: 'example.com',
        version: 'v1',
        namespace: ns,
        plural: 'widgets',
        name: 'w',
        body: {
          apiVersion: 'example.com/v1',
          kind: 'Widget',
          metadata: { name: 'w' },
          spec: { color: 'blue' },
        },
      }),
    );
    expect(noRv.code).toBe(422);
    expect(String(noRv.body.message)).toContain('metadata.resourceVersion');
    const invalidCrd = await apiStatus(
      ext.createCustomResourceDefinition({ body: { ...widgetCrd, metadata: { name: 'wrong.example.com' } } }),
    );
    expect(invalidCrd.code).toBe(422);
    expect(String(invalidCrd.body.message)).toContain('metadata.name');
  });

  it('holds an object with finalizers until they are removed', async () => {
    const ns = await newNamespace('finalizer-test');
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'f', finalizers: ['example.com/hold'] } },
    });
    await core.deleteNamespacedConfigMap({ name: 'f', namespace: ns });
    const held = await core.readNamespacedConfigMap({ name: 'f', namespace: ns });
    expect(held.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    const added = await apiStatus(
      core.patchNamespacedConfigMap(
        {
          name: 'f',
          namespace: ns,
          body: { metadata: { finalizers: ['example.com/hold', 'example.com/more'] } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
    expect(added.code).toBe(422);
    await core.patchNamespacedConfigMap(
      { name: 'f', namespace: ns, body: { metadata: { finalizers: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect((await apiStatus(core.readNamespacedConfigMap({ name: 'f', namespace: ns }))).code).toBe(404);
  });

  it('cascades deletion through ownerReferences, and orphans on request', async () => {
    const ns = await newNamespace('cascade-test');
    const build = async (name: string) => {
      const deploy = await apps.createNamespacedDeployment({ namespace: ns, body: deploymentFixture(name) });
      const owner = (o: { metadata?: { uid?: string; name?: string } }, kind: string, apiVersion: string) => [
        {
          apiVersion,
          kind,
          name: o.metadata?.name as string,
          uid: o.metadata?.uid as string,
          controller: true,
        },
      ];
      const rs = await apps.createNamespacedReplicaSet({
        namespace: ns,
        body: {
          metadata: { name: `${name}-rs`, ownerReferences: owner(deploy, 'Deployment', 'apps/v1') },
          spec: deploymentFixture(name).spec as never,
        },
      });
      for (const i of [0, 1]) {
        await core.createNamespacedPod({
          namespace: ns,
          body: {
            ...podFixture(`${name}-pod-${i}`, { app: name }),
            metadata: {
              name: `${name}-pod-${i}`,
              labels: { app: name },
              ownerReferences: owner(rs, 'ReplicaSet', 'apps/v1'),
            },
          },
        });
      }
    };
    await build('gc');
    await build('orphan');
    await apps.deleteNamespacedDeployment({ name: 'gc', namespace: ns });
    const left = await core.listNamespacedPod({ namespace: ns });
    expect(left.items.map((p) => p.metadata?.name)).toEqual(['orphan-pod-0', 'orphan-pod-1']);
    expect(
      (await apps.listNamespacedReplicaSet({ namespace: ns })).items.map((r) => r.metadata?.name),
    ).toEqual(['orphan-rs']);
    await apps.deleteNamespacedDeployment({ name: 'orphan', namespace: ns, propagationPolicy: 'Orphan' });
    const rs = await apps.readNamespacedReplicaSet({ name: 'orphan-rs', namespace: ns });
    expect(rs.metadata?.ownerReferences).toBeUndefined();
  });

  it('injects request failures and delays, and logs every request', async () => {
    const before = sandbox.requests.at(-1)?.seq ?? 0;
    sandbox.faults.failNext({
      count: 2,
      method: 'GET',
      path: '/api/v1/namespaces/default/configmaps',
      status: 503,
    });
    expect((await apiStatus(core.listNamespacedConfigMap({ namespace: 'default' }))).code).toBe(503);
    expect((await apiStatus(core.listNamespacedConfigMap({ namespace: 'default' }))).code).toBe(503);
    await expect(core.listNamespacedConfigMap({ namespace: 'default' })).resolves.toBeDefined();
    const logged = sandbox.requests.filter(
      (r) => r.seq > before && r.path === '/api/v1/namespaces/default/configmaps',
    );
    expect(logged.map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it('rejects an unparsable body with 400', async () => {
    const res = await fetch(`${sandbox.url}/api/v1/namespaces/default/configmaps`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
  });
});
