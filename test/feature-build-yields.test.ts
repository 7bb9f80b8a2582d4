import { describe, expect, it } from 'vitest';
import { FeatureVectorBuilder } from '../src/metrics/feature-vector-builder.js';
import { LatestFeatureVectors } from '../src/metrics/latest-feature-vectors.js';
import type { PromQueryApi, RangeSeries } from '../src/metrics/prometheus-api.js';

const T = 1_800_000_000_000;

/** Answers at once (no I/O, so no task boundary of its own): only the builder's own yields let timers run. */
function instantApi(pods: number): PromQueryApi {
  const times = Array.from({ length: 6 }, (_, i) => T - (5 - i) * 60_000);
  return {
    instant: async () => [],
    range: async (query) => {
      const node = !query.includes('namespace, pod');
      const series: RangeSeries[] = node
        ? [{ labels: { instance: 'n1' }, times, values: times.map(() => 0.5) }]
        : Array.from({ length: pods }, (_, i) => ({
            labels: { namespace: 'shop', pod: `p-${i}` },
            times,
            values: times.map(() => 0.25),
          }));
      return series;
    },
    drainWarnings: () => [],
  };
}

describe('feature build and the event loop', () => {
  it('lets timers run while it assembles thousands of vectors', async () => {
    const pods = Array.from({ length: 5_000 }, (_, i) => ({
      namespace: 'shop',
      name: `p-${i}`,
      nodeName: 'n1',
    }));
    const builder = new FeatureVectorBuilder(instantApi(pods.length));
    let ranBeforeTheEnd = false;
    let done = false;
    setImmediate(() => {
      ranBeforeTheEnd = !done;
    });
    const cycle = await builder.build({ namespaces: [], pods }, T);
    done = true;
    expect(ranBeforeTheEnd).toBe(true);
    expect(cycle.status === 'ok' && cycle.vectors.filter((v) => v.state === 'complete').length).toBe(5_000);
  });

  it('lets timers run while it remembers the latest vector of thousands of pods, and remembers them all', async () => {
    const pods = Array.from({ length: 6_000 }, (_, i) => ({
      namespace: 'shop',
      name: `p-${i}`,
      nodeName: 'n1',
    }));
    const built = await new FeatureVectorBuilder(instantApi(pods.length)).build({ namespaces: [], pods }, T);
    // The inner source answers at once: only LatestFeatureVectors' own yields can let the timer in.
    const latest = new LatestFeatureVectors({ build: async () => built });
    let ranBeforeTheEnd = false;
    let done = false;
    setImmediate(() => {
      ranBeforeTheEnd = !done;
    });
    await latest.build({ namespaces: [], pods }, T);
    done = true;
    expect(ranBeforeTheEnd).toBe(true);
    expect(pods.every((p) => latest.get(p.namespace, p.name)?.evaluatedAtMs === built.evaluatedAtMs)).toBe(
      true,
    );
  });
});
