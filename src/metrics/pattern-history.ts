/**
 * A target's recent history as pattern events (src/ml/contract.ts PatternEvent), read from Prometheus for the ML
 * pattern endpoint. Two range queries per target over the window, one sample per step:
 * - `high_cpu`: a pod's CPU (cores) above twice that pod's median over the window (and above a small floor, so
 *   an idle pod's noise is not a peak): one event per high sample, value = the cores.
 * - `restart`: container restarts of a pod in the step (increase of the restart counter), value = the count.
 * The pods are matched by name (the target's name plus the controller's suffixes), so the pods a workload had
 * before a rollout or a restart still count as its history.
 */
import type { PatternEvent } from '../ml/contract.js';
import type { PromQueryApi, RangeSeries } from './prometheus-api.js';

export interface HistoryTarget {
  kind: string;
  namespace: string;
  name: string;
}

/** Cores below which a sample is never a CPU peak, whatever the median (an idle pod). */
export const CPU_FLOOR_CORES = 0.01;
/** A sample above this multiple of the pod's median over the window is a CPU peak. */
export const CPU_PEAK_FACTOR = 2;
/** At most this many events are sent (the newest), to bound the request over long windows. */
export const MAX_EVENTS = 2000;

/** The characters of generated name parts (k8s.io/apimachinery/pkg/util/rand, SafeEncodeString). */
const SAFE = '[bcdfghjklmnpqrstvwxz2456789]';
/** Kubernetes cuts a generateName prefix to this length before adding the 5 random characters. */
const MAX_GENERATED_PREFIX = 58;
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** A PromQL regex (inside a double-quoted string) for the pods of a target. */
export function podNameRegex(target: HistoryTarget): string {
  if (!NAME.test(target.name) || !NAME.test(target.namespace))
    throw new Error(`not a Kubernetes name: ${target.namespace}/${target.name}`);
  const promQlEscaped = (text: string) => text.replace(/\./g, '\\\\.');
  const name = promQlEscaped(target.name);
  if (target.kind === 'Deployment') {
    // The ReplicaSet's pod-template-hash (1-10 characters) and the pod's 5-character suffix are both drawn from
    // Kubernetes' safe alphabet (no vowels, no 0, 1 or 3), so a StatefulSet `web-db`'s pod `web-db-0` is not
    // `web`'s. The pod's generated prefix (`<replicaset>-`) is cut at 58 characters, so for a long Deployment
    // name the hash and dashes may be cut short or gone.
    if (target.name.length + 12 <= MAX_GENERATED_PREFIX) return `${name}-${SAFE}{1,10}-${SAFE}{5}`;
    return `${promQlEscaped(target.name.slice(0, MAX_GENERATED_PREFIX))}(-${SAFE}{0,10}-?)?${SAFE}{5}`;
  }
  if (target.kind === 'StatefulSet') return `${name}-[0-9]+`;
  return name;
}

export function historyQueries(target: HistoryTarget, stepSeconds: number) {
  const s = `namespace="${target.namespace}",pod=~"${podNameRegex(target)}"`;
  return {
    cpu: `sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{container!="",${s}}[${stepSeconds}s]))`,
    restarts: `sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total{${s}}[${stepSeconds}s]))`,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const event = (type: string, timeMs: number, value: number, pod: string | undefined): PatternEvent => ({
  timestamp: new Date(timeMs).toISOString(),
  type,
  value: Math.round(value * 1000) / 1000,
  ...(pod ? { labels: { pod } } : {}),
});

/** The events in a target's CPU and restart series, oldest first, the newest MAX_EVENTS of them. */
export function eventsFromSeries(
  cpu: readonly RangeSeries[],
  restarts: readonly RangeSeries[],
): PatternEvent[] {
  const events: { t: number; e: PatternEvent }[] = [];
  for (const series of cpu) {
    const finite = series.values.filter(Number.isFinite);
    if (finite.length === 0) continue;
    const threshold = Math.max(CPU_PEAK_FACTOR * median(finite), CPU_FLOOR_CORES);
    series.values.forEach((v, i) => {
      const t = series.times[i];
      if (t !== undefined && Number.isFinite(v) && v > threshold)
        events.push({ t, e: event('high_cpu', t, v, series.labels.pod) });
    });
  }
  for (const series of restarts) {
    series.values.forEach((v, i) => {
      const t = series.times[i];
      // increase() extrapolates: half a restart is noise, one or more is a restart.
      if (t !== undefined && Number.isFinite(v) && v >= 0.5)
        events.push({ t, e: event('restart', t, Math.round(v), series.labels.pod) });
    });
  }
  events.sort((a, b) => a.t - b.t);
  return events.slice(-MAX_EVENTS).map((x) => x.e);
}

/** Reads a target's history from Prometheus (two range queries); failures propagate to the caller. */
export class PrometheusPatternHistory {
  constructor(
    private readonly api: Pick<PromQueryApi, 'range'>,
    private readonly stepSeconds = 300,
  ) {}

  /** One sample per step: a condition that lasts shows as events exactly this far apart. */
  get resolutionMs(): number {
    return this.stepSeconds * 1000;
  }

  async events(target: HistoryTarget, windowMs: number, nowMs: number): Promise<PatternEvent[]> {
    const q = historyQueries(target, this.stepSeconds);
    const start = nowMs - windowMs;
    const [cpu, restarts] = await Promise.all([
      this.api.range(q.cpu, start, nowMs, this.stepSeconds),
      this.api.range(q.restarts, start, nowMs, this.stepSeconds),
    ]);
    return eventsFromSeries(cpu, restarts);
  }
}
