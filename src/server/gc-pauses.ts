import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { Histogram, type Registry } from 'prom-client';

/** prom-client's buckets and kinds for this histogram, so dashboards made for its figures read these. */
const BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];
const KINDS: Readonly<Record<number, string>> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/**
 * `<prefix>nodejs_gc_duration_seconds`, with every garbage-collection pause in it. prom-client's collector of the
 * same name records only the first entry of each batch Node delivers, and Node delivers the pauses of one
 * synchronous stretch of work together: a long pause right after a scavenge was never counted (of 16 pauses in one
 * stretch it recorded 1). This one replaces it in `registry` under the same name, labels and buckets, and records
 * them all. Returns what stops the observer.
 */
export function registerGcPauses(registry: Registry, prefix: string): () => void {
  const name = `${prefix}nodejs_gc_duration_seconds`;
  registry.removeSingleMetric(name);
  const pauses = new Histogram({
    name,
    help: "Garbage collection duration by kind, one of major, minor, incremental, weakcb (or unknown): every pause (prom-client's collector of this name counts only the first of each batch Node reports).",
    labelNames: ['kind'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauses.labels(kindOf(entry)).observe(entry.duration / 1000);
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}

function kindOf(entry: PerformanceEntry): string {
  // Node 16+ puts the kind in `detail` (NodeGCPerformanceDetail), which this @types/node leaves off the base type.
  const { detail } = entry as PerformanceEntry & { detail?: { kind?: unknown } | null };
  const kind = detail?.kind;
  return (typeof kind === 'number' ? KINDS[kind] : undefined) ?? 'unknown';
}
