/**
 * Prediction over real HTTP: the request detection builds from a pod's vector (detection/prediction.ts) gets a
 * pod_oom from the mock ML service, and a pod's answer is reused within the window instead of asked again.
 */
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  atRisk,
  durationSeconds,
  PREDICTION_REUSE_MS,
  predictionRequest,
} from '../src/detection/prediction.js';
import { DEFAULT_ML_CONFIG } from '../src/ml/ml-config.js';
import { createMlService, type MlServiceHandle } from '../src/ml/ml-service-factory.js';
import { policySpecSchema } from '../src/policy/spec-schema.js';
import { vector } from './detection/vectors.js';
import { FakeClock } from './support/fake-clock.js';
import { testClientConfig } from './support/ml-fixtures.js';
import { useMockMlServer } from './support/mock-ml.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const PREDICT = '/api/v1/prediction/predict';
const mock = useMockMlServer();
let clock: FakeClock;
let ml: MlServiceHandle;

beforeEach(() => {
  clock = new FakeClock(T0);
  ml = createMlService(
    { ...DEFAULT_ML_CONFIG, client: testClientConfig(mock().url, { breakerThreshold: 2 }) },
    { registry: new Registry(), clock },
  );
});
afterEach(() => ml.close());

/** Memory from 60% to 85% of the limit in 5 minutes: at that pace the limit is about 3 minutes away. */
const leaky = vector('leaky', {
  'pod_memory_usage.value': 0.85,
  'pod_memory_usage.lag_1': 0.8,
  'pod_memory_usage.lag_5': 0.6,
  'pod_memory_usage.diff': 0.05,
});
const served = () => mock().counts().byPath[PREDICT] ?? 0;

describe('prediction against the mock ML service', () => {
  it('predicts pod_oom within the default horizon from the vector-built series', async () => {
    const decision = await ml.service.predictIssues('pod/shop/leaky', predictionRequest(leaky, T0));
    expect(decision.source).toBe('ml');
    const oom = decision.predictedIssues.find((i) => i.issue === 'pod_oom');
    expect(durationSeconds(oom?.time_to_occurrence ?? '')).toBeLessThan(30 * 60);
    const spec = policySpecSchema.parse({
      detection: { mode: 'ML', ml: { endpoints: ['prediction'], minConfidence: 0.5 } },
    });
    expect(atRisk(spec, decision)?.issue).toBe('pod_oom');
  });

  it('reuses a pod answer within the window without a call, and asks again after it', async () => {
    const request = predictionRequest(leaky, T0);
    const options = { reuseWithinMs: PREDICTION_REUSE_MS };
    const first = await ml.service.predictIssues('pod/shop/leaky', request, options);
    expect(served()).toBe(1);
    clock.advance(PREDICTION_REUSE_MS - 1000);
    const reused = await ml.service.predictIssues('pod/shop/leaky', request, options);
    expect(served()).toBe(1);
    expect(reused).toMatchObject({ source: 'ml', predictedIssues: first.predictedIssues });
    expect(reused.cachedAt?.getTime()).toBe(T0);
    // Another pod is its own entry.
    await ml.service.predictIssues('pod/shop/other', request, options);
    expect(served()).toBe(2);
    clock.advance(2000);
    await ml.service.predictIssues('pod/shop/leaky', request, options);
    expect(served()).toBe(3);
  });
});
