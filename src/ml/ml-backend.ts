import type { PatternRequest, PatternResponse, PredictionRequest, PredictionResponse } from './contract.js';
import type { CompleteFeatureVector } from './feature-vector.js';
import type { MlBackendKind } from './ml-config.js';
import type { MlCallError } from './ml-failure.js';

/** A model's answer for one vector, already decoded and range-checked. */
export interface AnomalyVerdict {
  anomaly: boolean;
  /** 0..1 */
  confidence: number;
  score: number;
  recommendations: string[];
}

/** One outcome per input vector, in input order: a verdict, or the failure of the call that carried it. */
export type AnomalyOutcome =
  | { vector: CompleteFeatureVector; verdict: AnomalyVerdict; error?: undefined }
  | { vector: CompleteFeatureVector; verdict?: undefined; error: MlCallError };

export interface BackendReadiness {
  ready: boolean;
  detail: string;
}

/**
 * What the engine needs from an ML service, whatever protocol it speaks. detectAnomalies never rejects:
 * failures are reported per vector so one bad batch does not cost the others their answers. The optional
 * methods are absent when the backend has no such model (KServe serves the anomaly model only); callers then
 * decide on rules.
 */
export interface MlBackend {
  readonly kind: MlBackendKind;
  detectAnomalies(vectors: readonly CompleteFeatureVector[]): Promise<AnomalyOutcome[]>;
  predictIssues?(request: PredictionRequest): Promise<PredictionResponse>;
  analyzePatterns?(request: PatternRequest): Promise<PatternResponse>;
  /** Rejects with an MlCallError when the service cannot be asked. */
  checkReady(): Promise<BackendReadiness>;
}
