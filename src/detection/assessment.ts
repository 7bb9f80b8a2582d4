import type { FeatureRow } from '../metrics/feature-vector.js';
import type { DecisionSource } from '../ml/resilient-ml-service.js';
import type { TargetRef } from '../policy/target-selection.js';
import type { PredictionFinding } from './prediction.js';
import type { RuleFinding } from './rule-tracker.js';

export type AssessmentState = 'healthy' | 'anomalous' | 'insufficient_data';

/** What the ML layer said about one pod, with where the answer came from (model, local detector, cache). */
export interface MlFinding {
  source: DecisionSource;
  anomaly: boolean;
  confidence: number;
  note: string;
  /** How long the verdict has said "anomaly" at its threshold without interruption (ms). */
  heldForMs?: number;
  /** True once that has lasted `detection.ml.for`: only then does the ML verdict make the pod anomalous. */
  firing?: boolean;
  /** A shadow-mode verdict (spec.detection.ml.shadow): recorded and compared, never part of the pod's state. */
  shadow?: true;
}

export interface PodAssessment {
  namespace: string;
  pod: string;
  uid?: string;
  state: AssessmentState;
  /** Conditions that hold now; only `firing` ones make the pod anomalous. */
  rules: readonly RuleFinding[];
  ml?: MlFinding;
  /** A predicted issue due within the policy's horizon: the pod is at risk, so anomalous before the failure. */
  mlPrediction?: PredictionFinding;
  /** Feature names the vector lacked (insufficient data). */
  missing: readonly string[];
  /** The complete feature vector, in catalogue order, when the pod had one (kept compact; toNullable() for JSON). */
  values?: FeatureRow;
}

/**
 * How shadow ML and the rules compared on a target: agree (both anomalous or both not), mlOnly, rulesOnly, or
 * unjudged when either side had no verdict (the rules lacked data, or the model itself gave none).
 */
export const SHADOW_AGREEMENTS = ['agree', 'mlOnly', 'rulesOnly', 'unjudged'] as const;
export type ShadowAgreement = (typeof SHADOW_AGREEMENTS)[number];

export interface ShadowComparison {
  /** Anomalous by the rules (the target's state); null when the rules lacked data. */
  rulesSay: boolean | null;
  /** Anomalous by the model's own verdict, held for ml.for; null when the model gave no verdict for some pod. */
  mlSays: boolean | null;
  agreement: ShadowAgreement;
}

export type ShadowTally = Record<ShadowAgreement, number>;

export interface TargetAssessment {
  target: TargetRef;
  /** What remediation acts on. In shadow mode the rules alone set it; `shadow` never does. */
  state: AssessmentState;
  pods: PodAssessment[];
  /** Why the target is insufficient_data (insufficient-data.ts), for the policy's status. */
  insufficientReason?: string;
  /** Shadow mode only: the comparison, for the status and metrics. */
  shadow?: ShadowComparison;
}

export interface TargetsSummary {
  total: number;
  healthy: number;
  anomalous: number;
  insufficientData: number;
}

/** Why detection ran reduced this cycle; becomes the policy's Degraded condition. */
export interface DependencyProblem {
  dependency: 'prometheus' | 'mlService';
  reason: 'PrometheusUnavailable' | 'MLServiceUnavailable';
  message: string;
}

export interface PolicyAssessment {
  policy: string;
  evaluatedAtMs: number;
  targets: TargetAssessment[];
  summary: TargetsSummary;
  problems: DependencyProblem[];
  /** Server warnings on the metrics this cycle used (e.g. a Thanos partial response). */
  warnings: readonly string[];
  /** Shadow mode only: this cycle's targets counted by agreement. */
  shadow?: ShadowTally;
}

/**
 * A workload is anomalous when any of its pods is (with complete data); it has insufficient data when no pod
 * could be judged anomalous and some pod (or the workload itself, with no pods) lacks data; healthy otherwise.
 */
export function targetState(pods: readonly PodAssessment[]): AssessmentState {
  if (pods.some((p) => p.state === 'anomalous')) return 'anomalous';
  if (pods.length === 0 || pods.some((p) => p.state === 'insufficient_data')) return 'insufficient_data';
  return 'healthy';
}

export function summarize(targets: readonly TargetAssessment[]): TargetsSummary {
  const count = (state: AssessmentState) => targets.filter((t) => t.state === state).length;
  return {
    total: targets.length,
    healthy: count('healthy'),
    anomalous: count('anomalous'),
    insufficientData: count('insufficient_data'),
  };
}
