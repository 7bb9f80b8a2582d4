import { describe, expect, it } from 'vitest';
import { handleOf, podKey, vectorsByKey } from '../../src/detection/pod-handle.js';
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
const asked = (...pods: PodRef[]) => new Map(pods.map((p) => [handleOf(p).key, p]));
const a = { namespace: 'shop', name: 'a' };
const b = { namespace: 'shop', name: 'b' };
const c = { namespace: 'web', name: 'a' };

describe('vectorsByKey', () => {
  it('gives each vector the key of the pod it was asked for, in the order asked', () => {
    const vectors = [vector('shop', 'a'), vector('shop', 'b'), vector('web', 'a')];
    const byKey = vectorsByKey(vectors, asked(a, b, c));
    expect([...byKey.entries()]).toEqual([
      ['shop/a', vectors[0]],
      ['shop/b', vectors[1]],
      ['web/a', vectors[2]],
    ]);
    // The keys are the map's own: a map keyed otherwise keeps its keys when the order holds.
    const odd = new Map([['first', a] as const, ['second', b] as const]);
    expect([...vectorsByKey(vectors.slice(0, 2), odd).keys()]).toEqual(['first', 'second']);
  });

  it('keys by namespace and name when the answer is in another order, or leaves pods out', () => {
    const reordered = [vector('web', 'a'), vector('shop', 'a'), vector('shop', 'b')];
    const byKey = vectorsByKey(reordered, asked(a, b, c));
    expect(byKey.get('shop/a')).toBe(reordered[1]);
    expect(byKey.get('shop/b')).toBe(reordered[2]);
    expect(byKey.get('web/a')).toBe(reordered[0]);
    const fewer = [vector('shop', 'b')];
    expect([...vectorsByKey(fewer, asked(a, b, c)).entries()]).toEqual([[podKey('shop', 'b'), fewer[0]]]);
    // A mismatch late in the list: nothing from the in-order attempt is left behind.
    const lateSwap = [vector('shop', 'a'), vector('web', 'a'), vector('shop', 'b')];
    const swapped = vectorsByKey(lateSwap, asked(a, b, c));
    expect(swapped.size).toBe(3);
    expect(swapped.get('shop/b')).toBe(lateSwap[2]);
    expect(swapped.get('web/a')).toBe(lateSwap[1]);
  });
});
