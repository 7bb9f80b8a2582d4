import { describe, expect, it } from 'vitest';
import { WorkloadCatalog } from '../src/cli/workloads-of.js';
import { keyOf } from '../src/controller/informer.js';
import { policyScopeOf } from '../src/controller/policy-scope.js';
import { TargetPodsCache } from '../src/controller/target-pods-cache.js';
import type { PolicyTargets } from '../src/detection/detection-cycle.js';
import { podsOfTargets } from '../src/detection/workload-pods.js';
import type { KubeObject } from '../src/kube/kube-object.js';
import type { PolicySpec } from '../src/policy/spec-schema.js';
import { selectTargets } from '../src/policy/target-selection.js';
import { validatePolicySpec } from '../src/policy/validate.js';
import { MemoryCache } from './support/memory-cache.js';
import { testPolicy } from './support/policy-fixtures.js';

type Meta = Partial<KubeObject['metadata']>;
const ref = (kind: string, name: string) => [
  { apiVersion: 'apps/v1', kind, name, uid: `${name}-uid`, controller: true },
];
const object = (name: string, namespace: string, meta: Meta = {}, status: unknown = {}): KubeObject => ({
  metadata: { name, namespace, uid: `${name}-uid`, ...meta },
  status,
});
const deployment = (name: string, namespace: string, app: string) =>
  object(name, namespace, { labels: { app } });
const replicaSet = (name: string, namespace: string, owner: string) =>
  object(name, namespace, { ownerReferences: ref('Deployment', owner) });
const pod = (name: string, namespace: string, owner: string, meta: Meta = {}, status: unknown = {}) =>
  object(
    name,
    namespace,
    { ownerReferences: ref('ReplicaSet', owner), ...meta },
    { phase: 'Running', ...(status as object) },
  );
const namespace = (name: string, labels: Record<string, string>) => ({ metadata: { name, labels } });

function world() {
  const namespaces = new MemoryCache([namespace('shop', { team: 'a' }), namespace('other', { team: 'b' })]);
  const deployments = new MemoryCache([
    deployment('web', 'shop', 'web'),
    deployment('api', 'shop', 'api'),
    deployment('web', 'other', 'web'),
  ]);
  const statefulSets = new MemoryCache();
  const replicaSets = new MemoryCache([
    replicaSet('web-1', 'shop', 'web'),
    replicaSet('api-1', 'shop', 'api'),
    replicaSet('web-9', 'other', 'web'),
  ]);
  const pods = new MemoryCache([
    pod('web-1-a', 'shop', 'web-1'),
    pod('web-1-b', 'shop', 'web-1'),
    pod('api-1-a', 'shop', 'api-1'),
    pod('web-9-a', 'other', 'web-9'),
  ]);
  const policyCache = new MemoryCache([
    testPolicy('web').inNamespace('shop').targeting({ app: 'web' }).build() as KubeObject,
    testPolicy('team-a')
      .clusterWide({ matchLabels: { team: 'a' } })
      .build() as KubeObject,
  ]);
  const catalog = new WorkloadCatalog({ deployments, statefulSets, pods });
  let selections = 0;
  let lookups = 0;
  const policies = {
    scopeOf: policyScopeOf,
    get: (key: string) => {
      lookups++;
      return policyCache.get(key);
    },
    namespaceLabelMap: () =>
      new Map(namespaces.list().map((ns) => [ns.metadata.name, ns.metadata.labels ?? {}] as const)),
    namespacesRevision: () => namespaces.revision(),
  };
  // Counts selections: the catalog is what selectTargets reads.
  const workloads = {
    list: () => {
      selections++;
      return catalog.list();
    },
    revision: () => catalog.revision(),
  };
  const cache = new TargetPodsCache({ policies, workloads, deployments, statefulSets, replicaSets, pods });
  // The spec as the evaluation loop passes it: validated afresh, a new object on every call.
  const spec = (policy: KubeObject) => {
    const validation = validatePolicySpec(policy.spec, policyScopeOf(policy).scope);
    if (!validation.valid) throw new Error('invalid test policy');
    return validation.spec;
  };
  const policy = (key: string) => policyCache.get(key) as KubeObject;
  const targetsFor = (key: string) => cache.targetsFor(policy(key), spec(policy(key)));
  /** What the uncached path (engine.ts before the memo) computes from the caches as they are now. */
  const uncached = (key: string) =>
    podsOfTargets(
      selectTargets(
        policyScopeOf(policy(key)),
        spec(policy(key)) as PolicySpec,
        catalog.list(),
        policies.namespaceLabelMap(),
      ),
      {
        deployments: deployments.list(),
        statefulSets: statefulSets.list(),
        replicaSets: replicaSets.list(),
        pods: pods.list(),
      },
    );
  /** Pod names per target, and the same from the uncached path: a memo must never differ from it. */
  const check = (key: string) => {
    const got = targetsFor(key);
    expect(got).toEqual(uncached(key));
    return names(got);
  };
  return {
    namespaces,
    deployments,
    replicaSets,
    pods,
    policyCache,
    cache,
    targetsFor,
    check,
    selections: () => selections,
    /** How many times the memo looked a policy up (to forget the gone ones). */
    lookups: () => lookups,
  };
}

const names = (targets: PolicyTargets['targets']) =>
  Object.fromEntries(
    targets.map((t) => [`${t.target.namespace}/${t.target.name}`, t.pods.map((p) => p.name)]),
  );

describe('TargetPodsCache', () => {
  it('answers again with the identical result, without selecting or reading the caches, while nothing changed', () => {
    const w = world();
    const first = w.targetsFor('shop/web');
    expect(names(first)).toEqual({ 'shop/web': ['web-1-a', 'web-1-b'] });
    const selections = w.selections();
    const podLists = w.pods.lists;
    expect(w.targetsFor('shop/web')).toBe(first);
    expect(w.targetsFor('shop/web')).toBe(first);
    expect(w.selections()).toBe(selections);
    expect(w.pods.lists).toBe(podLists);
    // Two policies share the caches' index but keep their own answers.
    expect(names(w.targetsFor('team-a'))).toEqual({
      'shop/api': ['api-1-a'],
      'shop/web': ['web-1-a', 'web-1-b'],
    });
    expect(w.targetsFor('shop/web')).toBe(first);
    // Each evaluation writes the policy's status, which replaces the cached object: still the same selection.
    const policy = w.policyCache.get('shop/web') as KubeObject;
    w.policyCache.put({ ...policy, status: { lastEvaluationTime: '2026-01-01T00:00:30Z' } });
    expect(w.targetsFor('shop/web')).toBe(first);
    expect(w.selections()).toBe(selections + 1);
  });

  it('follows every pod change: added, finished, terminating, removed, status, new owner', () => {
    const w = world();
    expect(w.check('shop/web')).toEqual({ 'shop/web': ['web-1-a', 'web-1-b'] });
    w.pods.put(pod('web-1-c', 'shop', 'web-1'));
    expect(w.check('shop/web')).toEqual({ 'shop/web': ['web-1-a', 'web-1-b', 'web-1-c'] });
    w.pods.put(pod('web-1-a', 'shop', 'web-1', {}, { phase: 'Succeeded' }));
    expect(w.check('shop/web')).toEqual({ 'shop/web': ['web-1-b', 'web-1-c'] });
    w.pods.put(pod('web-1-b', 'shop', 'web-1', { deletionTimestamp: '2026-01-01T00:00:00Z' }));
    expect(w.check('shop/web')).toEqual({ 'shop/web': ['web-1-c'] });
    w.pods.remove('shop/web-1-c');
    expect(w.check('shop/web')).toEqual({ 'shop/web': [] });

    // A status change alone: same pods, but their refs carry the new signals.
    w.pods.put(pod('web-1-d', 'shop', 'web-1'));
    const before = w.targetsFor('shop/web')[0]?.pods[0];
    const restarting = { containerStatuses: [{ name: 'app', restartCount: 3, ready: false }] };
    w.pods.put(pod('web-1-d', 'shop', 'web-1', {}, restarting));
    const after = w.targetsFor('shop/web')[0]?.pods[0];
    expect(after).not.toBe(before);
    expect(after?.signals?.restartCount).toBe(3);
    expect(w.check('shop/web')).toEqual({ 'shop/web': ['web-1-d'] });

    // Adopted by another ReplicaSet: it moves to that Deployment.
    w.pods.put(pod('web-1-d', 'shop', 'api-1'));
    expect(w.check('shop/web')).toEqual({ 'shop/web': [] });
    expect(w.check('team-a')).toEqual({ 'shop/api': ['api-1-a', 'web-1-d'], 'shop/web': [] });
  });

  it('follows a new ReplicaSet, a Deployment relabelled, a Namespace relabelled and an edited policy', () => {
    const w = world();
    expect(w.check('shop/web')).toEqual({ 'shop/web': ['web-1-a', 'web-1-b'] });
    // A rollout: the new ReplicaSet's pod exists before the ReplicaSet reaches the cache.
    w.pods.put(pod('web-2-a', 'shop', 'web-2'));
    expect(w.check('shop/web')).toEqual({ 'shop/web': ['web-1-a', 'web-1-b'] });
    w.replicaSets.put(replicaSet('web-2', 'shop', 'web'));
    expect(w.check('shop/web')).toEqual({ 'shop/web': ['web-1-a', 'web-1-b', 'web-2-a'] });

    w.deployments.put(deployment('api', 'shop', 'web'));
    expect(w.check('shop/web')).toEqual({
      'shop/api': ['api-1-a'],
      'shop/web': ['web-1-a', 'web-1-b', 'web-2-a'],
    });

    expect(Object.keys(w.check('team-a'))).toEqual(['shop/api', 'shop/web']);
    w.namespaces.put(namespace('other', { team: 'a' }));
    expect(w.check('team-a')).toMatchObject({ 'other/web': ['web-9-a'] });
    w.namespaces.put(namespace('shop', { team: 'b' }));
    expect(w.check('team-a')).toEqual({ 'other/web': ['web-9-a'] });

    // Right after an answer, so that only the edit can make the next one differ.
    expect(w.check('shop/web')).toEqual({
      'shop/api': ['api-1-a'],
      'shop/web': ['web-1-a', 'web-1-b', 'web-2-a'],
    });
    const edited = testPolicy('web').inNamespace('shop').targeting({ app: 'api' }).build() as KubeObject;
    w.policyCache.put(edited);
    expect(w.check('shop/web')).toEqual({});
  });

  it('forgets the policies that are gone', () => {
    const w = world();
    w.targetsFor('shop/web');
    w.targetsFor('team-a');
    expect(w.cache.size).toBe(2);
    const gone = w.policyCache.get('team-a') as KubeObject;
    w.policyCache.remove(keyOf(gone));
    // A pod's status change: the selection stands, the pods are read again, and the gone policy is dropped.
    w.pods.put(pod('web-1-a', 'shop', 'web-1', {}, { phase: 'Failed' }));
    expect(w.check('shop/web')).toEqual({ 'shop/web': ['web-1-b'] });
    expect(w.cache.size).toBe(1);
  });

  it('looks the policies up once per change, not once per policy per change (a pass stays linear)', () => {
    const w = world();
    const keys: string[] = [];
    for (let i = 0; i < 60; i++) {
      const policy = testPolicy(`p-${i}`).inNamespace('shop').targeting({ app: 'web' }).build() as KubeObject;
      w.policyCache.put(policy);
      keys.push(keyOf(policy));
    }
    for (const key of keys) w.targetsFor(key);
    // A pod's status change: every policy's pods are read again in the next pass.
    w.pods.put(
      pod('web-1-a', 'shop', 'web-1', {}, { containerStatuses: [{ name: 'app', restartCount: 1 }] }),
    );
    const before = w.lookups();
    for (const key of keys) expect(w.check(key)).toEqual({ 'shop/web': ['web-1-a', 'web-1-b'] });
    // One sweep of the 60 remembered policies, not one per policy (60 x 60).
    expect(w.lookups() - before).toBeLessThanOrEqual(2 * keys.length);
  });

  it('stays bounded while policies come and go and nothing else changes', () => {
    const w = world();
    for (let i = 0; i < 200; i++) {
      const policy = testPolicy(`short-${i}`).inNamespace('shop').build() as KubeObject;
      w.policyCache.put(policy);
      w.targetsFor(keyOf(policy));
      w.policyCache.remove(keyOf(policy));
    }
    expect(w.cache.size).toBeLessThanOrEqual(20);
  });
});
