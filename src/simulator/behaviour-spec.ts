import { parseQuantity, parseSeconds } from './quantity.js';

/**
 * Failures on demand, chosen with annotations as a user would with `kubectl annotate` on a Deployment,
 * StatefulSet or Pod (a pod's own annotation wins over its workload's).
 * Every number a behaviour uses has a default documented in docs/simulator.md and an annotation overriding it.
 */
export const ANNOTATION_PREFIX = 'sandbox.coordination-engine.io/';
export const BEHAVIOUR_ANNOTATION = `${ANNOTATION_PREFIX}behaviour`;
export const RECOVERS_AFTER_ANNOTATION = `${ANNOTATION_PREFIX}recovers-after`;

export const BEHAVIOURS = [
  'healthy',
  'crashloop',
  'memory-leak',
  'cpu-saturation',
  'noisy',
  'daily-peak',
  'bad-rollout',
] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

export const CURES = ['restart', 'rollout-restart', 'rollback', 'scale', 'never'] as const;
export type Cure = (typeof CURES)[number];

/** Behaviours that are trouble (something can cure them); the others are shapes of normal load. */
export function isTrouble(behaviour: Behaviour): boolean {
  return (
    behaviour === 'crashloop' ||
    behaviour === 'memory-leak' ||
    behaviour === 'cpu-saturation' ||
    behaviour === 'bad-rollout'
  );
}

export const DEFAULT_CURE: Record<Behaviour, Cure> = {
  healthy: 'never',
  noisy: 'never',
  'daily-peak': 'never',
  crashloop: 'restart',
  'memory-leak': 'never',
  'cpu-saturation': 'scale',
  'bad-rollout': 'rollback',
};

/** The numbers behind every behaviour; seconds and cores and bytes. */
export interface BehaviourParams {
  /** Container index (in spec.containers) that misbehaves; the others stay healthy. */
  container: string | undefined;
  /** crashloop / bad-rollout: seconds a run lasts before the process exits. */
  crashAfter: number;
  exitCode: number;
  /** memory-leak: bytes per second; default reaches the limit about two minutes after a start. */
  leakRate: number | undefined;
  /** Working set at rest as a fraction of the memory limit. */
  memoryBaseline: number;
  /** CPU at rest in cores; default 30 % of the CPU limit (0.1 core without a limit). */
  cpuBaseline: number | undefined;
  /** cpu-saturation: seconds after a start before the CPU pins at its limit. */
  onset: number;
  /** noisy: seconds between spikes, and a spike's height as a multiple of the baseline. */
  spikeEvery: number;
  spikeHeight: number;
  /** daily-peak: hour of the day (UTC) of the peak, and the peak as a multiple of the baseline. */
  peakHour: number;
  peakFactor: number;
  /**
   * daily-peak: seconds a burst lasts from peak-hour:00. Unset, the peak is a smooth wave around peak-hour whose top
   * never reaches twice the day's median CPU, so the engine's pattern history sees no peak in it.
   */
  peakWidth: number | undefined;
  /** Pod lifecycle: seconds Pending (image pull), seconds to Ready after a start, seconds to stop on delete. */
  startDelay: number;
  readyAfter: number;
  terminationSeconds: number;
}

export interface ResolvedBehaviour {
  behaviour: Behaviour;
  cure: Cure;
  params: BehaviourParams;
  /** Annotation values that were ignored, as `name: why` (the simulator reports them in an Event). */
  problems: string[];
}

type Annotations = Readonly<Record<string, string>>;

interface NumberParam {
  key: keyof BehaviourParams;
  annotation: string;
  parse: (text: string) => number | undefined;
  check: (n: number) => boolean;
  what: string;
}

const seconds = (t: string) => parseSeconds(t);
const fraction = (t: string) => {
  const n = t.trim() === '' ? Number.NaN : Number(t);
  return Number.isFinite(n) ? n : undefined;
};
/** Bounds that keep every timer within a day, so no value can stall or spin the simulator. */
const DAY = 86_400;
const NUMBER_PARAMS: NumberParam[] = [
  {
    key: 'crashAfter',
    annotation: 'crash-after',
    parse: seconds,
    check: (n) => n > 0 && n <= DAY,
    what: 'a duration > 0 and at most 24h (e.g. 10s)',
  },
  {
    key: 'exitCode',
    annotation: 'exit-code',
    parse: fraction,
    check: (n) => Number.isInteger(n) && n > 0 && n < 256,
    what: 'an integer 1-255',
  },
  {
    key: 'leakRate',
    annotation: 'leak-rate',
    parse: parseQuantity,
    check: (n) => n >= 1024,
    what: 'bytes per second, at least 1Ki (e.g. 2Mi)',
  },
  {
    key: 'memoryBaseline',
    annotation: 'memory-baseline',
    parse: fraction,
    check: (n) => n > 0 && n <= 0.9,
    what: 'a fraction of the limit above 0 and at most 0.9',
  },
  {
    key: 'cpuBaseline',
    annotation: 'cpu-baseline',
    parse: parseQuantity,
    check: (n) => n > 0,
    what: 'cores > 0 (e.g. 200m)',
  },
  {
    key: 'onset',
    annotation: 'onset',
    parse: seconds,
    check: (n) => n >= 0 && n <= DAY,
    what: 'a duration of at most 24h (e.g. 30s)',
  },
  {
    key: 'spikeEvery',
    annotation: 'spike-every',
    parse: seconds,
    check: (n) => n >= 30 && n <= DAY,
    what: 'a duration from 30s to 24h',
  },
  {
    key: 'spikeHeight',
    annotation: 'spike-height',
    parse: fraction,
    check: (n) => n > 1,
    what: 'a multiple of the baseline > 1',
  },
  {
    key: 'peakHour',
    annotation: 'peak-hour',
    parse: fraction,
    check: (n) => Number.isInteger(n) && n >= 0 && n < 24,
    what: 'an hour 0-23 (UTC)',
  },
  {
    key: 'peakFactor',
    annotation: 'peak-factor',
    parse: fraction,
    check: (n) => n > 1,
    what: 'a multiple of the baseline > 1',
  },
  {
    key: 'peakWidth',
    annotation: 'peak-width',
    parse: seconds,
    check: (n) => n >= 60 && n < DAY,
    what: 'a duration of at least 1m and under 24h (e.g. 90m)',
  },
  {
    key: 'startDelay',
    annotation: 'start-delay',
    parse: seconds,
    check: (n) => n >= 0 && n <= 3_600,
    what: 'a duration of at most 1h',
  },
  {
    key: 'readyAfter',
    annotation: 'ready-after',
    parse: seconds,
    check: (n) => n >= 0 && n <= 3_600,
    what: 'a duration of at most 1h',
  },
  {
    key: 'terminationSeconds',
    annotation: 'termination-seconds',
    parse: seconds,
    check: (n) => n >= 0 && n <= 3_600,
    what: 'a duration of at most 1h',
  },
];

export function defaultParams(behaviour: Behaviour): BehaviourParams {
  return {
    container: undefined,
    crashAfter: behaviour === 'bad-rollout' ? 2 : 10,
    exitCode: 1,
    leakRate: undefined,
    memoryBaseline: 0.4,
    cpuBaseline: undefined,
    onset: behaviour === 'cpu-saturation' ? 30 : 0,
    spikeEvery: 120,
    spikeHeight: 3,
    peakHour: 14,
    peakFactor: 3,
    peakWidth: undefined,
    startDelay: 1,
    readyAfter: behaviour === 'bad-rollout' ? 5 : 2,
    terminationSeconds: 1,
  };
}

/**
 * Resolves the behaviour from annotation layers, most specific first (pod, then its owners). Each setting is
 * taken from the first layer that has it; a value that does not parse is ignored and reported.
 */
export function resolveBehaviour(layers: readonly (Annotations | undefined)[]): ResolvedBehaviour {
  const problems: string[] = [];
  const lookup = (name: string): string | undefined => {
    for (const layer of layers) {
      const value = layer?.[`${ANNOTATION_PREFIX}${name}`];
      if (value !== undefined) return value;
    }
    return undefined;
  };
  let behaviour: Behaviour = 'healthy';
  const rawBehaviour = lookup('behaviour');
  if (rawBehaviour !== undefined) {
    if ((BEHAVIOURS as readonly string[]).includes(rawBehaviour)) behaviour = rawBehaviour as Behaviour;
    else problems.push(`${BEHAVIOUR_ANNOTATION}: "${rawBehaviour}" is not one of ${BEHAVIOURS.join(', ')}`);
  }
  let cure = DEFAULT_CURE[behaviour];
  const rawCure = lookup('recovers-after');
  if (rawCure !== undefined) {
    if ((CURES as readonly string[]).includes(rawCure)) cure = rawCure as Cure;
    else problems.push(`${RECOVERS_AFTER_ANNOTATION}: "${rawCure}" is not one of ${CURES.join(', ')}`);
  }
  const params = defaultParams(behaviour);
  for (const p of NUMBER_PARAMS) {
    const raw = lookup(p.annotation);
    if (raw === undefined) continue;
    const n = p.parse(raw);
    if (n === undefined || !p.check(n)) {
      problems.push(`${ANNOTATION_PREFIX}${p.annotation}: "${raw}" is not ${p.what}`);
      continue;
    }
    (params as unknown as Record<string, number>)[p.key] = n;
  }
  params.container = lookup('container');
  return { behaviour, cure, params, problems };
}
