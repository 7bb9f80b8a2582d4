/**
 * KServe v1 inference protocol: a whole cycle's vectors go as `instances` rows, in batches no larger than the
 * server accepts. Predictions are decoded with the configured encoding inside the response schema, so a value
 * that does not fit (or a count that does not match the rows sent) is an invalid response, counted by the
 * client and the breaker like any other bad answer.
 */
import { z } from 'zod';
import { KServeModelStatusSchema, KServePredictResponseSchema } from './contract.js';
import type { CompleteFeatureVector } from './feature-vector.js';
import type { AnomalyOutcome, AnomalyVerdict, BackendReadiness, MlBackend } from './ml-backend.js';
import type { MlClient } from './ml-client.js';
import type { KServeConfig } from './ml-config.js';
import { decodePrediction } from './prediction-encoding.js';
import { asCallError } from './rest-backend.js';

export const KSERVE_ENDPOINTS = { predict: 'kserve_predict', ready: 'kserve_model_ready' } as const;

export class KServeMlBackend implements MlBackend {
  readonly kind = 'kserve' as const;

  constructor(
    private readonly client: MlClient,
    private readonly config: KServeConfig,
  ) {}

  private get modelPath(): string {
    return `/v1/models/${encodeURIComponent(this.config.anomalyModel)}`;
  }

  async detectAnomalies(vectors: readonly CompleteFeatureVector[]): Promise<AnomalyOutcome[]> {
    const outcomes: AnomalyOutcome[] = [];
    // Sequential batches: the bulkhead protects the service from us, and one cycle rarely needs many calls.
    for (let start = 0; start < vectors.length; start += this.config.maxBatchSize) {
      const batch = vectors.slice(start, start + this.config.maxBatchSize);
      try {
        const verdicts = await this.client.request({
          endpoint: KSERVE_ENDPOINTS.predict,
          method: 'POST',
          path: `${this.modelPath}:predict`,
          body: { instances: batch.map((v) => v.values) },
          schema: this.responseSchema(batch.length),
        });
        batch.forEach((vector, i) => {
          outcomes.push({ vector, verdict: verdicts[i] as AnomalyVerdict });
        });
      } catch (err) {
        const error = asCallError(err, KSERVE_ENDPOINTS.predict);
        for (const vector of batch) outcomes.push({ vector, error });
      }
    }
    return outcomes;
  }

  async checkReady(): Promise<BackendReadiness> {
    const status = await this.client.request({
      endpoint: KSERVE_ENDPOINTS.ready,
      method: 'GET',
      path: this.modelPath,
      schema: KServeModelStatusSchema,
    });
    return {
      ready: status.ready,
      detail: `model ${status.name} is ${status.ready ? 'ready' : 'not ready'}`,
    };
  }

  private responseSchema(rows: number): z.ZodType<AnomalyVerdict[]> {
    const options = this.config;
    return KServePredictResponseSchema.transform((res, ctx) => {
      if (res.predictions.length !== rows) {
        ctx.issues.push({
          code: 'custom',
          input: res.predictions,
          path: ['predictions'],
          message: `expected ${rows} predictions (one per instance), got ${res.predictions.length}`,
        });
        return z.NEVER;
      }
      const verdicts: AnomalyVerdict[] = [];
      for (const [i, raw] of res.predictions.entries()) {
        const decoded = decodePrediction(raw, options);
        if (typeof decoded === 'string') {
          ctx.issues.push({ code: 'custom', input: raw, path: ['predictions', i], message: decoded });
          return z.NEVER;
        }
        verdicts.push({ ...decoded, recommendations: [] });
      }
      return verdicts;
    });
  }
}
