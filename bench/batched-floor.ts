/**
 * The batched-36 floor: what it costs to have Prometheus compute the features itself, as few queries as that
 * takes. Every statistic that PromQL can evaluate is one instant query grouped by pod (or node) over the whole
 * selection: for each of the 5 signals its value at t, at t-1m and t-5m, and avg/stddev/min/max_over_time over
 * [5m:step] (7 x 5 = 35), plus the kube_pod_info join: 36 queries. diff and pct_change would be client arithmetic.
 * Its wall time (4 queries in flight, as the engine's default concurrency, bodies read and JSON-parsed) is the
 * yardstick the engine's whole feature build is compared with, on the same Prometheus in the same run.
 */
import { buildFeatureQueries } from '../src/metrics/feature-queries.js';
import { mapLimit } from '../src/simulator/map-limit.js';

export interface FloorResult {
  wallMs: number;
  queries: number;
  /** Series returned by all queries together (a sanity check that the selection matched). */
  series: number;
}

/** The 36 instant queries at `atMs`; the lags are the same expression evaluated 1 and 5 minutes earlier. */
export function floorQueries(
  namespaces: readonly string[],
  atMs: number,
  stepSeconds = 60,
): Array<{ query: string; atMs: number }> {
  const q = buildFeatureQueries({ namespaces, rateWindowSeconds: 300, nodeLabel: 'instance' });
  const window = `[5m:${stepSeconds}s]`;
  const perSignal = q.signals.flatMap(({ promql }) => [
    { query: promql, atMs },
    { query: promql, atMs: atMs - 60_000 },
    { query: promql, atMs: atMs - 300_000 },
    ...['avg', 'stddev', 'min', 'max'].map((f) => ({ query: `${f}_over_time((${promql})${window})`, atMs })),
  ]);
  return [{ query: q.podInfo, atMs }, ...perSignal];
}

export async function measureFloor(
  prometheusUrl: string,
  namespaces: readonly string[],
  atMs: number,
  concurrency = 4,
): Promise<FloorResult> {
  const queries = floorQueries(namespaces, atMs);
  let series = 0;
  const started = performance.now();
  await mapLimit(queries, concurrency, async ({ query, atMs }) => {
    const res = await fetch(`${prometheusUrl}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query, time: String(atMs / 1000) }),
    });
    const body = (await res.json()) as { status?: string; data?: { result?: unknown[] }; error?: string };
    if (body.status !== 'success')
      throw new Error(`floor query failed: ${body.error ?? res.status}: ${query}`);
    series += body.data?.result?.length ?? 0;
  });
  return { wallMs: performance.now() - started, queries: queries.length, series };
}
