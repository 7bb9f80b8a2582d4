/**
 * What a pod's status says, as rule inputs that need no PromQL (the informer cache has them). A real crash loop
 * backs off for up to five minutes, so a per-minute restart counter goes quiet between restarts; the kubelet's own
 * words (`CrashLoopBackOff`, `OOMKilled`, not Ready) do not.
 */
import type { StatusSignal } from '../policy/spec-schema.js';

export type { StatusSignal };

export interface PodStatusSignals {
  /** A container is waiting in CrashLoopBackOff now. */
  crashLoopBackOff: boolean;
  /** A container is waiting in ImagePullBackOff or ErrImagePull now. */
  imagePullBackOff: boolean;
  /** A container's last termination was OOMKilled. */
  oomKilled: boolean;
  restartCount: number;
  /** When the pod's Ready condition last turned False (ms); undefined while Ready. */
  notReadySinceMs: number | undefined;
  /** The sum of the containers' CPU limits in cores; undefined when any container has none. */
  cpuLimitCores: number | undefined;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const SUFFIX: Record<string, number> = { '': 1, m: 1e-3, k: 1e3 };

function cores(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)(m|k)?$/.exec(value.trim());
  return match ? Number(match[1]) * (SUFFIX[match[2] ?? ''] ?? 1) : undefined;
}

/** Reads the signals from a pod object (spec and status as the API serves them). */
export function statusSignals(pod: { spec?: unknown; status?: unknown }): PodStatusSignals {
  const status = obj(pod.status);
  const containers = arr(status.containerStatuses).map(obj);
  const waiting = containers.map((c) => String(obj(obj(c.state).waiting).reason ?? ''));
  const ready = arr(status.conditions)
    .map(obj)
    .find((c) => c.type === 'Ready');
  const since =
    typeof ready?.lastTransitionTime === 'string' ? Date.parse(ready.lastTransitionTime) : Number.NaN;
  const limits = arr(obj(pod.spec).containers).map((c) => cores(obj(obj(obj(c).resources).limits).cpu));
  return {
    crashLoopBackOff: waiting.includes('CrashLoopBackOff'),
    imagePullBackOff: waiting.some((r) => r === 'ImagePullBackOff' || r === 'ErrImagePull'),
    oomKilled: containers.some((c) => obj(obj(c.lastState).terminated).reason === 'OOMKilled'),
    restartCount: containers.reduce(
      (n, c) => n + (typeof c.restartCount === 'number' ? c.restartCount : 0),
      0,
    ),
    notReadySinceMs: ready?.status === 'True' ? undefined : Number.isFinite(since) ? since : undefined,
    cpuLimitCores:
      limits.length > 0 && limits.every((l) => l !== undefined && l > 0)
        ? (limits as number[]).reduce((a, b) => a + b, 0)
        : undefined,
  };
}

/**
 * A signal's value at `nowMs`: booleans as 1 or 0, durations in seconds, CPULimitRatio as the pod's CPU in cores
 * (the `pod_cpu_usage.value` feature) over its CPU limits. Undefined when it cannot be known.
 */
export function signalValue(
  signal: StatusSignal,
  signals: PodStatusSignals | undefined,
  podCpuCores: number | undefined,
  nowMs: number,
): number | undefined {
  if (!signals) return undefined;
  switch (signal) {
    case 'CrashLoopBackOff':
      return signals.crashLoopBackOff ? 1 : 0;
    case 'ImagePullBackOff':
      return signals.imagePullBackOff ? 1 : 0;
    case 'OOMKilled':
      return signals.oomKilled ? 1 : 0;
    case 'RestartCount':
      return signals.restartCount;
    case 'NotReadySeconds':
      return signals.notReadySinceMs === undefined
        ? 0
        : Math.max(0, (nowMs - signals.notReadySinceMs) / 1000);
    case 'CPULimitRatio':
      return podCpuCores === undefined || signals.cpuLimitCores === undefined
        ? undefined
        : podCpuCores / signals.cpuLimitCores;
  }
}

/** Signals that need the pod's metrics (a complete feature vector) besides its status. */
export function needsMetrics(signal: StatusSignal): boolean {
  return signal === 'CPULimitRatio';
}
