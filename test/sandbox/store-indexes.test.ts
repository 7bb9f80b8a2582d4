import { beforeEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/json/json-value.js';
import { Authenticator } from '../../src/sandbox/access-control.js';
import { ApiServer } from '../../src/sandbox/api-server.js';
import { objectKey } from '../../src/sandbox/object-store.js';
import type { ResourceType } from '../../src/sandbox/resource-type.js';
import type { Locations } from '../../src/sandbox/store-indexes.js';
import { widgetCrd } from './fixtures.js';

const NOW = new Date('2026-01-01T00:00:00Z');
let api: ApiServer;

beforeEach(() => {
  api = new ApiServer({ authenticator: new Authenticator(false), clock: () => NOW });
});

function typeOf(group: string, version: string, plural: string): ResourceType {
  const type = api.registry.find(group, version, plural);
  if (!type) throw new Error(`no ${group}/${version} ${plural}`);
  return type;
}
const pods = () => typeOf('', 'v1', 'pods');
const deployments = () => typeOf('apps', 'v1', 'deployments');
const replicaSets = () => typeOf('apps', 'v1', 'replicasets');

type Ref = { apiVersion: string; kind: string; name: string; uid: string };
const refTo = (o: JsonObject, kind: string, apiVersion: string): Ref => {
  const m = o.metadata as JsonObject;
  return { apiVersion, kind, name: String(m.name), uid: String(m.uid) };
};
const uidOf = (o: JsonObject) => String((o.metadata as JsonObject).uid);

function createDeployment(namespace: string, name: string): JsonObject {
  const labels = { app: name };
  const body = {
    metadata: { name, labels },
    spec: {
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx' }] } },
    },
  };
  return api.service.create(deployments(), 'v1', namespace, body).object;
}

function createReplicaSet(namespace: string, name: string, owner: JsonObject): JsonObject {
  const labels = { app: name };
  const body = {
    metadata: { name, labels, ownerReferences: [refTo(owner, 'Deployment', 'apps/v1')] },
    spec: {
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx' }] } },
    },
  };
  return api.service.create(replicaSets(), 'v1', namespace, body).object;
}

function createPod(namespace: string, name: string, owners: Ref[], extra: JsonObject = {}): JsonObject {
  const metadata: JsonObject = { name, ...extra };
  if (owners.length > 0) metadata.ownerReferences = owners;
  const body = { metadata, spec: { containers: [{ name: 'app', image: 'nginx' }] } };
  return api.service.create(pods(), 'v1', namespace, body).object;
}

const flatten = (locations: Locations): string[] =>
  [...locations].flatMap(([storageKey, keys]) => [...keys].map((k) => `${storageKey}|${k}`)).sort();

/** The indexes must say exactly what a scan of every stored object says. */
function expectIndexesMatchAScan(): void {
  const store = api.store;
  const owners = new Map<string, Set<string>>();
  const uids = new Map<string, Set<string>>();
  const pending: string[] = [];
  const add = (map: Map<string, Set<string>>, key: string, loc: string) =>
    map.set(key, (map.get(key) ?? new Set()).add(loc));
  for (const storageKey of store.storageKeys()) {
    for (const o of store.list(storageKey)) {
      const m = o.metadata as JsonObject;
      const loc = `${storageKey}|${objectKey(m.namespace as string | undefined, String(m.name))}`;
      if (typeof m.uid === 'string') add(uids, m.uid, loc);
      for (const ref of (m.ownerReferences as JsonObject[] | undefined) ?? [])
        add(owners, String(ref.uid), loc);
      if (
        m.deletionTimestamp !== undefined &&
        (m.finalizers as string[] | undefined)?.includes('foregroundDeletion')
      )
        pending.push(loc);
    }
  }
  for (const [uid, locs] of owners) expect(flatten(store.dependentsOf(uid))).toEqual([...locs].sort());
  for (const [uid, locs] of uids) expect(flatten(store.locateUid(uid))).toEqual([...locs].sort());
  expect(flatten(store.foregroundPending())).toEqual(pending.sort());
  expect(store.indexSizes).toEqual({ owners: owners.size, uids: uids.size });
}

/** Stored metadata of an object that must exist. */
function storedMeta(storageKey: string, namespace: string | undefined, name: string): JsonObject {
  const found = api.store.get(storageKey, namespace, name);
  if (!found) throw new Error(`${storageKey} ${namespace}/${name} is not stored`);
  return found.metadata as JsonObject;
}

const podKeys = (namespace = 'default') =>
  api.store.list('pods', namespace).map((p) => (p.metadata as JsonObject).name);
const dependentNames = (owner: JsonObject) => flatten(api.store.dependentsOf(uidOf(owner)));

describe('the ownership indexes', () => {
  it('follow ownerReference edits through update and patch', () => {
    const a = createDeployment('default', 'a');
    const b = createDeployment('default', 'b');
    createPod('default', 'p', [refTo(a, 'Deployment', 'apps/v1')]);
    expect(dependentNames(a)).toEqual(['pods|default/p']);
    expectIndexesMatchAScan();

    const current = api.service.get(pods(), 'v1', 'default', 'p');
    (current.metadata as JsonObject).ownerReferences = [refTo(b, 'Deployment', 'apps/v1')];
    api.service.update(pods(), 'v1', 'default', 'p', current);
    expect(dependentNames(a)).toEqual([]);
    expect(dependentNames(b)).toEqual(['pods|default/p']);
    expectIndexesMatchAScan();

    const both = [refTo(a, 'Deployment', 'apps/v1'), refTo(b, 'Deployment', 'apps/v1')];
    api.service.patch(
      pods(),
      'v1',
      'default',
      'p',
      JSON.stringify({ metadata: { ownerReferences: both } }),
      'merge',
    );
    expect(dependentNames(a)).toEqual(['pods|default/p']);
    expect(dependentNames(b)).toEqual(['pods|default/p']);
    expectIndexesMatchAScan();

    api.service.patch(
      pods(),
      'v1',
      'default',
      'p',
      JSON.stringify({ metadata: { ownerReferences: null } }),
      'merge',
    );
    expect(dependentNames(a)).toEqual([]);
    expect(dependentNames(b)).toEqual([]);
    expectIndexesMatchAScan();
  });

  it('drop an orphaned reference and keep the dependent', () => {
    const a = createDeployment('default', 'a');
    const b = createDeployment('default', 'b');
    createPod('default', 'p', [refTo(a, 'Deployment', 'apps/v1'), refTo(b, 'Deployment', 'apps/v1')]);
    api.service.delete(deployments(), 'v1', 'default', 'a', { propagationPolicy: 'Orphan' });
    expect(dependentNames(a)).toEqual([]);
    expect(dependentNames(b)).toEqual(['pods|default/p']);
    expectIndexesMatchAScan();
    api.service.delete(deployments(), 'v1', 'default', 'b', { propagationPolicy: 'Orphan' });
    expect(podKeys()).toEqual(['p']);
    expect(storedMeta('pods', 'default', 'p').ownerReferences).toBeUndefined();
    expect(api.store.indexSizes.owners).toBe(0);
    expectIndexesMatchAScan();
  });

  it('collect a dependent only once its last live owner is deleted (Background)', () => {
    const a = createDeployment('default', 'a');
    const b = createDeployment('default', 'b');
    createPod('default', 'p', [refTo(a, 'Deployment', 'apps/v1'), refTo(b, 'Deployment', 'apps/v1')]);
    createPod('default', 'q', [refTo(a, 'Deployment', 'apps/v1')]);
    api.service.delete(deployments(), 'v1', 'default', 'a', { propagationPolicy: 'Background' });
    expect(podKeys()).toEqual(['p']);
    expectIndexesMatchAScan();
    api.service.delete(deployments(), 'v1', 'default', 'b', {});
    expect(podKeys()).toEqual([]);
    expect(api.store.indexSizes.owners).toBe(0);
    expectIndexesMatchAScan();
  });

  it('hold a Foreground owner until its last dependent is gone, through a finalizer released by update', () => {
    const d = createDeployment('default', 'd');
    const r = createReplicaSet('default', 'r', d);
    createPod('default', 'p1', [refTo(r, 'ReplicaSet', 'apps/v1')]);
    createPod('default', 'p2', [refTo(r, 'ReplicaSet', 'apps/v1')], { finalizers: ['example.com/hold'] });
    api.service.delete(deployments(), 'v1', 'default', 'd', { propagationPolicy: 'Foreground' });
    expect(flatten(api.store.foregroundPending())).toEqual([
      'deployments.apps|default/d',
      'replicasets.apps|default/r',
    ]);
    expect(podKeys()).toEqual(['p2']);
    expect(storedMeta('pods', 'default', 'p2').deletionTimestamp).toBeDefined();
    expectIndexesMatchAScan();

    const held = api.service.get(pods(), 'v1', 'default', 'p2');
    (held.metadata as JsonObject).finalizers = [];
    api.service.update(pods(), 'v1', 'default', 'p2', held);
    expect(podKeys()).toEqual([]);
    expect(api.store.has('replicasets.apps', 'default', 'r')).toBe(false);
    expect(api.store.has('deployments.apps', 'default', 'd')).toBe(false);
    expect(api.store.foregroundPending().size).toBe(0);
    expectIndexesMatchAScan();
  });

  it('release a chain of Foreground owners once, without re-writing one a nested cascade finished', () => {
    const f = createPod('default', 'f', [], { finalizers: ['example.com/hold'] });
    const d = createPod('default', 'd', [refTo(f, 'Pod', 'v1')]);
    api.service.create(typeOf('', 'v1', 'configmaps'), 'v1', 'default', {
      metadata: { name: 'c', ownerReferences: [refTo(d, 'Pod', 'v1')], finalizers: ['example.com/hold'] },
    });
    api.service.delete(pods(), 'v1', 'default', 'f', { propagationPolicy: 'Foreground' });
    expect(flatten(api.store.foregroundPending())).toEqual(['pods|default/d', 'pods|default/f']);

    const events: string[] = [];
    const stop = api.store.subscribe((e) =>
      events.push(`${e.type} ${(e.object.metadata as JsonObject).name}`),
    );
    const c = api.service.get(typeOf('', 'v1', 'configmaps'), 'v1', 'default', 'c');
    (c.metadata as JsonObject).finalizers = [];
    api.service.update(typeOf('', 'v1', 'configmaps'), 'v1', 'default', 'c', c);
    stop();
    // f keeps its own finalizer: one MODIFIED dropping foregroundDeletion, not a second copy of it.
    expect(events).toEqual(['DELETED c', 'DELETED d', 'MODIFIED f']);
    expect(storedMeta('pods', 'default', 'f').finalizers).toEqual(['example.com/hold']);
    expect(api.store.foregroundPending().size).toBe(0);
    expectIndexesMatchAScan();
  });

  it('keep a Foreground owner that has finalizers of its own, no longer pending', () => {
    const d = createDeployment('default', 'd');
    const current = api.service.get(deployments(), 'v1', 'default', 'd');
    (current.metadata as JsonObject).finalizers = ['example.com/keep'];
    api.service.update(deployments(), 'v1', 'default', 'd', current);
    createPod('default', 'p', [refTo(d, 'Deployment', 'apps/v1')]);
    api.service.delete(deployments(), 'v1', 'default', 'd', { propagationPolicy: 'Foreground' });
    expect(podKeys()).toEqual([]);
    const kept = storedMeta('deployments.apps', 'default', 'd');
    expect(kept.finalizers).toEqual(['example.com/keep']);
    expect(api.store.foregroundPending().size).toBe(0);
    expectIndexesMatchAScan();
  });

  it('are emptied by deleting a namespace with owners and dependents', () => {
    api.service.create(typeOf('', 'v1', 'namespaces'), 'v1', undefined, { metadata: { name: 'team' } });
    const d = createDeployment('team', 'd');
    const r = createReplicaSet('team', 'r', d);
    for (const name of ['p1', 'p2', 'p3']) createPod('team', name, [refTo(r, 'ReplicaSet', 'apps/v1')]);
    createPod('default', 'outside', [refTo(r, 'ReplicaSet', 'apps/v1')]);
    const before = api.store.indexSizes;
    api.service.delete(typeOf('', 'v1', 'namespaces'), 'v1', undefined, 'team', {});
    expect(podKeys('team')).toEqual([]);
    expect(api.store.list('replicasets.apps', 'team')).toEqual([]);
    // A dependent elsewhere whose only owner went with the namespace is collected too.
    expect(podKeys()).toEqual([]);
    // Gone: the namespace, d, r, p1-p3 and the outside pod.
    expect(api.store.indexSizes.uids).toBe(before.uids - 7);
    expectIndexesMatchAScan();
  });

  it('forget the custom objects of a deleted CRD', () => {
    const crds = typeOf('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
    api.service.create(crds, 'v1', undefined, structuredClone(widgetCrd) as unknown as JsonObject);
    const widgets = typeOf('example.com', 'v1', 'widgets');
    const owner = createDeployment('default', 'owner');
    const widget = api.service.create(widgets, 'v1', 'default', {
      metadata: { name: 'w1', ownerReferences: [refTo(owner, 'Deployment', 'apps/v1')] },
      spec: { color: 'red' },
    }).object;
    api.service.create(widgets, 'v1', 'default', { metadata: { name: 'w2' }, spec: { color: 'blue' } });
    expect(dependentNames(owner)).toEqual(['widgets.example.com|default/w1']);
    api.service.delete(crds, 'v1', undefined, 'widgets.example.com', {});
    expect(api.registry.find('example.com', 'v1', 'widgets')).toBeUndefined();
    expect(dependentNames(owner)).toEqual([]);
    expect(flatten(api.store.locateUid(uidOf(widget)))).toEqual([]);
    expectIndexesMatchAScan();
  });
});

describe('a write costs the same however many objects are stored', () => {
  /** Objects the store hands out during `fn`: copies and scans (a scan of every pod would show here). */
  function objectsRead(fn: () => void): number {
    const before = api.store.objectsRead;
    fn();
    return api.store.objectsRead - before;
  }

  function workload(round: number): number[] {
    const d = createDeployment('default', `d${round}`);
    const r = createReplicaSet('default', `r${round}`, d);
    const owner = [refTo(r, 'ReplicaSet', 'apps/v1')];
    for (let i = 0; i < 10; i++) createPod('default', `r${round}-${i}`, owner);
    const status = JSON.stringify({ status: { phase: 'Running' } });
    return [
      objectsRead(() => createPod('default', `r${round}-new`, owner)),
      objectsRead(() =>
        api.service.patch(pods(), 'v1', 'default', `r${round}-new`, status, 'merge', {
          subresource: 'status',
        }),
      ),
      objectsRead(() => api.service.delete(pods(), 'v1', 'default', `r${round}-0`, {})),
      objectsRead(() => api.service.delete(replicaSets(), 'v1', 'default', `r${round}`, {})),
      objectsRead(() =>
        api.service.delete(deployments(), 'v1', 'default', `d${round}`, { propagationPolicy: 'Foreground' }),
      ),
    ];
  }

  it('visits the same number of stored objects with 20 and with 3,000 pods stored', () => {
    const filler = createDeployment('default', 'filler');
    const fill = (n: number) => {
      for (let i = podKeys().length; i < n; i++)
        createPod('default', `filler-${i}`, [refTo(filler, 'Deployment', 'apps/v1')]);
    };
    fill(20);
    const small = workload(1);
    fill(3_000);
    const large = workload(2);
    expect(large).toEqual(small);
    expect(Math.max(...large)).toBeLessThan(40);
  });
});
