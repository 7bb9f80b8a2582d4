import { describe, expect, it } from 'vitest';
import { CyclePods } from '../../src/detection/cycle-pods.js';
import { podKey, vectorsByKey } from '../../src/detection/pod-handle.js';
import { FeatureRow, type PodFeatureVector } from '../../src/metrics/feature-vector.js';
import type { PodRef } from '../../src/metrics/feature-vector-builder.js';

const vector = (namespace: string, pod: string): PodFeatureVector => ({
  namespace,
  pod,
  node: undefined,
  features: new FeatureRow(),
  state: 'insufficient_data',
  missing: [],
});
const asked = (...pods: PodRef[]) =>
  new CyclePods().of([{ targets: [{ target: { kind: 'Pod', namespace: 'shop', name: 'x' }, pods }] }]);
const entries = (lookup: ReturnType<typeof vectorsByKey>, keys: readonly string[]) =>
  keys.map((k) => [k, lookup.get(k)]);
const a = { namespace: 'shop', name: 'a' };
const b = { namespace: 'shop', name: 'b' };
const c = { namespace: 'web', name: 'a' };

describe('vectorsByKey', () => {
  it('gives each vector the key of the pod it was asked for, in the order asked', () => {
    const vectors = [vector('shop', 'a'), vector('shop', 'b'), vector('web', 'a')];
    const byKey = vectorsByKey(vectors, asked(a, b, c));
    expect(byKey.size).toBe(3);
    expect(entries(byKey, ['shop/a', 'shop/b', 'web/a'])).toEqual([
      ['shop/a', vectors[0]],
      ['shop/b', vectors[1]],
      ['web/a', vectors[2]],
    ]);
    expect(byKey.get('web/b')).toBeUndefined();
    // In order, the lookup is the asked pods' own index: no Map of the vectors is made.
    expect(byKey).not.toBeInstanceOf(Map);
  });

  it('keys by namespace and name when the answer is in another order, or leaves pods out', () => {
    const reordered = [vector('web', 'a'), vector('shop', 'a'), vector('shop', 'b')];
    const byKey = vectorsByKey(reordered, asked(a, b, c));
    expect(byKey.get('shop/a')).toBe(reordered[1]);
    expect(byKey.get('shop/b')).toBe(reordered[2]);
    expect(byKey.get('web/a')).toBe(reordered[0]);
    const fewer = [vector('shop', 'b')];
    const some = vectorsByKey(fewer, asked(a, b, c));
    expect(some.size).toBe(1);
    expect(entries(some, ['shop/a', 'shop/b', 'web/a'])).toEqual([
      ['shop/a', undefined],
      [podKey('shop', 'b'), fewer[0]],
      ['web/a', undefined],
    ]);
    // A mismatch late in the list: nothing from the in-order attempt is left behind.
    const lateSwap = [vector('shop', 'a'), vector('web', 'a'), vector('shop', 'b')];
    const swapped = vectorsByKey(lateSwap, asked(a, b, c));
    expect(swapped.size).toBe(3);
    expect(swapped.get('shop/b')).toBe(lateSwap[2]);
    expect(swapped.get('web/a')).toBe(lateSwap[1]);
  });
});
