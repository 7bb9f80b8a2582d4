import { describe, expect, it } from 'vitest';
import { selectionMayChange, WorkloadCatalog } from '../src/cli/workloads-of.js';
import type { InformerHandler } from '../src/controller/informer.js';
import type { KubeObject } from '../src/kube/kube-object.js';

const pod = (
  meta: Partial<KubeObject['metadata']> = {},
  status: unknown = { phase: 'Running' },
): KubeObject => ({
  metadata: {
    name: 'web-1',
    namespace: 'shop',
    labels: { app: 'web' },
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs1', controller: true },
    ],
    ...meta,
  },
  status,
});

class FakeCache {
  objects: KubeObject[] = [];
  lists = 0;
  private readonly handlers: InformerHandler[] = [];
  list = () => {
    this.lists++;
    return this.objects;
  };
  on = (handler: InformerHandler) => void this.handlers.push(handler);
  emit: InformerHandler = (type, object, previous) => {
    for (const h of this.handlers) h(type, object, previous);
  };
}

describe('which workload updates can change selection', () => {
  it('a status change cannot; labels, the controller and deletion can', () => {
    const before = pod();
    expect(selectionMayChange(before, pod({}, { phase: 'Failed' }))).toBe(false);
    expect(selectionMayChange(before, pod({ resourceVersion: '9', annotations: { a: 'b' } }))).toBe(false);
    expect(selectionMayChange(before, pod({ labels: { app: 'web', track: 'canary' } }))).toBe(true);
    expect(selectionMayChange(before, pod({ labels: { app: 'api' } }))).toBe(true);
    expect(selectionMayChange(before, pod({ ownerReferences: [] }))).toBe(true);
    expect(selectionMayChange(before, pod({ deletionTimestamp: '2026-01-01T00:00:00Z' }))).toBe(true);
    expect(selectionMayChange(undefined, before)).toBe(true);
  });
});

describe('WorkloadCatalog', () => {
  it('converts the caches once, and again only after a change that can alter selection', () => {
    const deployments = new FakeCache();
    const statefulSets = new FakeCache();
    const pods = new FakeCache();
    const catalog = new WorkloadCatalog({ deployments, statefulSets, pods });
    pods.objects = [pod()];
    expect(catalog.list()).toMatchObject([{ kind: 'Pod', name: 'web-1', controlled: true, deleting: false }]);
    expect(catalog.list()).toBe(catalog.list());
    expect(pods.lists).toBe(1);

    pods.objects = [pod({}, { phase: 'Succeeded' })];
    pods.emit('update', pods.objects[0] as KubeObject, pod());
    catalog.list();
    expect(pods.lists).toBe(1);

    const leaving = pod({ deletionTimestamp: '2026-01-01T00:00:00Z' });
    pods.objects = [leaving];
    pods.emit('update', leaving, pod());
    expect(catalog.list()).toMatchObject([{ name: 'web-1', deleting: true }]);
    expect(pods.lists).toBe(2);

    pods.objects = [];
    pods.emit('delete', leaving, leaving);
    expect(catalog.list()).toEqual([]);
  });
});
