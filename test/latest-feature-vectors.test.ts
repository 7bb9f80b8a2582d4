import { describe, expect, it } from 'vitest';
import { type FeatureCycle, FeatureRow, type PodFeatureVector } from '../src/metrics/feature-vector.js';
import type { FeatureSelection } from '../src/metrics/feature-vector-builder.js';
import { LatestFeatureVectors } from '../src/metrics/latest-feature-vectors.js';

const T = 1_800_000_000_000;

/** A source whose every build returns vectors for the pods asked about, each row its own block of that build. */
function source() {
  return {
    async build(selection: FeatureSelection, atMs: number): Promise<FeatureCycle> {
      const pods = selection.pods ?? [];
      const rows = FeatureRow.block(pods.length, 'no_series');
      const vectors: PodFeatureVector[] = pods.map((p, i) => ({
        namespace: p.namespace,
        pod: p.name,
        node: undefined,
        features: rows[i] as FeatureRow,
        state: 'insufficient_data',
        missing: [],
      }));
      return { status: 'ok', schemaVersion: 'v1', evaluatedAtMs: atMs, vectors, queries: 0, warnings: [] };
    },
  };
}
const pods = (namespace: string, ...names: string[]) => ({
  namespaces: [],
  pods: names.map((name) => ({ namespace, name })),
});

describe('LatestFeatureVectors', () => {
  it('keeps each pod’s latest vector and the instant it was evaluated at', async () => {
    const latest = new LatestFeatureVectors(source());
    await latest.build(pods('shop', 'a', 'b'), T);
    await latest.build(pods('shop', 'a'), T + 30_000);
    expect(latest.get('shop', 'a')?.evaluatedAtMs).toBe(T + 30_000);
    expect(latest.get('shop', 'b')?.evaluatedAtMs).toBe(T);
    expect(latest.get('shop', 'c')).toBeUndefined();
    expect(latest.get('other', 'a')).toBeUndefined();
  });

  it('hands out what it holds now: the next build does not change an answer already given', async () => {
    const latest = new LatestFeatureVectors(source());
    await latest.build(pods('shop', 'a'), T);
    const first = latest.get('shop', 'a');
    await latest.build(pods('shop', 'a'), T + 30_000);
    expect(first?.evaluatedAtMs).toBe(T);
    expect(latest.get('shop', 'a')?.vector).not.toBe(first?.vector);
  });

  it('past its bound forgets the pods refreshed least recently, across namespaces', async () => {
    const latest = new LatestFeatureVectors(source(), 3);
    await latest.build(pods('a', 'old'), T);
    await latest.build(pods('b', 'x', 'y'), T + 1);
    await latest.build(pods('c', 'z'), T + 2);
    expect(latest.get('a', 'old')).toBeUndefined();
    expect(['x', 'y'].map((p) => latest.get('b', p)?.evaluatedAtMs)).toEqual([T + 1, T + 1]);
    expect(latest.get('c', 'z')?.evaluatedAtMs).toBe(T + 2);
    // Refreshing a pod makes it recent again: the next one over the bound is another.
    await latest.build(pods('b', 'x'), T + 3);
    await latest.build(pods('d', 'w'), T + 4);
    expect(latest.get('b', 'y')).toBeUndefined();
    expect(latest.get('b', 'x')?.evaluatedAtMs).toBe(T + 3);
    expect(latest.get('c', 'z')?.evaluatedAtMs).toBe(T + 2);
    expect(latest.get('d', 'w')?.evaluatedAtMs).toBe(T + 4);
  });

  it('stays at its bound through churn, keeping every pod of the latest build and forgetting the oldest first', async () => {
    const latest = new LatestFeatureVectors(source(), 50);
    const seen: string[] = [];
    for (let b = 0; b < 30; b++) {
      // 20 new pods a build, and the 10 pods of two builds ago again.
      const fresh = Array.from({ length: 20 }, (_, i) => `p-${b}-${i}`);
      const again = b >= 2 ? Array.from({ length: 10 }, (_, i) => `p-${b - 2}-${i}`) : [];
      seen.push(...fresh);
      await latest.build(pods('ns', ...fresh, ...again), T + b);
      const present = seen.filter((p) => latest.get('ns', p) !== undefined);
      expect(present.length, `build ${b}`).toBe(Math.min(50, seen.length));
      for (const p of [...fresh, ...again]) expect(latest.get('ns', p)?.evaluatedAtMs).toBe(T + b);
      // 30 refreshed a build, 50 kept: the 20 others are the latest of the build before (none older).
      const kept = present.map((p) => latest.get('ns', p)?.evaluatedAtMs ?? 0);
      expect(Math.min(...kept)).toBe(b === 0 ? T : T + b - 1);
    }
  });

  it('counts a pod named twice in one build once, and keeps part of a build larger than its bound', async () => {
    const latest = new LatestFeatureVectors(source(), 3);
    await latest.build(pods('a', 'x', 'x', 'y'), T);
    await latest.build(pods('a', 'z'), T + 1);
    expect(['x', 'y', 'z'].map((p) => latest.get('a', p)?.evaluatedAtMs)).toEqual([T, T, T + 1]);
    // Five distinct pods against a bound of three: three of them are kept, all of this build.
    await latest.build(pods('b', 'p', 'q', 'r', 's', 't'), T + 2);
    const kept = ['p', 'q', 'r', 's', 't'].filter((p) => latest.get('b', p) !== undefined);
    expect(kept).toHaveLength(3);
    expect(['x', 'y', 'z'].map((p) => latest.get('a', p))).toEqual([undefined, undefined, undefined]);
    // And the count stays right afterwards: one new pod forgets exactly one.
    await latest.build(pods('c', 'w'), T + 3);
    const still = ['p', 'q', 'r', 's', 't'].filter((p) => latest.get('b', p) !== undefined);
    expect(still).toHaveLength(2);
    expect(latest.get('c', 'w')?.evaluatedAtMs).toBe(T + 3);
  });
});
