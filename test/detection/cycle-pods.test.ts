import { describe, expect, it } from 'vitest';
import { CyclePods, type CycleTargets } from '../../src/detection/cycle-pods.js';
import { handleOf } from '../../src/detection/pod-handle.js';
import type { PodRef } from '../../src/metrics/feature-vector-builder.js';
import type { TargetRef } from '../../src/policy/target-selection.js';

const pod = (namespace: string, name: string): PodRef => ({
  namespace,
  name,
  uid: `${namespace}-${name}-uid`,
});
const deployment = (namespace: string, name: string): TargetRef => ({ kind: 'Deployment', namespace, name });

/** What the union must be, made the plain way: a Map per cycle, as detection did before the cache. */
function reference(policies: readonly CycleTargets[]) {
  const pods = new Map<string, PodRef>();
  const workloadOf = new Map<string, string>();
  for (const policy of policies) {
    for (const { target, pods: named } of policy.targets) {
      for (const p of named) {
        pods.set(handleOf(p).key, p);
        if (target.kind !== 'Pod') workloadOf.set(handleOf(p).key, `${target.kind}/${target.name}`);
      }
    }
  }
  return { list: [...pods.values()], positions: [...pods.keys()], workloadOf: [...workloadOf.entries()] };
}
const shape = (asked: ReturnType<CyclePods['of']>) => ({
  list: asked.list,
  positions: [...asked.positions.entries()].sort((x, y) => x[1] - y[1]).map(([key]) => key),
  workloadOf: [...asked.workloadOf.entries()],
});

describe('CyclePods: the union of a cycle pods, kept while the selection is the same', () => {
  const a = pod('shop', 'a');
  const b = pod('shop', 'b');
  const c = pod('web', 'c');
  const web = deployment('shop', 'web');
  const api = deployment('web', 'api');

  it('names every pod once, at its first place, with the last workload naming it', () => {
    const a2 = { ...a };
    const policies: CycleTargets[] = [
      { targets: [{ target: web, pods: [a, b] }] },
      {
        targets: [
          { target: api, pods: [c, a2] },
          { target: { kind: 'Pod', namespace: 'shop', name: 'b' }, pods: [b] },
        ],
      },
    ];
    const asked = new CyclePods().of(policies);
    expect(shape(asked)).toEqual(reference(policies));
    // The place of its first naming, the object of its last, as Map.set keeps them.
    expect(asked.list).toEqual([a2, b, c]);
    expect(asked.list[0]).toBe(a2);
    expect(asked.workloadOf.get('shop/a')).toBe('Deployment/api');
    expect(asked.workloadOf.get('shop/b')).toBe('Deployment/web');
  });

  it('gives the same union again for the same pods of the same targets, and a new one for any change', () => {
    const pods = new CyclePods();
    const policies: CycleTargets[] = [
      {
        targets: [
          { target: web, pods: [a, b] },
          { target: api, pods: [c] },
        ],
      },
    ];
    const first = pods.of(policies);
    // The same objects in fresh arrays (a selection rebuilt from unchanged inputs): still the same union.
    expect(
      pods.of([
        {
          targets: [
            { target: { ...web }, pods: [a, b] },
            { target: api, pods: [c] },
          ],
        },
      ]),
    ).toBe(first);
    const changes: CycleTargets[][] = [
      // A new version of a pod (the informer hands out a new object).
      [
        {
          targets: [
            { target: web, pods: [a, { ...b }] },
            { target: api, pods: [c] },
          ],
        },
      ],
      // A pod gone, a pod added, pods in another order.
      [
        {
          targets: [
            { target: web, pods: [a] },
            { target: api, pods: [c] },
          ],
        },
      ],
      [
        {
          targets: [
            { target: web, pods: [a, b] },
            { target: api, pods: [c, pod('web', 'd')] },
          ],
        },
      ],
      [
        {
          targets: [
            { target: web, pods: [b, a] },
            { target: api, pods: [c] },
          ],
        },
      ],
      // The same pods under another target, or split across policies differently: another workload.
      [
        {
          targets: [
            { target: deployment('shop', 'other'), pods: [a, b] },
            { target: api, pods: [c] },
          ],
        },
      ],
      [{ targets: [{ target: web, pods: [a, b, c] }] }],
      [{ targets: [{ target: web, pods: [a, b] }] }, { targets: [{ target: api, pods: [c] }] }],
      [
        {
          targets: [
            { target: web, pods: [a, b] },
            { target: api, pods: [c] },
          ],
        },
        { targets: [] },
      ],
      [],
    ];
    let previous = first;
    for (const changed of changes) {
      const next = pods.of(changed);
      expect(shape(next)).toEqual(reference(changed));
      if (JSON.stringify(shape(next)) !== JSON.stringify(shape(previous))) expect(next).not.toBe(previous);
      previous = next;
    }
    // Back to the first selection: right again (a union of its own, equal to the first).
    const again = pods.of(policies);
    expect(shape(again)).toEqual(shape(first));
    // The same targets split across policies otherwise name the same pods in the same order: the same union.
    expect(
      pods.of([{ targets: [{ target: web, pods: [a, b] }] }, { targets: [{ target: api, pods: [c] }] }]),
    ).toBe(again);
    // A union is never changed once made: its list is frozen.
    expect(Object.isFrozen(again.list)).toBe(true);
  });
});
