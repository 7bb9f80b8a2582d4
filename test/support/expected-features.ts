/**
 * Computes the expected 45 features straight from the raw samples a test backfilled, without PromQL. Only the
 * definitions in shared/reference/feature-vector.md are used, plus Prometheus's documented evaluation rules:
 * an instant selector takes the newest sample within the 5m lookback, and rate() is the extrapolated rate with
 * counter-reset correction (the algorithm described in the Prometheus docs for rate/increase).
 */
import type { ClusterDataset, PodKey, SampleSeries } from '../../src/demo/cluster-metrics.js';

const LOOKBACK_MS = 5 * 60_000;

export interface ExpectationOptions {
  readonly stepSeconds: number;
  readonly rateWindowSeconds: number;
}

type Q = (tau: number) => number | null;

function latest(series: SampleSeries, tau: number): number | null {
  let found: number | null = null;
  for (let i = 0; i < series.times.length; i++) {
    const t = series.times[i] ?? 0;
    if (t > tau) break;
    if (t > tau - LOOKBACK_MS) found = series.values[i] ?? null;
  }
  return found;
}

/** Prometheus rate(): increase over the samples in the window, reset-corrected, extrapolated to the window edges. */
export function promRate(series: SampleSeries, tau: number, windowMs: number): number | null {
  const start = tau - windowMs;
  const ts: number[] = [];
  const vs: number[] = [];
  series.times.forEach((t, i) => {
    if (t >= start && t <= tau) {
      ts.push(t);
      vs.push(series.values[i] ?? 0);
    }
  });
  if (ts.length < 2) return null;
  const first = vs[0] ?? 0;
  const last = vs[vs.length - 1] ?? 0;
  let increase = last - first;
  for (let i = 1; i < vs.length; i++) {
    const prev = vs[i - 1] ?? 0;
    if ((vs[i] ?? 0) < prev) increase += prev; // counter reset: the counter restarted from zero
  }
  const tFirst = ts[0] ?? 0;
  const tLast = ts[ts.length - 1] ?? 0;
  const sampled = (tLast - tFirst) / 1000;
  const avgGap = sampled / (ts.length - 1);
  let toStart = (tFirst - start) / 1000;
  const toEnd = (tau - tLast) / 1000;
  if (increase > 0 && first >= 0) {
    // A counter cannot go below zero: do not extrapolate further back than its zero point.
    const toZero = sampled * (first / increase);
    if (toZero < toStart) toStart = toZero;
  }
  const threshold = avgGap * 1.1;
  let interval = sampled;
  interval += toStart < threshold ? toStart : avgGap / 2;
  interval += toEnd < threshold ? toEnd : avgGap / 2;
  return (increase * (interval / sampled)) / (windowMs / 1000);
}

function sumOf(values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : present.reduce((a, b) => a + b, 0);
}

export function podNode(dataset: ClusterDataset, pod: PodKey, tMs: number): string | undefined {
  const info = dataset.series.filter(
    (s) => s.name === 'kube_pod_info' && s.labels.namespace === pod.namespace && s.labels.pod === pod.name,
  );
  const present = info.find((s) => latest(s, tMs) !== null);
  return present?.labels.node;
}

function signalFunctions(
  dataset: ClusterDataset,
  pod: PodKey,
  node: string | undefined,
  rateMs: number,
): Q[] {
  const find = (name: string, pred: (l: Readonly<Record<string, string>>) => boolean) =>
    dataset.series.filter((s) => s.name === name && pred(s.labels));
  const ofPod = (l: Readonly<Record<string, string>>) => l.namespace === pod.namespace && l.pod === pod.name;
  const ofNode = (l: Readonly<Record<string, string>>) => node !== undefined && l.instance === node;

  const idle = find('node_cpu_seconds_total', (l) => ofNode(l) && l.mode === 'idle');
  const avail = find('node_memory_MemAvailable_bytes', ofNode);
  const total = find('node_memory_MemTotal_bytes', ofNode);
  const cpu = find('container_cpu_usage_seconds_total', (l) => ofPod(l) && (l.container ?? '') !== '');
  const ws = find('container_memory_working_set_bytes', (l) => ofPod(l) && (l.container ?? '') !== '');
  const limits = find(
    'kube_pod_container_resource_limits',
    (l) => ofPod(l) && l.resource === 'memory' && l.unit === 'byte',
  );
  const restarts = find('kube_pod_container_status_restarts_total', ofPod);

  const nodeCpu: Q = (tau) => {
    const rates = idle.map((s) => promRate(s, tau, rateMs)).filter((v): v is number => v !== null);
    return rates.length === 0 ? null : 1 - rates.reduce((a, b) => a + b, 0) / rates.length;
  };
  const nodeMem: Q = (tau) => {
    const a = sumOf(avail.map((s) => latest(s, tau)));
    const t = sumOf(total.map((s) => latest(s, tau)));
    return a === null || t === null ? null : 1 - a / t;
  };
  const podCpu: Q = (tau) => sumOf(cpu.map((s) => promRate(s, tau, rateMs)));
  const podMem: Q = (tau) => {
    const used = sumOf(ws.map((s) => latest(s, tau)));
    const limit = sumOf(limits.map((s) => latest(s, tau)));
    return used === null || limit === null ? null : used / limit;
  };
  const podRestarts: Q = (tau) => sumOf(restarts.map((s) => latest(s, tau)));
  return [nodeCpu, nodeMem, podCpu, podMem, podRestarts];
}

/** 45 expected values in schema order; null where the feature must be reported missing. */
export function expectedFeatures(
  dataset: ClusterDataset,
  pod: PodKey,
  tMs: number,
  options: ExpectationOptions,
): (number | null)[] {
  const stepMs = options.stepSeconds * 1000;
  const node = podNode(dataset, pod, tMs);
  const out: (number | null)[] = [];
  for (const q of signalFunctions(dataset, pod, node, options.rateWindowSeconds * 1000)) {
    const now = q(tMs);
    const lag1 = q(tMs - 60_000);
    const lag5 = q(tMs - 300_000);
    const window: number[] = [];
    for (let tau = tMs - 300_000; tau <= tMs; tau += stepMs) {
      const v = q(tau);
      if (v !== null) window.push(v);
    }
    const n = window.length;
    const mean = n ? window.reduce((a, b) => a + b, 0) / n : null;
    const std = mean === null ? null : Math.sqrt(window.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    const diff = now !== null && lag1 !== null ? now - lag1 : null;
    const pct = diff !== null && lag1 !== null ? (lag1 === 0 ? 0 : diff / lag1) : null;
    out.push(
      now,
      mean,
      std,
      n ? Math.min(...window) : null,
      n ? Math.max(...window) : null,
      lag1,
      lag5,
      diff,
      pct,
    );
  }
  return out;
}
