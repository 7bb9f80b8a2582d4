import { describe, expect, it } from 'vitest';
import { podsOfTargets } from '../../src/detection/workload-pods.js';

const pod = (name: string, labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  metadata: { name, namespace: 'shop', labels, ...extra },
  spec: { nodeName: 'node-a' },
});

describe('podsOfTargets', () => {
  const workloads = {
    deployments: [
      { metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'web' } } } },
      { metadata: { name: 'odd', namespace: 'shop' }, spec: { selector: {} } },
    ],
    statefulSets: [
      {
        metadata: { name: 'db', namespace: 'shop' },
        spec: { selector: { matchExpressions: [{ key: 'app', operator: 'In' as const, values: ['db'] }] } },
      },
    ],
    pods: [
      pod('web-1', { app: 'web' }),
      pod('web-2', { app: 'web' }, { deletionTimestamp: '2026-11-23T00:00:00Z' }),
      pod('db-0', { app: 'db' }),
      { metadata: { name: 'solo', namespace: 'shop' }, spec: {} },
      { metadata: { name: 'web-9', namespace: 'other', labels: { app: 'web' } }, spec: {} },
    ],
  };

  it('maps workloads to the live pods their selector matches in their namespace, with nodes when scheduled', () => {
    const result = podsOfTargets(
      [
        { kind: 'Deployment', namespace: 'shop', name: 'web' },
        { kind: 'StatefulSet', namespace: 'shop', name: 'db' },
        { kind: 'Pod', namespace: 'shop', name: 'solo' },
        { kind: 'Deployment', namespace: 'shop', name: 'odd' },
        { kind: 'Deployment', namespace: 'shop', name: 'missing' },
      ],
      workloads,
    );
    expect(result.map((r) => r.pods)).toEqual([
      [{ namespace: 'shop', name: 'web-1', nodeName: 'node-a' }],
      [{ namespace: 'shop', name: 'db-0', nodeName: 'node-a' }],
      [{ namespace: 'shop', name: 'solo' }],
      [],
      [],
    ]);
  });
});
