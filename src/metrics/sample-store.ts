import type { ScrapedSample } from './exposition-parser.js';

/**
 * The samples the built-in feature source keeps in memory (FEATURE_SOURCE=builtin, demo and tests only): what a
 * Prometheus would store from the same scrapes, for the few series the features read, for a bounded time.
 * Like Prometheus, a series that was in the previous scrape and is missing from this one gets a staleness marker
 * (stored as null), so a pod that is gone stops counting at once instead of for the 5-minute lookback.
 */

/** One series over time, as a backfill provides it (the simulator's `history()`); times ascending, in ms. */
export interface SeriesInput {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly times: readonly number[];
  readonly values: readonly number[];
}

export interface StoredSeries {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Ascending, ms. */
  readonly times: number[];
  /** null is a staleness marker: the series was absent from the scrape at that time. */
  readonly values: (number | null)[];
}

export interface SampleStoreOptions {
  /** Which series to keep at all (the rest of an exporter's output is dropped on arrival). */
  keep(name: string, labels: Readonly<Record<string, string>>): boolean;
  /** Samples older than this, relative to the newest scrape, are dropped. */
  retentionMs: number;
}

function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels).sort();
  return `${name}{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}

/** Index of the first time > `ms` (binary search). */
export function upperBound(times: readonly number[], ms: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] ?? 0) <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class SampleStore {
  private readonly byName = new Map<string, Map<string, StoredSeries>>();
  private previousScrape = new Set<string>();
  private newestMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: SampleStoreOptions) {}

  /** Series of one metric name (empty when there are none). */
  select(name: string): Iterable<StoredSeries> {
    return this.byName.get(name)?.values() ?? [];
  }

  get seriesCount(): number {
    let n = 0;
    for (const series of this.byName.values()) n += series.size;
    return n;
  }

  /** Adds past samples (a replay of the cluster's history); returns how many were kept. */
  backfill(series: readonly SeriesInput[]): number {
    let kept = 0;
    for (const s of series) {
      if (!this.options.keep(s.name, s.labels)) continue;
      const stored = this.seriesFor(s.name, s.labels);
      s.times.forEach((ms, i) => {
        this.insert(stored, ms, s.values[i] ?? Number.NaN);
        kept++;
      });
      this.newestMs = Math.max(this.newestMs, s.times.at(-1) ?? this.newestMs);
    }
    this.prune();
    return kept;
  }

  /** One scrape's samples at `atMs`; series of the previous scrape that are missing now are marked stale. */
  appendScrape(samples: readonly ScrapedSample[], atMs: number): void {
    const seen = new Set<string>();
    for (const sample of samples) {
      if (!this.options.keep(sample.name, sample.labels)) continue;
      const key = seriesKey(sample.name, sample.labels);
      if (seen.has(key)) continue; // a duplicate line: Prometheus keeps the first too
      seen.add(key);
      this.insert(this.seriesFor(sample.name, sample.labels, key), atMs, sample.value);
    }
    for (const key of this.previousScrape) {
      if (seen.has(key)) continue;
      const name = key.slice(0, key.indexOf('{'));
      const stored = this.byName.get(name)?.get(key);
      if (stored) this.insert(stored, atMs, null);
    }
    this.previousScrape = seen;
    this.newestMs = Math.max(this.newestMs, atMs);
    this.prune();
  }

  private seriesFor(
    name: string,
    labels: Readonly<Record<string, string>>,
    key = seriesKey(name, labels),
  ): StoredSeries {
    let series = this.byName.get(name);
    if (!series) {
      series = new Map();
      this.byName.set(name, series);
    }
    let stored = series.get(key);
    if (!stored) {
      stored = { name, labels: { ...labels }, times: [], values: [] };
      series.set(key, stored);
    }
    return stored;
  }

  /** Keeps times ascending; a second sample at the same time replaces the first. */
  private insert(series: StoredSeries, ms: number, value: number | null): void {
    const last = series.times.at(-1);
    if (last === undefined || ms > last) {
      series.times.push(ms);
      series.values.push(value);
      return;
    }
    const at = upperBound(series.times, ms);
    if (series.times[at - 1] === ms) series.values[at - 1] = value;
    else {
      series.times.splice(at, 0, ms);
      series.values.splice(at, 0, value);
    }
  }

  private prune(): void {
    const cutoff = this.newestMs - this.options.retentionMs;
    for (const [name, series] of this.byName) {
      for (const [key, stored] of series) {
        const drop = upperBound(stored.times, cutoff);
        if (drop === 0) continue;
        stored.times.splice(0, drop);
        stored.values.splice(0, drop);
        if (stored.times.length === 0) series.delete(key);
      }
      if (series.size === 0) this.byName.delete(name);
    }
  }
}
