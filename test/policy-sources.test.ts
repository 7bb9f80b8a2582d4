import { describe, expect, it } from 'vitest';
import { type CacheFactory, createPolicySources } from '../src/cli/policy-sources.js';
import type { CacheGroup } from '../src/controller/cache-group.js';
import { keyOf } from '../src/controller/informer.js';
import type { KubeObject } from '../src/kube/kube-object.js';
import { testPolicy } from './support/policy-fixtures.js';

type Handler = (type: 'add' | 'update' | 'delete', object: KubeObject, previous?: KubeObject) => void;

/** An in-memory stand-in for an informer cache: what the test puts in, and events it emits by hand. */
class FakeCache {
  readonly objects = new Map<string, KubeObject>();
  readonly handlers: Handler[] = [];
  constructor(
    readonly resource: string,
    readonly clusterScoped: boolean,
  ) {}
  list = () => [...this.objects.values()];
  get = (key: string) => this.objects.get(key);
  on = (handler: Handler) => void this.handlers.push(handler);
  put(object: KubeObject, type: 'add' | 'update' = 'add') {
    const previous = this.objects.get(keyOf(object));
    this.objects.set(keyOf(object), object);
    for (const h of this.handlers) h(type, object, previous);
  }
  remove(object: KubeObject) {
    this.objects.delete(keyOf(object));
    for (const h of this.handlers) h('delete', object);
  }
}

function sources() {
  const caches = new Map<string, FakeCache>();
  const factory: CacheFactory = (resource, _path, _plural, clusterScoped = false) => {
    const cache = new FakeCache(resource, clusterScoped);
    caches.set(resource, cache);
    return cache as unknown as CacheGroup;
  };
  const policySources = createPolicySources(factory);
  const cache = (resource: string) => caches.get(resource) as FakeCache;
  return {
    sources: policySources,
    policies: cache('remediationpolicies'),
    clusterPolicies: cache('clusterremediationpolicies'),
    namespaces: cache('namespaces'),
  };
}

const ns = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels },
});
const policy = (built: Record<string, unknown>) => built as unknown as KubeObject;

describe('policy sources', () => {
  it('report a spec change for a policy that appears, is edited, starts being deleted or goes; not for its status', () => {
    const { sources: s, policies, clusterPolicies, namespaces } = sources();
    let changes = 0;
    s.onSpecChange(() => changes++);
    const at = (generation: number, extra: Partial<KubeObject['metadata']> = {}, status?: unknown) => {
      const built = policy(testPolicy('p').inNamespace('a').build());
      return {
        ...built,
        metadata: { ...built.metadata, generation, ...extra },
        ...(status ? { status } : {}),
      };
    };
    policies.put(at(1));
    expect(changes).toBe(1);
    // The engine's own status writes: the same generation, nothing to look at.
    policies.put(at(1, {}, { phase: 'Active' }), 'update');
    policies.put(at(1, {}, { phase: 'Degraded' }), 'update');
    expect(changes).toBe(1);
    policies.put(at(2), 'update');
    expect(changes).toBe(2);
    policies.put(at(2, { deletionTimestamp: '2026-12-03T10:00:00Z' }), 'update');
    expect(changes).toBe(3);
    policies.remove(at(2));
    expect(changes).toBe(4);
    clusterPolicies.put(policy(testPolicy('c').clusterWide().build()));
    expect(changes).toBe(5);
    // A Namespace makes no policy due: no wake for it.
    namespaces.put(ns('a', { env: 'prod' }));
    expect(changes).toBe(5);
  });

  it('lists Namespaces and ClusterRemediationPolicies cluster-wide, RemediationPolicies per watched namespace', () => {
    const { policies, clusterPolicies, namespaces } = sources();
    expect([policies.clusterScoped, clusterPolicies.clusterScoped, namespaces.clusterScoped]).toEqual([
      false,
      true,
      true,
    ]);
  });

  it('finds each kind by its key and tells their scopes apart', () => {
    const { sources: s, policies, clusterPolicies } = sources();
    policies.put(policy(testPolicy('same').inNamespace('a').build()));
    clusterPolicies.put(policy(testPolicy('same').clusterWide().build()));
    expect(s.get('a/same')?.kind).toBe('RemediationPolicy');
    expect(s.get('same')?.kind).toBe('ClusterRemediationPolicy');
    expect(s.list().map(keyOf).sort()).toEqual(['a/same', 'same']);
    expect(s.scopeOf(s.get('same') as KubeObject)).toEqual({ scope: 'Cluster' });
    expect(s.scopeOf(s.get('a/same') as KubeObject)).toEqual({ scope: 'Namespaced', namespace: 'a' });
  });

  it('a workload change concerns the namespaced policies of its namespace and the cluster policies selecting it', () => {
    const { sources: s, policies, clusterPolicies, namespaces } = sources();
    namespaces.put(ns('a', { env: 'prod' }));
    namespaces.put(ns('b', { env: 'dev' }));
    policies.put(policy(testPolicy('local').inNamespace('a').build()));
    clusterPolicies.put(
      policy(
        testPolicy('prod')
          .clusterWide({ matchLabels: { env: 'prod' } })
          .build(),
      ),
    );
    clusterPolicies.put(policy(testPolicy('all').clusterWide().build()));
    clusterPolicies.put(
      policy(testPolicy('broken').clusterWide().withSpecField('evaluationInterval', '1s').build()),
    );
    expect(s.coveringNamespace('a').sort()).toEqual(['a/local', 'all', 'prod']);
    expect(s.coveringNamespace('b')).toEqual(['all']);
    // Labels unknown (no Namespace object yet): a non-empty namespaceSelector does not cover it.
    expect(s.coveringNamespace('c')).toEqual(['all']);
    expect(s.namespaceLabels('a')).toEqual({ env: 'prod' });
    expect(s.namespaceLabels('c')).toBeUndefined();
    expect(s.namespaceLabelMap().get('b')).toEqual({ env: 'dev' });
  });

  it('enqueues changed policies, and every cluster policy when a Namespace appears, relabels or goes', () => {
    const { sources: s, policies, clusterPolicies, namespaces } = sources();
    const enqueued: string[] = [];
    s.onChange((key) => enqueued.push(key));
    const local = policy(testPolicy('local').inNamespace('a').build());
    const wide = policy(
      testPolicy('wide')
        .clusterWide({ matchLabels: { env: 'prod' } })
        .build(),
    );
    policies.put(local);
    clusterPolicies.put(wide);
    policies.remove(local);
    expect(enqueued).toEqual(['a/local', 'wide']);

    enqueued.length = 0;
    namespaces.put(ns('staging'));
    expect(enqueued).toEqual(['wide']);
    // An update that leaves the labels alone (status, annotations) is no news to a namespaceSelector.
    namespaces.put({ ...ns('staging'), metadata: { name: 'staging', annotations: { a: 'b' } } }, 'update');
    expect(enqueued).toEqual(['wide']);
    namespaces.put(ns('staging', { env: 'prod' }), 'update');
    expect(enqueued).toEqual(['wide', 'wide']);
    namespaces.remove(ns('staging', { env: 'prod' }));
    expect(enqueued).toEqual(['wide', 'wide', 'wide']);
  });

  it('answers again after a policy or a Namespace changed, not from what it remembered', () => {
    const { sources: s, policies, clusterPolicies, namespaces } = sources();
    namespaces.put(ns('a', { env: 'dev' }));
    const prod = policy(
      testPolicy('prod')
        .clusterWide({ matchLabels: { env: 'prod' } })
        .build(),
    );
    clusterPolicies.put(prod);
    expect(s.coveringNamespace('a')).toEqual([]);
    namespaces.put(ns('a', { env: 'prod' }), 'update');
    expect(s.coveringNamespace('a')).toEqual(['prod']);
    policies.put(policy(testPolicy('local').inNamespace('a').build()));
    expect(s.coveringNamespace('a').sort()).toEqual(['a/local', 'prod']);
    clusterPolicies.remove(prod);
    expect(s.coveringNamespace('a')).toEqual(['a/local']);
  });
});
