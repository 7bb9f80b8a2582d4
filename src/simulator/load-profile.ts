import type { BehaviourParams } from './behaviour-spec.js';

/**
 * What a container consumes over time, as functions of absolute time (seconds since the epoch) with closed-form
 * integrals. The CPU counter (`container_cpu_usage_seconds_total`) is the integral of the CPU rate, so the live
 * exporter can compute it at scrape time and a backfill of the past renders exactly the same numbers.
 *
 * CPU never exceeds the limit (or the node's cores without one): every shape is bounded by construction.
 */
export type LoadShape = 'steady' | 'noisy' | 'daily-peak' | 'saturated' | 'leak';

export interface ContainerResources {
  cpuLimit: number | undefined;
  memoryLimit: number | undefined;
}

const DAY = 86_400;
const TWO_PI = 2 * Math.PI;
const SPIKE_WIDTH = 20;
/** Without a memory limit a leak grows until this much, then the node's OOM killer takes it. */
export const UNLIMITED_MEMORY_CEILING = 1024 * 1024 * 1024;
const UNLIMITED_MEMORY_BASE = 64 * 1024 * 1024;

/** Deterministic per-container constants derived from a seed (the pod uid and container name). */
export class ContainerLoad {
  readonly cpuCap: number;
  readonly cpuBase: number;
  readonly memoryCeiling: number;
  readonly memoryBase: number;
  readonly leakRate: number;
  private readonly p1: number;
  private readonly p2: number;
  private readonly phi1: number;
  private readonly phi2: number;
  private readonly spikePhase: number;
  private readonly spikeHeight: number;
  private readonly peakAmplitude: number;
  private readonly peakAt: number;
  private readonly peakWidth: number | undefined;

  constructor(
    seed: number,
    resources: ContainerResources,
    readonly params: BehaviourParams,
    nodeCores: number,
  ) {
    const rand = splitmix(seed);
    // Without a limit, a busy process uses one core (a single thread), never more than the node has.
    this.cpuCap = resources.cpuLimit ?? Math.min(1, nodeCores);
    const base = params.cpuBaseline ?? (resources.cpuLimit !== undefined ? 0.3 * resources.cpuLimit : 0.1);
    // The steady shape peaks at 1.25 x base; keep that under the cap.
    this.cpuBase = Math.min(base, this.cpuCap / 1.25);
    this.memoryCeiling = resources.memoryLimit ?? UNLIMITED_MEMORY_CEILING;
    // At most 90 % of the limit, so the ±3 % wobble never reaches it (only a leak is OOM-killed).
    this.memoryBase =
      resources.memoryLimit !== undefined
        ? Math.min(params.memoryBaseline, 0.9) * resources.memoryLimit
        : UNLIMITED_MEMORY_BASE;
    this.leakRate = params.leakRate ?? this.memoryCeiling / 120;
    this.p1 = 300 + Math.floor(rand() * 300);
    this.p2 = 47 + Math.floor(rand() * 50);
    this.phi1 = rand() * TWO_PI;
    this.phi2 = rand() * TWO_PI;
    this.spikePhase = rand() * params.spikeEvery;
    this.spikeHeight = Math.max(
      0,
      Math.min(this.cpuBase * (params.spikeHeight - 1), 0.95 * this.cpuCap - 1.25 * this.cpuBase),
    );
    const peak = Math.min(params.peakFactor, (0.95 * this.cpuCap) / (1.25 * this.cpuBase));
    this.peakAmplitude = Math.max(0, peak - 1);
    this.peakAt = params.peakHour * 3600;
    this.peakWidth = params.peakWidth;
  }

  /** CPU cores in use at t. */
  cpuRate(shape: LoadShape, t: number): number {
    const steady =
      this.cpuBase *
      (1 +
        0.15 * Math.sin((TWO_PI * t) / this.p1 + this.phi1) +
        0.1 * Math.sin((TWO_PI * t) / this.p2 + this.phi2));
    switch (shape) {
      case 'saturated':
        return this.cpuCap * (0.975 + 0.015 * Math.sin((TWO_PI * t) / this.p2 + this.phi2));
      case 'noisy':
        return steady + this.spike(t);
      case 'daily-peak':
        return steady + this.cpuBase * this.peakAmplitude * this.dailyBump(t);
      default:
        return steady;
    }
  }

  /** CPU seconds used in [a, b]. */
  cpuIntegral(shape: LoadShape, a: number, b: number): number {
    if (b <= a) return 0;
    const F = (t: number) => this.cpuAntiderivative(shape, t);
    return Math.max(0, F(b) - F(a));
  }

  /** Working set in bytes at t, for a run (or leak) that began at `since`. */
  /** Working set in bytes at t; a leak grows from `from` bytes (default the baseline) since `since`. */
  memory(shape: LoadShape, t: number, since: number, from = this.memoryBase): number {
    const wobble = 1 + 0.03 * Math.sin((TWO_PI * t) / this.p1 + this.phi2);
    if (shape === 'leak') return Math.min(this.memoryCeiling, from + this.leakRate * Math.max(0, t - since));
    if (shape === 'daily-peak') {
      const headroom = Math.min(0.5, (0.9 * this.memoryCeiling) / this.memoryBase - 1);
      return this.memoryBase * (wobble + Math.max(0, headroom) * this.dailyBump(t));
    }
    return this.memoryBase * wobble;
  }

  /** When a leak that began at `since` from `from` bytes reaches the ceiling (the OOM kill). */
  oomAt(since: number, from = this.memoryBase): number {
    return since + Math.max(1, (this.memoryCeiling - from) / this.leakRate);
  }

  /**
   * How far into its daily peak the load is at t, 0 to 1: with a peak width, a burst (1 from peak-hour:00 for the
   * width, else 0), which pattern analysis can tell from the rest of the day; without one, a smooth wave.
   */
  private dailyBump(t: number): number {
    if (this.peakWidth !== undefined) return mod(t - this.peakAt, DAY) < this.peakWidth ? 1 : 0;
    return 0.5 * (1 + Math.cos((TWO_PI * (t - this.peakAt)) / DAY));
  }

  /** An antiderivative of dailyBump (continuous, for the CPU counter). */
  private dailyBumpIntegral(t: number): number {
    const width = this.peakWidth;
    if (width === undefined) return 0.5 * (t + (DAY / TWO_PI) * Math.sin((TWO_PI * (t - this.peakAt)) / DAY));
    const days = Math.floor((t - this.peakAt) / DAY);
    return days * width + Math.min(t - this.peakAt - days * DAY, width);
  }

  private spike(t: number): number {
    const tau = mod(t - this.spikePhase, this.params.spikeEvery);
    if (tau >= SPIKE_WIDTH) return 0;
    return this.spikeHeight * (1 - Math.abs((2 * tau) / SPIKE_WIDTH - 1));
  }

  private spikeIntegral(t: number): number {
    const period = this.params.spikeEvery;
    const shifted = t - this.spikePhase;
    const full = Math.floor(shifted / period);
    const tau = shifted - full * period;
    const H = this.spikeHeight;
    const W = SPIKE_WIDTH;
    let partial: number;
    if (tau <= W / 2) partial = (H * tau * tau) / W;
    else if (tau <= W) partial = (H * W) / 4 + 2 * H * (tau - W / 2 - (tau * tau - (W * W) / 4) / (2 * W));
    else partial = (H * W) / 2;
    return full * ((H * W) / 2) + partial;
  }

  private cpuAntiderivative(shape: LoadShape, t: number): number {
    const steady =
      this.cpuBase *
      (t -
        ((0.15 * this.p1) / TWO_PI) * Math.cos((TWO_PI * t) / this.p1 + this.phi1) -
        ((0.1 * this.p2) / TWO_PI) * Math.cos((TWO_PI * t) / this.p2 + this.phi2));
    switch (shape) {
      case 'saturated':
        return (
          this.cpuCap *
          (0.975 * t - ((0.015 * this.p2) / TWO_PI) * Math.cos((TWO_PI * t) / this.p2 + this.phi2))
        );
      case 'noisy':
        return steady + this.spikeIntegral(t);
      case 'daily-peak':
        return steady + this.cpuBase * this.peakAmplitude * this.dailyBumpIntegral(t);
      default:
        return steady;
    }
  }
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** A tiny seeded generator for per-container constants. */
function splitmix(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from text (pod uid + container name). */
export function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h >>> 0;
}
