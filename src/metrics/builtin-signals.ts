import type { SignalName } from './feature-catalogue.js';
import { instantValue, LOOKBACK_MS, rate, sumOf } from './sample-functions.js';
import type { SampleStore, StoredSeries } from './sample-store.js';

/**
 * The five signals of the feature catalogue computed from stored samples instead of PromQL, for the built-in
 * feature source. Each is the query of feature-queries.ts, term for term:
 *   node_cpu_utilization    1 - avg by (node) (rate(node_cpu_seconds_total{mode="idle"}[w]))
 *   node_memory_utilization 1 - sum by (node) (node_memory_MemAvailable_bytes) / sum by (node) (…MemTotal_bytes)
 *   pod_cpu_usage           sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{container!=""}[w]))
 *   pod_memory_usage        sum by (…) (container_memory_working_set_bytes{container!=""})
 *                             / sum by (…) (kube_pod_container_resource_limits{resource="memory",unit="byte"})
 *   container_restart_count sum by (namespace, pod) (kube_pod_container_status_restarts_total)
 * plus kube_pod_info for the pod → node join (the node whose kube-state-metrics sample is newest).
 */

type LabelTest = (labels: Readonly<Record<string, string>>) => boolean;

const WANTED: Readonly<Record<string, LabelTest>> = {
  node_cpu_seconds_total: (l) => l.mode === 'idle',
  node_memory_MemAvailable_bytes: () => true,
  node_memory_MemTotal_bytes: () => true,
  container_cpu_usage_seconds_total: (l) => (l.container ?? '') !== '',
  container_memory_working_set_bytes: (l) => (l.container ?? '') !== '',
  kube_pod_container_resource_limits: (l) => l.resource === 'memory' && l.unit === 'byte',
  kube_pod_container_status_restarts_total: () => true,
  kube_pod_info: () => true,
};

/** The series the signals read: everything else an exporter reports is not stored. */
export function keepForFeatures(name: string, labels: Readonly<Record<string, string>>): boolean {
  return WANTED[name]?.(labels) ?? false;
}

const podKey = (namespace: string, pod: string) => `${namespace}/${pod}`;

type Grouped = Map<string, StoredSeries[]>;

function group(series: Iterable<StoredSeries>, keyOf: (s: StoredSeries) => string | undefined): Grouped {
  const out: Grouped = new Map();
  for (const s of series) {
    const key = keyOf(s);
    if (key === undefined) continue;
    const list = out.get(key);
    if (list) list.push(s);
    else out.set(key, [s]);
  }
  return out;
}

/** The stored series grouped once per cycle, by pod (`namespace/pod`) or by node. */
export class CycleSeries {
  private readonly byPod: (name: string) => Grouped;
  private readonly byNode: (name: string) => Grouped;

  constructor(
    store: SampleStore,
    private readonly options: { rateWindowMs: number; nodeLabel: string },
  ) {
    const cache = new Map<string, Grouped>();
    const grouped = (name: string, keyOf: (s: StoredSeries) => string | undefined) => {
      let g = cache.get(name);
      if (!g) {
        g = group(store.select(name), keyOf);
        cache.set(name, g);
      }
      return g;
    };
    this.byPod = (name) =>
      grouped(name, (s) =>
        s.labels.namespace !== undefined && s.labels.pod !== undefined
          ? podKey(s.labels.namespace, s.labels.pod)
          : undefined,
      );
    this.byNode = (name) => grouped(name, (s) => s.labels[options.nodeLabel]);
  }

  /** The node kube_pod_info puts the pod on at `tMs`: the one reported most recently. */
  nodeOf(namespace: string, pod: string, tMs: number): string | undefined {
    let best: { node: string; seen: number } | undefined;
    for (const s of this.byPod('kube_pod_info').get(podKey(namespace, pod)) ?? []) {
      const node = s.labels.node;
      const seen = this.newestPresent(s, tMs);
      if (!node || seen === undefined) continue;
      if (!best || seen > best.seen) best = { node, seen };
    }
    return best?.node;
  }

  /** Pods kube-state-metrics reports at `tMs` in these namespaces, sorted (discovery without a pod list). */
  podsAt(namespaces: readonly string[], tMs: number): Array<{ namespace: string; name: string }> {
    const wanted = new Set(namespaces);
    const out: Array<{ namespace: string; name: string }> = [];
    for (const [key, series] of this.byPod('kube_pod_info')) {
      const [namespace = '', name = ''] = key.split('/');
      if (!wanted.has(namespace)) continue;
      if (series.some((s) => this.newestPresent(s, tMs) !== undefined)) out.push({ namespace, name });
    }
    return out.sort((a, b) => podKey(a.namespace, a.name).localeCompare(podKey(b.namespace, b.name)));
  }

  /** One signal of one pod at τ; undefined where the query would have returned no series. */
  signal(
    signal: SignalName,
    pod: { namespace: string; name: string },
    node: string | undefined,
    tau: number,
  ) {
    const key = podKey(pod.namespace, pod.name);
    const w = this.options.rateWindowMs;
    const ofPod = (name: string) => this.byPod(name).get(key) ?? [];
    const ofNode = (name: string) => (node === undefined ? [] : (this.byNode(name).get(node) ?? []));
    const instant = (series: StoredSeries[]) => sumOf(series.map((s) => instantValue(s, tau)));
    switch (signal) {
      case 'node_cpu_utilization': {
        const rates = ofNode('node_cpu_seconds_total')
          .map((s) => rate(s, tau, w))
          .filter((r): r is number => r !== undefined);
        return rates.length === 0 ? undefined : 1 - rates.reduce((a, b) => a + b, 0) / rates.length;
      }
      case 'node_memory_utilization': {
        const available = instant(ofNode('node_memory_MemAvailable_bytes'));
        const total = instant(ofNode('node_memory_MemTotal_bytes'));
        return available === undefined || total === undefined ? undefined : 1 - available / total;
      }
      case 'pod_cpu_usage':
        return sumOf(ofPod('container_cpu_usage_seconds_total').map((s) => rate(s, tau, w)));
      case 'pod_memory_usage': {
        const used = instant(ofPod('container_memory_working_set_bytes'));
        const limit = instant(ofPod('kube_pod_container_resource_limits'));
        return used === undefined || limit === undefined ? undefined : used / limit;
      }
      case 'container_restart_count':
        return instant(ofPod('kube_pod_container_status_restarts_total'));
    }
  }

  /** Time of the sample an instant selector would return at `tMs`, if any. */
  private newestPresent(series: StoredSeries, tMs: number): number | undefined {
    if (instantValue(series, tMs, LOOKBACK_MS) === undefined) return undefined;
    let at = series.times.length - 1;
    while (at >= 0 && (series.times[at] ?? 0) > tMs) at--;
    return series.times[at];
  }
}
