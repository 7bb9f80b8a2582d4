/** Both contracts' model endpoints: ADR-009 REST and KServe v1. Answers are computed from the input. */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { FEATURE_COUNT, FEATURE_NAMES } from '../../src/metrics/feature-catalogue.js';
import {
  AnomalyDetectRequestSchema,
  KServePredictRequestSchema,
  PatternRequestSchema,
  PredictionRequestSchema,
} from '../../src/ml/contract.js';
import { recommendationsFor, scoreFeatures, scoreRow } from './anomaly-scoring.js';
import { HttpError, readJson } from './http-io.js';
import { analyzePatterns } from './pattern-analysis.js';
import { predictIssues } from './trend-prediction.js';

export const MOCK_ENCODINGS = ['sklearn', 'boolean', 'score'] as const;
export type MockEncoding = (typeof MOCK_ENCODINGS)[number];

export interface ModelSettings {
  encoding: MockEncoding;
  /** Largest `instances` batch accepted; larger ones get a 500 like the reference Flask server. */
  maxBatchSize: number;
  models: string[];
  /**
   * Like the reference Flask server: ignore the model name in the URL (serve every path) and name this model in
   * replies (`model_name`, readiness `name`). Unset: only `models` are served, each under its own name.
   */
  modelName?: string | undefined;
  /** Like a server started without a trained model: readiness says ready, every inference is a 500. */
  untrained?: boolean | undefined;
}

/** sklearn's words for predicting with an estimator that was never fitted. */
export const NOT_FITTED_MESSAGE =
  "This IsolationForest instance is not fitted yet. Call 'fit' with appropriate arguments before using this estimator.";

export const ModelSettingsPatchSchema = z
  .object({
    encoding: z.enum(MOCK_ENCODINGS).optional(),
    maxBatchSize: z.number().int().min(1).optional(),
    models: z.array(z.string().min(1)).min(1).optional(),
    modelName: z.string().min(1).nullable().optional(),
    untrained: z.boolean().optional(),
  })
  .strict();

export interface RouteResult {
  status: number;
  body: unknown;
}

export async function anomalyDetect(
  req: IncomingMessage,
  settings: ModelSettings,
  onContext: (context: string) => void,
): Promise<RouteResult> {
  const body = await readJson(req, AnomalyDetectRequestSchema);
  onContext(`${body.context.namespace}/${body.context.resource}`);
  if (settings.untrained) return { status: 500, body: { error: NOT_FITTED_MESSAGE } };
  const values = new Map(body.metrics.map((m) => [m.name, m.value]));
  const missing = FEATURE_NAMES.find((name) => !values.has(name));
  if (missing !== undefined) {
    throw new HttpError(
      400,
      `metrics: missing feature "${missing}" (schema v1 needs all ${FEATURE_COUNT})`,
      'metrics',
    );
  }
  const score = scoreFeatures(values);
  return {
    status: 200,
    body: {
      anomaly_detected: score.anomaly,
      confidence: round(score.confidence),
      anomaly_score: round(score.score),
      recommendations: recommendationsFor(score),
    },
  };
}

export async function predictionPredict(req: IncomingMessage): Promise<RouteResult> {
  return { status: 200, body: predictIssues(await readJson(req, PredictionRequestSchema)) };
}

export async function patternAnalyze(req: IncomingMessage): Promise<RouteResult> {
  return { status: 200, body: analyzePatterns(await readJson(req, PatternRequestSchema)) };
}

export async function kservePredict(
  req: IncomingMessage,
  model: string,
  settings: ModelSettings,
  onBatch: (size: number) => void,
): Promise<RouteResult> {
  if (!serves(settings, model)) return { status: 404, body: { error: `model ${model} not found` } };
  const body = await readJson(req, KServePredictRequestSchema);
  onBatch(body.instances.length);
  if (settings.untrained) return { status: 500, body: { error: NOT_FITTED_MESSAGE } };
  if (body.instances.length > settings.maxBatchSize) {
    return {
      status: 500,
      body: {
        error: `batch of ${body.instances.length} instances exceeds the limit of ${settings.maxBatchSize}`,
      },
    };
  }
  const bad = body.instances.find((row) => row.length !== FEATURE_COUNT);
  if (bad) {
    // The sklearn wording, so clients can recognise a layout mismatch.
    return {
      status: 500,
      body: {
        error: `X has ${bad.length} features, but IsolationForest is expecting ${FEATURE_COUNT} features as input.`,
      },
    };
  }
  const predictions = body.instances.map((row) => {
    const score = scoreRow(row);
    if (settings.encoding === 'boolean') return score.anomaly;
    if (settings.encoding === 'score') return round(score.probability);
    return score.anomaly ? -1 : 1;
  });
  const name = settings.modelName ?? model;
  return { status: 200, body: { predictions, model_name: name, model_version: 'mock-1' } };
}

export function kserveModel(model: string, settings: ModelSettings): RouteResult {
  if (!serves(settings, model)) return { status: 404, body: { error: `model ${model} not found` } };
  // Ready even when untrained: what the reference server says, and why readiness needs a canary inference.
  return { status: 200, body: { name: settings.modelName ?? model, ready: true } };
}

export function kserveModels(settings: ModelSettings): RouteResult {
  const names = settings.modelName === undefined ? settings.models : [settings.modelName];
  return {
    status: 200,
    body: { models: names.map((name) => ({ name, ready: true, version: 'mock-1' })) },
  };
}

function serves(settings: ModelSettings, model: string): boolean {
  return settings.modelName !== undefined || settings.models.includes(model);
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
