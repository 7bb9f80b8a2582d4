/**
 * ML integration settings. Defaults follow ADR-009 (30 s timeout, breaker after 3 failures, 30 s before a
 * half-open trial, 100 idle connections / 10 per host / 90 s idle timeout). Every setting has an environment
 * variable; a bad value raises an error naming the variable.
 */
import { PREDICTION_ENCODINGS, type PredictionEncoding } from './prediction-encoding.js';

export const ML_BACKENDS = ['rest', 'kserve'] as const;
export type MlBackendKind = (typeof ML_BACKENDS)[number];

export interface MlClientConfig {
  baseUrl: string;
  timeoutMs: number;
  breakerThreshold: number;
  breakerHalfOpenAfterMs: number;
  retryMaxAttempts: number;
  retryInitialDelayMs: number;
  retryMaxDelayMs: number;
  bulkheadConcurrency: number;
  bulkheadQueue: number;
  /** Per-host cap on open sockets. */
  poolMaxSocketsPerHost: number;
  /** Cap on open sockets over all hosts (ADR: MaxIdleConns 100). */
  poolMaxTotalSockets: number;
  /** Idle keep-alive sockets kept per host (ADR: MaxIdleConnsPerHost 10). */
  poolMaxIdlePerHost: number;
  /** Idle keep-alive sockets are closed after this long (ADR: IdleConnTimeout 90 s). */
  poolIdleTimeoutMs: number;
}

export interface KServeConfig {
  anomalyModel: string;
  encoding: PredictionEncoding;
  /** For the `score` encoding: a score at or above this is an anomaly. */
  scoreThreshold: number;
  maxBatchSize: number;
  /** Confidence reported for label encodings (sklearn, boolean), which carry none of their own. */
  labelConfidence: number;
}

export interface DegradationConfig {
  cacheTtlMs: number;
  cacheMaxEntries: number;
  localWindowSize: number;
  localMinSamples: number;
  localZThreshold: number;
  localMaxConfidence: number;
}

export interface MlConfig {
  backend: MlBackendKind;
  client: MlClientConfig;
  kserve: KServeConfig;
  /** How many single-vector REST anomaly calls run at once (the bulkhead still caps the total). */
  restConcurrency: number;
  degradation: DegradationConfig;
}

export const DEFAULT_ML_CONFIG: MlConfig = {
  backend: 'rest',
  client: {
    baseUrl: 'http://aiops-ml-service:8080',
    timeoutMs: 30_000,
    breakerThreshold: 3,
    breakerHalfOpenAfterMs: 30_000,
    retryMaxAttempts: 3,
    retryInitialDelayMs: 200,
    retryMaxDelayMs: 5_000,
    bulkheadConcurrency: 10,
    bulkheadQueue: 100,
    poolMaxSocketsPerHost: 10,
    poolMaxTotalSockets: 100,
    poolMaxIdlePerHost: 10,
    poolIdleTimeoutMs: 90_000,
  },
  kserve: {
    anomalyModel: 'anomaly-detector',
    encoding: 'sklearn',
    scoreThreshold: 0.5,
    maxBatchSize: 10,
    labelConfidence: 0.8,
  },
  restConcurrency: 4,
  degradation: {
    cacheTtlMs: 300_000,
    cacheMaxEntries: 10_000,
    localWindowSize: 30,
    // Measured on steady pods (npm run bench:local-detector, docs/ml-service.md): with 5 samples 20-31 % of the
    // verdicts were false anomalies; from about 20 the rate is at its floor. One sample per new feature instant.
    localMinSamples: 20,
    localZThreshold: 3.5,
    localMaxConfidence: 0.6,
  },
};

/** "30s", "500ms", "2m", "1h". A bare number is rejected: the unit is where mistakes hide. */
export function parseDuration(variable: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new Error(`${variable}: expected a duration such as "30s" or "500ms", got "${text}"`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}

function parseNumber(variable: string, text: string, min: number, max = Number.POSITIVE_INFINITY): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `in ${min}..${max}`;
    throw new Error(`${variable}: expected a number ${range}, got "${text}"`);
  }
  return n;
}

function parseInteger(variable: string, text: string, min: number): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min) {
    throw new Error(`${variable}: expected an integer >= ${min}, got "${text}"`);
  }
  return n;
}

function parseChoice<T extends string>(variable: string, text: string, choices: readonly T[]): T {
  const found = choices.find((c) => c === text);
  if (found === undefined)
    throw new Error(`${variable}: expected one of ${choices.join(', ')}, got "${text}"`);
  return found;
}

function parseUrl(variable: string, text: string): string {
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new Error(`${variable}: expected an http(s) URL, got "${text}"`);
  }
  return text.replace(/\/+$/, '');
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the ML settings from the environment on top of the defaults (or of `base`). */
export function mlConfigFromEnv(env: Env, base: MlConfig = DEFAULT_ML_CONFIG): MlConfig {
  const read = <T>(name: string, parse: (name: string, text: string) => T, fallback: T): T => {
    const text = env[name];
    return text === undefined || text === '' ? fallback : parse(name, text);
  };
  const int = (min: number) => (name: string, text: string) => parseInteger(name, text, min);
  const c = base.client;
  const k = base.kserve;
  const d = base.degradation;
  const config: MlConfig = {
    backend: read('ML_BACKEND', (n, t) => parseChoice(n, t, ML_BACKENDS), base.backend),
    client: {
      baseUrl: read('ML_SERVICE_URL', parseUrl, c.baseUrl),
      timeoutMs: read('ML_SERVICE_TIMEOUT', parseDuration, c.timeoutMs),
      breakerThreshold: read('ML_CIRCUIT_BREAKER_THRESHOLD', int(1), c.breakerThreshold),
      breakerHalfOpenAfterMs: read('ML_CIRCUIT_BREAKER_TIMEOUT', parseDuration, c.breakerHalfOpenAfterMs),
      retryMaxAttempts: read('ML_RETRY_MAX_ATTEMPTS', int(1), c.retryMaxAttempts),
      retryInitialDelayMs: read('ML_RETRY_INITIAL_DELAY', parseDuration, c.retryInitialDelayMs),
      retryMaxDelayMs: read('ML_RETRY_MAX_DELAY', parseDuration, c.retryMaxDelayMs),
      bulkheadConcurrency: read('ML_BULKHEAD_CONCURRENCY', int(1), c.bulkheadConcurrency),
      bulkheadQueue: read('ML_BULKHEAD_QUEUE', int(0), c.bulkheadQueue),
      poolMaxSocketsPerHost: read('ML_POOL_MAX_CONNS_PER_HOST', int(1), c.poolMaxSocketsPerHost),
      poolMaxTotalSockets: read('ML_POOL_MAX_CONNS', int(1), c.poolMaxTotalSockets),
      poolMaxIdlePerHost: read('ML_POOL_MAX_IDLE_CONNS_PER_HOST', int(0), c.poolMaxIdlePerHost),
      poolIdleTimeoutMs: read('ML_POOL_IDLE_TIMEOUT', parseDuration, c.poolIdleTimeoutMs),
    },
    kserve: {
      anomalyModel: read('ML_KSERVE_ANOMALY_MODEL', (_n, t) => t, k.anomalyModel),
      encoding: read('ML_KSERVE_ENCODING', (n, t) => parseChoice(n, t, PREDICTION_ENCODINGS), k.encoding),
      scoreThreshold: read(
        'ML_KSERVE_SCORE_THRESHOLD',
        (n, t) => parseNumber(n, t, -1e9, 1e9),
        k.scoreThreshold,
      ),
      maxBatchSize: read('ML_KSERVE_MAX_BATCH_SIZE', int(1), k.maxBatchSize),
      labelConfidence: read(
        'ML_KSERVE_LABEL_CONFIDENCE',
        (n, t) => parseNumber(n, t, 0, 1),
        k.labelConfidence,
      ),
    },
    restConcurrency: read('ML_REST_CONCURRENCY', int(1), base.restConcurrency),
    degradation: {
      cacheTtlMs: read('ML_CACHE_TTL', parseDuration, d.cacheTtlMs),
      cacheMaxEntries: read('ML_CACHE_MAX_ENTRIES', int(1), d.cacheMaxEntries),
      localWindowSize: read('ML_LOCAL_WINDOW', int(3), d.localWindowSize),
      localMinSamples: read('ML_LOCAL_MIN_SAMPLES', int(2), d.localMinSamples),
      localZThreshold: read('ML_LOCAL_Z_THRESHOLD', (n, t) => parseNumber(n, t, 0.5), d.localZThreshold),
      localMaxConfidence: read(
        'ML_LOCAL_MAX_CONFIDENCE',
        (n, t) => parseNumber(n, t, 0, 1),
        d.localMaxConfidence,
      ),
    },
  };
  const { localMinSamples, localWindowSize } = config.degradation;
  if (localMinSamples > localWindowSize) {
    throw new Error(
      `ML_LOCAL_MIN_SAMPLES (${localMinSamples}) exceeds ML_LOCAL_WINDOW (${localWindowSize}): the local detector would never judge`,
    );
  }
  return config;
}
