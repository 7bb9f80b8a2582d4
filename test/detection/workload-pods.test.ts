import { describe, expect, it } from 'vitest';
import { type ObjectView, podsOfTargets } from '../../src/detection/workload-pods.js';

const owner = (kind: string, name: string, uid = `${name}-uid`) => [{ kind, name, uid, controller: true }];
const obj = (
  name: string,
  extra: Partial<ObjectView['metadata']> = {},
  spec: unknown = {},
  status: unknown = {},
): ObjectView => ({
  metadata: { name, namespace: 'shop', uid: `${name}-uid`, ...extra },
  spec,
  status,
});

describe('podsOfTargets', () => {
  const caches = {
    deployments: [obj('web'), obj('web-canary')],
    statefulSets: [obj('db')],
    replicaSets: [
      obj('web-5d8f', { ownerReferences: owner('Deployment', 'web') }),
      obj('web-canary-77aa', { ownerReferences: owner('Deployment', 'web-canary') }),
    ],
    pods: [
      obj(
        'web-5d8f-a',
        { ownerReferences: owner('ReplicaSet', 'web-5d8f') },
        { nodeName: 'node-a' },
        { phase: 'Running' },
      ),
      obj('web-5d8f-evicted', { ownerReferences: owner('ReplicaSet', 'web-5d8f') }, {}, { phase: 'Failed' }),
      obj('web-5d8f-leaving', {
        ownerReferences: owner('ReplicaSet', 'web-5d8f'),
        deletionTimestamp: '2026-11-23T00:00:00Z',
      }),
      obj('web-canary-77aa-b', { ownerReferences: owner('ReplicaSet', 'web-canary-77aa') }),
      obj('migrate-job-x', { ownerReferences: owner('Job', 'migrate') }),
      obj('db-0', { ownerReferences: owner('StatefulSet', 'db') }, { nodeName: 'node-b' }),
      obj('db-impostor', { ownerReferences: owner('StatefulSet', 'db', 'another-uid') }),
      obj('solo'),
      {
        metadata: {
          name: 'web-5d8f-a',
          namespace: 'other',
          ownerReferences: owner('ReplicaSet', 'web-5d8f'),
        },
      },
    ],
  };

  it("finds a workload's pods by ownership, never by shared labels, leaving out finished and terminating pods", () => {
    const result = podsOfTargets(
      [
        { kind: 'Deployment', namespace: 'shop', name: 'web' },
        { kind: 'StatefulSet', namespace: 'shop', name: 'db' },
        { kind: 'Pod', namespace: 'shop', name: 'solo' },
        { kind: 'Deployment', namespace: 'shop', name: 'missing' },
      ],
      caches,
    );
    // Each pod also carries its uid (per-pod state is kept by uid) and its status signals (CrashLoopBackOff,
    // Ready, ...) for status-signal rules.
    expect(result.map((r) => r.pods.map(({ signals: _s, ...ref }) => ref))).toEqual([
      [{ namespace: 'shop', name: 'web-5d8f-a', uid: 'web-5d8f-a-uid', nodeName: 'node-a' }],
      [{ namespace: 'shop', name: 'db-0', uid: 'db-0-uid', nodeName: 'node-b' }],
      [{ namespace: 'shop', name: 'solo', uid: 'solo-uid' }],
      [],
    ]);
    expect(result[0]?.pods[0]?.signals).toMatchObject({ crashLoopBackOff: false, restartCount: 0 });
  });

  it('lists the pods of every ReplicaSet of a Deployment in the middle of a rollout, in cache order', () => {
    const result = podsOfTargets([{ kind: 'Deployment', namespace: 'shop', name: 'api' }], {
      deployments: [obj('api')],
      statefulSets: [],
      replicaSets: [
        obj('api-new', { ownerReferences: owner('Deployment', 'api') }),
        obj('api-old', { ownerReferences: owner('Deployment', 'api') }),
        // Same name, another Deployment's uid: not this Deployment's.
        obj('api-stale', { ownerReferences: owner('Deployment', 'api', 'gone-uid') }),
      ],
      pods: [
        obj('api-old-1', { ownerReferences: owner('ReplicaSet', 'api-old') }),
        obj('api-new-1', { ownerReferences: owner('ReplicaSet', 'api-new') }),
        obj('api-stale-1', { ownerReferences: owner('ReplicaSet', 'api-stale') }),
        obj('api-old-2', { ownerReferences: owner('ReplicaSet', 'api-old') }),
      ],
    });
    expect(result[0]?.pods.map((p) => p.name)).toEqual(['api-old-1', 'api-new-1', 'api-old-2']);
  });
});
