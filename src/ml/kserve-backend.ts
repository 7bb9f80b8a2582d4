/**
 * KServe v1 inference protocol: a whole cycle's vectors go as `instances` rows, in batches no larger than the
 * server accepts. Predictions are decoded with the configured encoding inside the response schema, so a value
 * that does not fit (or a count that does not match the rows sent) is an invalid response, counted by the
 * client and the breaker like any other bad answer. A reply naming another model than the one configured
 * (`model_name`, or `name` in readiness) is a contract violation: some servers ignore the name in the URL and
 * serve whatever they loaded, so a typo in the model name would otherwise pass unnoticed.
 */
import { z } from 'zod';
import { KServeModelStatusSchema, KServePredictResponseSchema } from './contract.js';
import type { CompleteFeatureVector } from './feature-vector.js';
import type { AnomalyOutcome, AnomalyVerdict, BackendReadiness, MlBackend } from './ml-backend.js';
import type { MlClient } from './ml-client.js';
import type { KServeConfig } from './ml-config.js';
import type { MlCallError } from './ml-failure.js';
import { decodePrediction } from './prediction-encoding.js';
import { proveByCanary } from './readiness-canary.js';
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
    let violation: MlCallError | undefined;
    // Sequential batches: the bulkhead protects the service from us, and one cycle rarely needs many calls.
    for (let start = 0; start < vectors.length; start += this.config.maxBatchSize) {
      const batch = vectors.slice(start, start + this.config.maxBatchSize);
      if (violation) {
        // The next batch would break the same contract (wrong model, wrong layout): not sent, same failure.
        for (const vector of batch) outcomes.push({ vector, error: violation });
        continue;
      }
      try {
        const verdicts = await this.client.request({
          endpoint: KSERVE_ENDPOINTS.predict,
          method: 'POST',
          path: `${this.modelPath}:predict`,
          body: { instances: batch.map((v) => v.values) },
          schema: this.responseSchema(batch.length),
          contract: (body) => this.otherModel(body, 'model_name'),
        });
        batch.forEach((vector, i) => {
          outcomes.push({ vector, verdict: verdicts[i] as AnomalyVerdict });
        });
      } catch (err) {
        const error = asCallError(err, KSERVE_ENDPOINTS.predict);
        if (error.kind === 'contract_violation') violation = error;
        for (const vector of batch) outcomes.push({ vector, error });
      }
    }
    return outcomes;
  }

  /** The model must say it is ready, under the configured name, and then score a canary vector. */
  async checkReady(): Promise<BackendReadiness> {
    const status = await this.client.request({
      endpoint: KSERVE_ENDPOINTS.ready,
      method: 'GET',
      path: this.modelPath,
      schema: KServeModelStatusSchema,
      contract: (body) => this.otherModel(body, 'name'),
    });
    if (!status.ready) return { ready: false, detail: `model ${status.name} is not ready` };
    return proveByCanary(this, `model ${status.name} says it is ready`);
  }

  /** Why `body` is not from the configured model (it names another), or undefined. No name is no evidence. */
  private otherModel(body: unknown, field: 'model_name' | 'name'): string | undefined {
    const named =
      typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
    const expected = this.config.anomalyModel;
    if (typeof named !== 'string' || named === expected) return undefined;
    return `${field} "${named}" in the reply is not the configured model "${expected}" (ML_KSERVE_ANOMALY_MODEL)`;
  }

  private responseSchema(rows: number): z.ZodType<AnomalyVerdict[]> {
    const options = this.config;
    return KServePredictResponseSchema.transform((res, ctx) => {
      const fail = (message: string, input: unknown, path: PropertyKey[]) => {
        ctx.issues.push({ code: 'custom', input, path, message });
        return z.NEVER;
      };
      if (res.predictions.length !== rows) {
        return fail(
          `expected ${rows} predictions (one per instance), got ${res.predictions.length}`,
          res.predictions,
          ['predictions'],
        );
      }
      // One model speaks one encoding: booleans beside numbers are not an answer to trust.
      const booleans = res.predictions.filter((p) => typeof p === 'boolean').length;
      if (booleans > 0 && booleans < rows) {
        return fail('predictions mix booleans and numbers', res.predictions, ['predictions']);
      }
      const verdicts: AnomalyVerdict[] = [];
      for (const [i, raw] of res.predictions.entries()) {
        const decoded = decodePrediction(raw, options);
        if (typeof decoded === 'string') return fail(decoded, raw, ['predictions', i]);
        verdicts.push({ ...decoded, recommendations: [] });
      }
      return verdicts;
    });
  }
}
