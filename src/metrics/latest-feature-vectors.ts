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

/** One pod's entry, updated in place by every build that refreshes it (no allocation per pod and cycle). */
interface Entry extends LatestVector {
  /** The build that refreshed it last: the lowest is forgotten first. */
  build: number;
}

/**
 * A FeatureSource that remembers the latest vector of every pod it built one for, so the API can show what
 * detection saw. It changes nothing in the cycle it passes on. Bounded: past `max` pods the least recently
 * refreshed are forgotten (a pod no longer evaluated stops being refreshed and ages out).
 */
export class LatestFeatureVectors implements FeatureSource {
  /** namespace -> pod -> entry: looked up without making a key string per pod. */
  private readonly byNamespace = new Map<string, Map<string, Entry>>();
  private size = 0;
  private builds = 0;

  constructor(
    private readonly inner: FeatureSource,
    private readonly max = 20_000,
  ) {}

  async build(selection: FeatureSelection, atMs: number): Promise<FeatureCycle> {
    const cycle = await this.inner.build(selection, atMs);
    if (cycle.status === 'ok') {
      const build = ++this.builds;
      const { evaluatedAtMs } = cycle;
      // In slices: the cycle's other long steps are sliced too.
      await forEachSliced(cycle.vectors, REMEMBER_SLICE, (vector) => {
        let pods = this.byNamespace.get(vector.namespace);
        if (!pods) {
          pods = new Map();
          this.byNamespace.set(vector.namespace, pods);
        }
        const entry = pods.get(vector.pod);
        if (entry) {
          entry.vector = vector;
          entry.evaluatedAtMs = evaluatedAtMs;
          entry.build = build;
        } else {
          pods.set(vector.pod, { vector, evaluatedAtMs, build });
          this.size++;
        }
      });
      // Forgotten before the stale rows below are copied: no copy is made of a row about to be dropped.
      if (this.size > this.max) this.forgetOldest(this.size - this.max);
      // A vector this build did not refresh (its pod was not asked about) would keep its whole cycle's block of
      // rows alive (FeatureRow.block): it keeps a copy of its own row instead.
      const stale: Entry[] = [];
      for (const pods of this.byNamespace.values()) {
        for (const entry of pods.values()) {
          if (entry.build !== build && entry.vector.features.shared) stale.push(entry);
        }
      }
      // In slices too: a build that leaves out 10,000 pods (another policy's) copies 10,000 rows.
      await forEachSliced(stale, REMEMBER_SLICE, (entry) => {
        entry.vector = { ...entry.vector, features: entry.vector.features.detached() };
      });
    }
    return cycle;
  }

  get(namespace: string, pod: string): LatestVector | undefined {
    const entry = this.byNamespace.get(namespace)?.get(pod);
    // A copy: the entry itself is updated in place by the next build.
    return entry && { vector: entry.vector, evaluatedAtMs: entry.evaluatedAtMs };
  }

  /**
   * Forgets `count` of the least recently refreshed pods: every entry of the builds before a threshold build, and
   * as many of the threshold build's as still needed. Only over the bound: two passes over the entries, no sort of
   * them, and no bookkeeping in the builds that stay under it.
   */
  private forgetOldest(count: number): void {
    const perBuild = new Map<number, number>();
    for (const pods of this.byNamespace.values()) {
      for (const entry of pods.values()) perBuild.set(entry.build, (perBuild.get(entry.build) ?? 0) + 1);
    }
    let threshold = 0;
    let fromThreshold = 0;
    let left = count;
    for (const [build, n] of [...perBuild].sort((x, y) => x[0] - y[0])) {
      threshold = build;
      if (n >= left) {
        fromThreshold = left;
        break;
      }
      left -= n;
    }
    for (const [namespace, pods] of this.byNamespace) {
      for (const [pod, entry] of pods) {
        if (entry.build > threshold) continue;
        if (entry.build === threshold) {
          if (fromThreshold === 0) continue;
          fromThreshold--;
        }
        pods.delete(pod);
        this.size--;
      }
      if (pods.size === 0) this.byNamespace.delete(namespace);
    }
  }
}
