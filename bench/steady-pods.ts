/**
 * Pods that are fine, cycle after cycle, as feature vectors: the population on which any verdict of the local
 * fallback detector is a false positive. Three models of "steady":
 *   simulator-healthy - the sandbox simulator's own steady load (src/simulator/load-profile.ts): CPU as a 5-minute
 *                       rate of two slow waves (±15 %, ±10 %), memory with a ±3 % wave
 *   simulator-noisy   - the simulator's `noisy` behaviour: the same plus a CPU spike every 2 minutes, which is
 *                       how that service always runs (normal, not an incident)
 *   gaussian          - independent noise around a fixed level each cycle (CPU ±10 %, memory ±2 % one sigma),
 *                       the textbook case with no waves to learn
 * Nodes hold `podsPerNode` pods; node signals are their sum plus system load. Restart counts stay 0. All 45
 * features are filled from the series (5-minute window, lags, diff), though the detector reads `.value` only.
 * Deterministic for a seed.
 */
import { SIGNALS, STATISTICS } from '../src/metrics/feature-catalogue.js';
import type { CompleteFeatureVector } from '../src/ml/feature-vector.js';
import { seededRandom } from '../src/random/seeded-random.js';
import { defaultParams } from '../src/simulator/behaviour-spec.js';
import { ContainerLoad, type LoadShape, seedOf } from '../src/simulator/load-profile.js';

export const STEADY_MODELS = ['simulator-healthy', 'simulator-noisy', 'gaussian'] as const;
export type SteadyModel = (typeof STEADY_MODELS)[number];

export interface SteadyPodsOptions {
  model: SteadyModel;
  pods: number;
  podsPerNode?: number;
  intervalMs?: number;
  seed?: number;
  /** Time of cycle 0 (ms since the epoch). */
  startMs?: number;
}

const GI = 1024 ** 3;
const POD_MEMORY_LIMIT = 0.5 * GI;
const NODE_CORES = 4;
const NODE_MEMORY = 16 * GI;
const SYSTEM_CPU = 0.3;
const SYSTEM_MEMORY = 1.5 * GI;
const RATE_WINDOW_S = 300;
/** Samples in the 5-minute statistics window at the cycle interval (at least 1). */
const windowSamples = (intervalMs: number) => Math.max(1, Math.round(300_000 / intervalMs));

interface PodSource {
  cpuCores(t: number): number;
  memoryBytes(t: number): number;
}

export class SteadyPods {
  private readonly sources: PodSource[];
  private readonly names: string[];
  /** series[pod][signal]: the values of every cycle so far. */
  private readonly series: number[][][];
  private readonly intervalMs: number;
  private readonly podsPerNode: number;
  private readonly startMs: number;
  private cycle = 0;

  constructor(options: SteadyPodsOptions) {
    this.intervalMs = options.intervalMs ?? 30_000;
    this.podsPerNode = options.podsPerNode ?? 5;
    this.startMs = options.startMs ?? Date.UTC(2026, 0, 25, 10);
    const seed = options.seed ?? 1;
    const random = seededRandom(seed);
    this.names = Array.from({ length: options.pods }, (_, i) => `steady-${i}`);
    this.sources = this.names.map((name) => podSource(options.model, `${seed}/${name}`, random));
    this.series = this.names.map(() => SIGNALS.map(() => []));
  }

  /** The next cycle's vectors, one per pod. */
  next(): CompleteFeatureVector[] {
    const atMs = this.startMs + this.cycle * this.intervalMs;
    const t = atMs / 1000;
    this.cycle++;
    const cpu = this.sources.map((s) => s.cpuCores(t));
    const memory = this.sources.map((s) => s.memoryBytes(t));
    return this.names.map((pod, i) => {
      const node = Math.floor(i / this.podsPerNode);
      const peers = range(node * this.podsPerNode, Math.min(cpu.length, (node + 1) * this.podsPerNode));
      const current = [
        (SYSTEM_CPU + sum(peers.map((j) => cpu[j] as number))) / NODE_CORES,
        (SYSTEM_MEMORY + sum(peers.map((j) => memory[j] as number))) / NODE_MEMORY,
        cpu[i] as number,
        (memory[i] as number) / POD_MEMORY_LIMIT,
        0,
      ];
      const values: number[] = [];
      current.forEach((v, s) => {
        const history = this.series[i]?.[s] as number[];
        history.push(v);
        values.push(...statistics(history, windowSamples(this.intervalMs)));
      });
      return { namespace: 'steady', pod, workload: `svc-${node}`, timestamp: new Date(atMs), values };
    });
  }
}

function podSource(model: SteadyModel, seedText: string, random: () => number): PodSource {
  if (model === 'gaussian') {
    const cpuLevel = 0.1 + 0.4 * random();
    const memoryLevel = (0.3 + 0.4 * random()) * POD_MEMORY_LIMIT;
    return {
      cpuCores: () => Math.max(0, cpuLevel * (1 + 0.1 * normal(random))),
      memoryBytes: () => memoryLevel * (1 + 0.02 * normal(random)),
    };
  }
  const shape: LoadShape = model === 'simulator-noisy' ? 'noisy' : 'steady';
  const load = new ContainerLoad(
    seedOf(seedText),
    { cpuLimit: 1, memoryLimit: POD_MEMORY_LIMIT },
    defaultParams(model === 'simulator-noisy' ? 'noisy' : 'healthy'),
    NODE_CORES,
  );
  return {
    cpuCores: (t) => load.cpuIntegral(shape, t - RATE_WINDOW_S, t) / RATE_WINDOW_S,
    memoryBytes: (t) => load.memory(shape, t, 0),
  };
}

/** The 9 statistics (STATISTICS order) of the newest point of `history`, one sample per cycle. */
function statistics(history: readonly number[], window: number): number[] {
  const n = history.length;
  const at = (back: number) => history[Math.max(0, n - 1 - back)] as number;
  const recent = history.slice(Math.max(0, n - 1 - window));
  const mean = sum(recent) / recent.length;
  const std = Math.sqrt(sum(recent.map((v) => (v - mean) ** 2)) / recent.length);
  const perMinute = Math.max(1, Math.round(window / 5));
  const value = at(0);
  const lag1 = at(perMinute);
  const row: Record<(typeof STATISTICS)[number], number> = {
    value,
    mean_5m: mean,
    std_5m: std,
    min_5m: Math.min(...recent),
    max_5m: Math.max(...recent),
    lag_1: lag1,
    lag_5: at(window),
    diff: value - lag1,
    pct_change: lag1 === 0 ? 0 : (value - lag1) / lag1,
  };
  return STATISTICS.map((s) => row[s]);
}

/** A standard normal draw (Box-Muller). */
function normal(random: () => number): number {
  const u = Math.max(random(), Number.MIN_VALUE);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}
