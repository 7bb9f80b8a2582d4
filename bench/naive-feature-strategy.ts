/**
 * The original engine's strategy, kept only as the benchmark's baseline and as a cross-check of the batched
 * design: one instant query per feature per pod (45), plus one kube_pod_info lookup for the pod's node.
 * Statistics use subqueries at the same step, lags are instant queries at t-1m / t-5m (what `offset` does).
 */
import type { PromQueryApi } from '../src/metrics/prometheus-api.js';

export const NAIVE_QUERIES_PER_POD = 46;

export interface NaivePodResult {
  readonly namespace: string;
  readonly pod: string;
  readonly node: string | undefined;
  /** 45 values in schema order; null when the query returned nothing. */
  readonly values: (number | null)[];
}

function signalQueries(namespace: string, pod: string, node: string, rateWindow: string): string[] {
  const p = `namespace="${namespace}",pod="${pod}"`;
  return [
    `1 - avg(rate(node_cpu_seconds_total{mode="idle",instance="${node}"}[${rateWindow}]))`,
    `1 - sum(node_memory_MemAvailable_bytes{instance="${node}"}) / sum(node_memory_MemTotal_bytes{instance="${node}"})`,
    `sum(rate(container_cpu_usage_seconds_total{container!="",${p}}[${rateWindow}]))`,
    `sum(container_memory_working_set_bytes{container!="",${p}}) / sum(kube_pod_container_resource_limits{resource="memory",unit="byte",${p}})`,
    `sum(kube_pod_container_status_restarts_total{${p}})`,
  ];
}

export async function naivePodFeatures(
  api: PromQueryApi,
  namespace: string,
  pod: string,
  tMs: number,
  stepSeconds = 60,
  rateWindow = '5m',
): Promise<NaivePodResult> {
  const first = async (query: string, at: number): Promise<number | null> => {
    const result = await api.instant(query, at);
    return result[0]?.value ?? null; // the original read only the first series
  };
  const info = await api.instant(`kube_pod_info{namespace="${namespace}",pod="${pod}"}`, tMs);
  const node = info[0]?.labels.node;
  const queries = signalQueries(namespace, pod, node ?? 'unknown-node', rateWindow);
  const perSignal = await Promise.all(
    queries.map(async (q) => {
      const lag1 = `last_over_time((${q})[1m:1m] offset 1m)`;
      const results = await Promise.all([
        first(q, tMs),
        first(`avg_over_time((${q})[5m:${stepSeconds}s])`, tMs),
        first(`stddev_over_time((${q})[5m:${stepSeconds}s])`, tMs),
        first(`min_over_time((${q})[5m:${stepSeconds}s])`, tMs),
        first(`max_over_time((${q})[5m:${stepSeconds}s])`, tMs),
        first(q, tMs - 60_000),
        first(q, tMs - 300_000),
        first(`(${q}) - ${lag1}`, tMs),
        first(`((${q}) - ${lag1}) / ${lag1}`, tMs),
      ]);
      return results;
    }),
  );
  return { namespace, pod, node, values: perSignal.flat() };
}
