/** The ADR-009 REST contract: one vector per anomaly call, plus the prediction and pattern endpoints. */

import { boundedMap } from './bounded-map.js';
import {
  AnomalyDetectResponseSchema,
  HealthResponseSchema,
  type PatternRequest,
  type PatternResponse,
  PatternResponseSchema,
  type PredictionRequest,
  type PredictionResponse,
  PredictionResponseSchema,
} from './contract.js';
import { type CompleteFeatureVector, toMetricPoints } from './feature-vector.js';
import type { AnomalyOutcome, BackendReadiness, MlBackend } from './ml-backend.js';
import type { MlClient } from './ml-client.js';
import { MlCallError } from './ml-failure.js';
import { proveByCanary } from './readiness-canary.js';

export const REST_ENDPOINTS = {
  anomaly: { label: 'anomaly_detect', path: '/api/v1/anomaly/detect' },
  prediction: { label: 'prediction_predict', path: '/api/v1/prediction/predict' },
  pattern: { label: 'pattern_analyze', path: '/api/v1/pattern/analyze' },
  health: { label: 'health', path: '/health' },
} as const;

export class RestMlBackend implements MlBackend {
  readonly kind = 'rest' as const;

  constructor(
    private readonly client: MlClient,
    private readonly concurrency: number,
  ) {}

  async detectAnomalies(vectors: readonly CompleteFeatureVector[]): Promise<AnomalyOutcome[]> {
    return boundedMap(vectors, this.concurrency, async (vector): Promise<AnomalyOutcome> => {
      try {
        const res = await this.client.request({
          endpoint: REST_ENDPOINTS.anomaly.label,
          method: 'POST',
          path: REST_ENDPOINTS.anomaly.path,
          body: {
            metrics: toMetricPoints(vector),
            context: { namespace: vector.namespace, resource: vector.workload ?? vector.pod },
          },
          schema: AnomalyDetectResponseSchema,
        });
        return {
          vector,
          verdict: {
            anomaly: res.anomaly_detected,
            confidence: res.confidence,
            score: res.anomaly_score,
            recommendations: res.recommendations ?? [],
          },
        };
      } catch (err) {
        return { vector, error: asCallError(err, REST_ENDPOINTS.anomaly.label) };
      }
    });
  }

  predictIssues(request: PredictionRequest): Promise<PredictionResponse> {
    return this.client.request({
      endpoint: REST_ENDPOINTS.prediction.label,
      method: 'POST',
      path: REST_ENDPOINTS.prediction.path,
      body: request,
      schema: PredictionResponseSchema,
    });
  }

  analyzePatterns(request: PatternRequest): Promise<PatternResponse> {
    return this.client.request({
      endpoint: REST_ENDPOINTS.pattern.label,
      method: 'POST',
      path: REST_ENDPOINTS.pattern.path,
      body: request,
      schema: PatternResponseSchema,
    });
  }

  async checkReady(): Promise<BackendReadiness> {
    const res = await this.client.request({
      endpoint: REST_ENDPOINTS.health.label,
      method: 'GET',
      path: REST_ENDPOINTS.health.path,
      schema: HealthResponseSchema,
    });
    if (res.status === 'unhealthy') return { ready: false, detail: 'ML service reports unhealthy' };
    // "healthy" is the server's word; an anomaly detection on a canary vector proves the model scores.
    return proveByCanary(this, `ML service reports ${res.status}`);
  }
}

export function asCallError(err: unknown, endpoint: string): MlCallError {
  if (err instanceof MlCallError) return err;
  return new MlCallError({
    kind: 'connection',
    endpoint,
    detail: err instanceof Error ? err.message : String(err),
  });
}
