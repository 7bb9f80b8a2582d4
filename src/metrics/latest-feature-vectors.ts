import type { FeatureSource } from '../detection/detection-cycle.js';
import { forEachSliced } from '../time/yield-to-event-loop.js';
import type { FeatureCycle, PodFeatureVector } from './feature-vector.js';
import type { FeatureSelection } from './feature-vector-builder.js';

/** Vectors remembered between two yields to the event loop. */
const REMEMBER_SLICE = 2_500;

export interface LatestVector {
  vector: PodFeatureVector;
  /** The instant the cycle evaluated the vector at (aligned to the query step). */
  evaluatedAtMs: number;
}

/**
 * A FeatureSource that remembers the latest vector of every pod it built one for, so the API can show what
 * detection saw. It changes nothing in the cycle it passes on. Bounded: past `max` pods the least recently
 * refreshed is forgotten (a pod no longer evaluated stops being refreshed and ages out).
 */
export class LatestFeatureVectors implements FeatureSource {
  private readonly byPod = new Map<string, LatestVector & { build: number }>();
  private builds = 0;

  constructor(
    private readonly inner: FeatureSource,
    private readonly max = 20_000,
  ) {}

  async build(selection: FeatureSelection, atMs: number): Promise<FeatureCycle> {
    const cycle = await this.inner.build(selection, atMs);
    if (cycle.status === 'ok') {
      const build = ++this.builds;
      // In slices: 10,000 re-insertions are some 10–30 ms, and the cycle's other long steps are sliced too.
      await forEachSliced(cycle.vectors, REMEMBER_SLICE, (vector) => {
        const key = `${vector.namespace}/${vector.pod}`;
        this.byPod.delete(key);
        this.byPod.set(key, { vector, evaluatedAtMs: cycle.evaluatedAtMs, build });
      });
      // A vector this build did not refresh (its pod was not asked about) would keep its whole cycle's block of
      // rows alive (FeatureRow.block): it keeps a copy of its own row instead. Refreshed entries were moved to the
      // end, so the ones before them are exactly those.
      const stale: (LatestVector & { build: number })[] = [];
      for (const entry of this.byPod.values()) {
        if (entry.build === build) break;
        if (entry.vector.features.shared) stale.push(entry);
      }
      // In slices too: a build that leaves out 10,000 pods (another policy's) copies 10,000 rows.
      await forEachSliced(stale, REMEMBER_SLICE, (entry) => {
        entry.vector = { ...entry.vector, features: entry.vector.features.detached() };
      });
      while (this.byPod.size > this.max) {
        const oldest = this.byPod.keys().next().value;
        if (oldest === undefined) break;
        this.byPod.delete(oldest);
      }
    }
    return cycle;
  }

  get(namespace: string, pod: string): LatestVector | undefined {
    return this.byPod.get(`${namespace}/${pod}`);
  }
}
