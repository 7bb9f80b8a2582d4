/** The pure parts of the ML layer: configuration, prediction encodings, local detector, cache and health. */
import { describe, expect, it } from 'vitest';
import { LocalAnomalyDetector, robustZ } from '../src/ml/local-anomaly-detector.js';
import { mlConfigFromEnv, parseDuration } from '../src/ml/ml-config.js';
import { MlCallError } from '../src/ml/ml-failure.js';
import { MlHealthTracker, mlDegradedCondition } from '../src/ml/ml-health.js';
import { PredictionCache } from '../src/ml/prediction-cache.js';
import { decodePrediction } from '../src/ml/prediction-encoding.js';
import { FakeClock } from './support/fake-clock.js';
import { vectorFor } from './support/ml-fixtures.js';

describe('ML configuration', () => {
  it('defaults to the ADR-009 values', () => {
    const c = mlConfigFromEnv({}).client;
    expect([c.timeoutMs, c.breakerThreshold, c.breakerHalfOpenAfterMs]).toEqual([30_000, 3, 30_000]);
    expect([c.poolMaxTotalSockets, c.poolMaxIdlePerHost, c.poolIdleTimeoutMs]).toEqual([100, 10, 90_000]);
  });

  it('reads the ADR variables and the KServe settings', () => {
    const config = mlConfigFromEnv({
      ML_SERVICE_URL: 'http://ml.aiops.svc:8080/',
      ML_SERVICE_TIMEOUT: '2.5s',
      ML_CIRCUIT_BREAKER_THRESHOLD: '5',
      ML_CIRCUIT_BREAKER_TIMEOUT: '1m',
      ML_BACKEND: 'kserve',
      ML_KSERVE_ANOMALY_MODEL: 'isolation-forest',
      ML_KSERVE_ENCODING: 'score',
      ML_KSERVE_MAX_BATCH_SIZE: '10',
    });
    expect(config.client).toMatchObject({
      baseUrl: 'http://ml.aiops.svc:8080',
      timeoutMs: 2_500,
      breakerThreshold: 5,
      breakerHalfOpenAfterMs: 60_000,
    });
    expect(config.backend).toBe('kserve');
    expect(config.kserve).toMatchObject({
      anomalyModel: 'isolation-forest',
      encoding: 'score',
      maxBatchSize: 10,
    });
  });

  it.each([
    ['ML_SERVICE_TIMEOUT', '30', /ML_SERVICE_TIMEOUT: expected a duration/],
    ['ML_CIRCUIT_BREAKER_THRESHOLD', '0', /ML_CIRCUIT_BREAKER_THRESHOLD: expected an integer >= 1/],
    ['ML_CIRCUIT_BREAKER_THRESHOLD', '2.5', /ML_CIRCUIT_BREAKER_THRESHOLD: expected an integer/],
    ['ML_SERVICE_URL', 'ftp://x', /ML_SERVICE_URL: expected an http\(s\) URL/],
    ['ML_BACKEND', 'grpc', /ML_BACKEND: expected one of rest, kserve/],
    ['ML_KSERVE_ENCODING', 'probability', /ML_KSERVE_ENCODING: expected one of sklearn, boolean, score/],
    ['ML_LOCAL_MIN_SAMPLES', '31', /ML_LOCAL_MIN_SAMPLES \(31\) exceeds ML_LOCAL_WINDOW \(30\)/],
  ])('rejects %s=%s naming the variable', (name, value, message) => {
    expect(() => mlConfigFromEnv({ [name]: value })).toThrow(message);
  });

  it('parses durations with units', () => {
    expect(parseDuration('X', '500ms')).toBe(500);
    expect(parseDuration('X', '90s')).toBe(90_000);
    expect(parseDuration('X', '2h')).toBe(7_200_000);
  });
});

describe('prediction encodings', () => {
  const base = { scoreThreshold: 0.5, labelConfidence: 0.8 };
  it('reads sklearn labels, booleans and scores', () => {
    expect(decodePrediction(-1, { ...base, encoding: 'sklearn' })).toMatchObject({ anomaly: true });
    expect(decodePrediction(1, { ...base, encoding: 'sklearn' })).toMatchObject({ anomaly: false });
    expect(decodePrediction(true, { ...base, encoding: 'boolean' })).toMatchObject({
      anomaly: true,
      confidence: 0.8,
    });
    expect(decodePrediction(0.9, { ...base, encoding: 'score' })).toEqual({
      anomaly: true,
      confidence: 0.9,
      score: 0.9,
    });
    expect(decodePrediction(0.2, { ...base, encoding: 'score' })).toEqual({
      anomaly: false,
      confidence: 0.8,
      score: 0.2,
    });
  });
  it('refuses numbers that do not fit, instead of guessing', () => {
    expect(decodePrediction(0, { ...base, encoding: 'sklearn' })).toMatch(/sklearn label/);
    expect(decodePrediction(1, { ...base, encoding: 'boolean' })).toMatch(/boolean/);
    expect(decodePrediction(Number.NaN, { ...base, encoding: 'score' })).toMatch(/finite score/);
  });
  it.each(['sklearn', 'boolean', 'score'] as const)('reads booleans under the %s encoding', (encoding) => {
    // A boolean is unambiguous: the reference Flask server's answers work whatever the setting.
    expect(decodePrediction(true, { ...base, encoding })).toEqual({
      anomaly: true,
      confidence: 0.8,
      score: 1,
    });
    expect(decodePrediction(false, { ...base, encoding })).toEqual({
      anomaly: false,
      confidence: 0.8,
      score: 0,
    });
  });
});

describe('local anomaly detector', () => {
  const options = { windowSize: 10, minSamples: 5, zThreshold: 3.5, maxConfidence: 0.6 };
  const at = (m: number) => new Date(Date.UTC(2026, 0, 25, 10, m));

  it('computes robust z-scores that ignore the outliers they look for', () => {
    expect(robustZ(10, [1, 2, 3, 4, 5])).toBeCloseTo(7 / 1.4826, 6);
    // A past spike in the history does not inflate the scale the way a standard deviation would.
    const history = [1, 2, 3, 4, 5, 100];
    const mean = history.reduce((a, b) => a + b, 0) / history.length;
    const sd = Math.sqrt(history.reduce((a, b) => a + (b - mean) ** 2, 0) / history.length);
    expect(Math.abs(10 - mean) / sd).toBeLessThan(0.5);
    expect(robustZ(10, history)).toBeCloseTo(6.5 / (1.4826 * 1.5), 6);
    expect(robustZ(0.5, [0.5, 0.5, 0.5])).toBe(0);
  });

  it('has no opinion until it has enough history, then flags a spike with capped confidence', () => {
    const detector = new LocalAnomalyDetector(options, new FakeClock(0));
    const history = [0.5, 0.52, 0.49, 0.51, 0.5];
    history.forEach((level, m) => {
      const vector = vectorFor('web-1', { workload: 'web', levels: { pod_memory_usage: level }, at: at(m) });
      expect(detector.assess(vector)).toBeUndefined();
      detector.observe(vector);
    });
    const calm = detector.assess(
      vectorFor('web-1', { workload: 'web', levels: { pod_memory_usage: 0.51 }, at: at(5) }),
    );
    expect(calm).toMatchObject({ anomaly: false, confidence: 0.3, samples: 5 });
    const spike = detector.assess(
      vectorFor('web-1', { workload: 'web', now: { pod_memory_usage: 0.95 }, at: at(5) }),
    );
    expect(spike).toMatchObject({ anomaly: true, feature: 'pod_memory_usage.value', confidence: 0.6 });
    expect(spike?.score).toBeGreaterThan(3.5);
  });

  it('keeps each replica of a workload on its own history', () => {
    const detector = new LocalAnomalyDetector(options, new FakeClock(0));
    const replica = (pod: string, level: number, m: number) =>
      vectorFor(pod, { workload: 'web', levels: { pod_memory_usage: level + 0.01 * (m % 2) }, at: at(m) });
    for (let m = 0; m < 5; m++) {
      detector.observe(replica('web-a', 0.5, m));
      detector.observe(replica('web-b', 0.8, m));
    }
    expect(detector.size).toBe(2);
    expect(
      detector.assess(vectorFor('web-b', { workload: 'web', levels: { pod_memory_usage: 0.8 }, at: at(5) })),
    ).toMatchObject({
      anomaly: false,
      samples: 5,
    });
    expect(
      detector.assess(vectorFor('web-a', { workload: 'web', now: { pod_memory_usage: 0.8 }, at: at(5) }))
        ?.anomaly,
    ).toBe(true);
  });

  it('keeps a bounded window per pod and forgets idle pods', () => {
    const clock = new FakeClock(0);
    const detector = new LocalAnomalyDetector(
      { ...options, windowSize: 3, minSamples: 3, maxIdleMs: 1_000 },
      clock,
    );
    for (let m = 0; m < 6; m++) detector.observe(vectorFor('a', { at: at(m) }));
    expect(detector.assess(vectorFor('a', { at: at(9) }))?.samples).toBe(3);
    clock.advance(2_000);
    detector.observe(vectorFor('b', { at: at(10) }));
    expect(detector.size).toBe(1);
    expect(detector.assess(vectorFor('a', { at: at(11) }))).toBeUndefined();
  });

  it('evicts by when a pod was last observed, not by when it was first seen', () => {
    const clock = new FakeClock(0);
    const detector = new LocalAnomalyDetector({ ...options, maxIdleMs: 1_000 }, clock);
    detector.observe(vectorFor('a', { at: at(0) }));
    detector.observe(vectorFor('b', { at: at(0) }));
    clock.advance(600);
    detector.observe(vectorFor('a', { at: at(1) }));
    clock.advance(600);
    detector.observe(vectorFor('c', { at: at(2) }));
    // b was last seen 1,200 ms ago, a 600 ms ago: only b goes, although a was the first ever observed.
    expect(detector.size).toBe(2);
    expect(detector.assess(vectorFor('b', { at: at(3) }))).toBeUndefined();
    clock.advance(600);
    detector.observe(vectorFor('c', { at: at(3) }));
    expect(detector.size).toBe(1);
  });
});

describe('prediction cache', () => {
  it('serves entries until the TTL and evicts the oldest beyond the cap', () => {
    const clock = new FakeClock(1_000);
    const cache = new PredictionCache<string>(5_000, 2, clock);
    cache.set('a', 'A');
    clock.advance(4_000);
    expect(cache.get('a')).toEqual({ value: 'A', storedAt: 1_000, ageMs: 4_000 });
    clock.advance(1_001);
    expect(cache.get('a')).toBeUndefined();
    cache.set('b', 'B');
    cache.set('c', 'C');
    cache.set('d', 'D');
    expect([cache.get('b'), cache.get('c')?.value, cache.get('d')?.value]).toEqual([undefined, 'C', 'D']);
  });
});

describe('ML health', () => {
  it('goes degraded on failure or a non-closed breaker and back to ok on success, tracking since', () => {
    const clock = new FakeClock(Date.parse('2026-01-25T10:00:00Z'));
    const health = new MlHealthTracker(clock);
    const changes: string[] = [];
    health.onChange((s) => changes.push(s.status));
    clock.advance(1_000);
    health.recordFailure(new MlCallError({ kind: 'timeout', endpoint: 'anomaly_detect' }));
    expect(health.snapshot()).toMatchObject({ status: 'degraded', since: '2026-01-25T10:00:01.000Z' });
    health.setBreaker('open');
    clock.advance(1_000);
    health.recordFailure(new MlCallError({ kind: 'circuit_open', endpoint: 'anomaly_detect' }));
    expect(health.snapshot().lastError?.kind).toBe('timeout');
    health.recordSuccess();
    expect(health.snapshot().status).toBe('degraded'); // the breaker is still open
    health.setBreaker('closed');
    expect(health.snapshot()).toMatchObject({
      status: 'ok',
      breaker: 'closed',
      since: '2026-01-25T10:00:02.000Z',
    });
    expect(changes).toEqual(['degraded', 'ok']);
    expect(mlDegradedCondition(health.snapshot()).reason).toBe('MLServiceAvailable');
  });
});
