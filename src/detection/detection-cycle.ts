import type { FeatureCycle, PodFeatureVector } from '../metrics/feature-vector.js';
import {
  DEFAULT_QUERY_OFFSET_MS,
  type FeatureSelection,
  type PodRef,
} from '../metrics/feature-vector-builder.js';
import { type FeatureVector, mlVectorOf } from '../ml/feature-vector.js';
import { describeMlProblem, type MlHealthSnapshot } from '../ml/ml-health.js';
import type { AnomalyDecision, PredictionDecision } from '../ml/resilient-ml-service.js';
import { parseDuration } from '../policy/duration.js';
import type { PolicySpec, Rule } from '../policy/spec-schema.js';
import type { TargetRef } from '../policy/target-selection.js';
import { withinDeadline } from '../time/within-deadline.js';
import { yieldToEventLoop } from '../time/yield-to-event-loop.js';
import {
  type DependencyProblem,
  type PodAssessment,
  type PolicyAssessment,
  summarize,
  type TargetAssessment,
  targetState,
} from './assessment.js';
import { CyclePods } from './cycle-pods.js';
import { insufficientDataReason } from './insufficient-data.js';
import { handleOf, podKey, type VectorLookup, vectorsByKey } from './pod-handle.js';
import { podVerdict } from './pod-verdict.js';
import {
  atRisk,
  type IssuePredictor,
  isPredictionCandidate,
  predictCandidates,
  usesPrediction,
} from './prediction.js';
import { judgedWithoutMetrics, type RuleTracker, trackedPodKey } from './rule-tracker.js';
import { compareShadow, shadowFinding, tallyShadow } from './shadow.js';
import type { PodStatusSignals } from './status-signals.js';

/** Where vectors come from: FeatureVectorBuilder in the engine. */
export interface FeatureSource {
  build(selection: FeatureSelection, atMs: number): Promise<FeatureCycle>;
}

/** The ML side as detection needs it: ResilientMlService in the engine (predictIssues: policies predicting). */
export interface AnomalyAssessor extends Partial<IssuePredictor> {
  assessAnomalies(vectors: readonly FeatureVector[]): Promise<AnomalyDecision[]>;
  snapshot(): MlHealthSnapshot;
}

/** A pod to judge: where its metrics are, and what its status says (status-signal rules read that). */
export type TargetPod = PodRef & { signals?: PodStatusSignals };

export interface PolicyTargets {
  /** The policy's key: `namespace/name`, or `name` for a ClusterRemediationPolicy. */
  key: string;
  spec: PolicySpec;
  targets: ReadonlyArray<{ target: TargetRef; pods: readonly TargetPod[] }>;
}

/** Below 1/4 of a cycle's pods, a policy's assessments copy their rows out of the cycle's block. */
const SMALL_SHARE_FACTOR = 4;
// Shared by every pod they describe (frozen: nobody may add to them).
const NOTHING_MISSING: readonly string[] = Object.freeze([]);
const NO_VECTOR: readonly string[] = Object.freeze(['*']);
/** Pods assessed between two yields to the event loop (~5 ms), counted across targets and policies. */
const POD_SLICE = 500;

/** Whether the policy asks the ML service at all: to decide (ML, Hybrid) or to be compared (shadow). */
const wantsMl = (spec: PolicySpec) => spec.detection.mode !== 'Rules' || spec.detection.ml.shadow;

/**
 * One detection cycle for every due policy at once: one batched feature build for the union of their pods
 * (a fixed number of PromQL queries however many policies and pods), one ML call for the complete vectors of
 * ML-guided policies, then a verdict per pod and workload. Nothing here acts; it only assesses.
 */
export class DetectionCycle {
  constructor(
    private readonly deps: {
      features: FeatureSource;
      ml?: AnomalyAssessor;
      /** The protocol and model the engine's ML client speaks; a policy asking for another cannot use ML. */
      mlTarget?: { backend: 'rest' | 'kserve'; model: string };
      /**
       * How long a cycle waits for the ML answers. Past it, ML-guided policies are judged by their rules for
       * this cycle (the call goes on and fills the caches), so one slow service cannot stall detection.
       */
      mlDeadlineMs?: number;
      /**
       * How far behind the cycle's time its features are read (DEFAULT_QUERY_OFFSET_MS; PROMETHEUS_QUERY_OFFSET in
       * the engine), so the newest scrape is complete. Every cycle reads its own instant: never one a step old.
       */
      queryOffsetMs?: number;
      rules: RuleTracker;
    },
  ) {}

  /** The union of the due policies' pods, made again only when they change. */
  private readonly cyclePods = new CyclePods();

  /** Why this policy cannot use the engine's ML service, or undefined when it can. */
  private mlMismatch(spec: PolicySpec): string | undefined {
    const target = this.deps.mlTarget;
    const ml = spec.detection.ml;
    if (!target || !wantsMl(spec)) return undefined;
    if (ml.backend !== target.backend) {
      return `the policy asks for the ${ml.backend} ML backend but the engine is configured for ${target.backend} (ML_BACKEND); detecting with rules only`;
    }
    if (ml.backend === 'kserve' && ml.model !== undefined && ml.model !== target.model) {
      return `the policy asks for KServe model "${ml.model}" but the engine scores with "${target.model}" (ML_KSERVE_ANOMALY_MODEL); detecting with rules only`;
    }
    return undefined;
  }

  async run(policies: readonly PolicyTargets[], nowMs: number): Promise<Map<string, PolicyAssessment>> {
    const asked = this.cyclePods.of(policies);
    const { workloadOf } = asked;
    const results = new Map<string, PolicyAssessment>();
    if (policies.length === 0) return results;

    const dataAtMs = nowMs - (this.deps.queryOffsetMs ?? DEFAULT_QUERY_OFFSET_MS);
    const cycle: FeatureCycle =
      asked.list.length === 0
        ? {
            status: 'ok',
            schemaVersion: 'v1',
            evaluatedAtMs: dataAtMs,
            vectors: [],
            queries: 0,
            warnings: [],
          }
        : await this.deps.features.build({ namespaces: [], pods: asked.list }, dataAtMs);
    // Without metrics, status-signal rules can still be judged from the informer cache (no PromQL needed);
    // every other rule and the ML verdict lack their data: those pods are insufficient_data.
    const unavailable: DependencyProblem | undefined =
      cycle.status === 'unavailable'
        ? {
            dependency: 'prometheus',
            reason: 'PrometheusUnavailable',
            message: `metrics unavailable (${cycle.reason}): ${cycle.message}; judging status-signal rules only`,
          }
        : undefined;
    const vectors: VectorLookup =
      cycle.status === 'unavailable' ? new Map() : vectorsByKey(cycle.vectors, asked);
    const [{ decisions, late }, predicted] = await Promise.all([
      this.assessWithMl(policies, vectors, workloadOf, cycle.evaluatedAtMs),
      this.predict(policies, vectors, cycle.evaluatedAtMs),
    ]);
    const mlSnapshot = this.deps.ml?.snapshot();
    // An outage means no at-risk verdicts at all, even from an answer reused from before it.
    const predictionsUsable = mlSnapshot?.status === 'ok' && predicted.late === undefined;
    // The assessments start in a task of their own (an answer out of order was indexed just now, in this one).
    if (vectors.size > POD_SLICE) await yieldToEventLoop();
    let podsSinceYield = 0;
    for (const policy of policies) {
      const mismatch = this.mlMismatch(policy.spec);
      const usesMl = policy.spec.detection.mode !== 'Rules' && mismatch === undefined;
      // Shadow mode (Rules only, validate.ts): the model is judged and compared, never part of the verdict.
      const shadow = policy.spec.detection.ml.shadow && mismatch === undefined;
      const predicting = usesPrediction(policy.spec) && mismatch === undefined;
      let predictionMissed: string | undefined;
      const evaluated = new Set<string>();
      // Rule clocks (`for`, keepFiringFor, gaps) and status signals (NotReadySeconds) run on the cycle's real time,
      // not on the metrics' instant (the query offset and sub-second rounding behind it): a `for` is then measured
      // between evaluations as they happened, and NotReadySeconds as of now.
      const continuity = { intervalMs: parseDuration(policy.spec.evaluationInterval), atMs: nowMs };
      let statusRules: Rule[] | undefined;
      const smallShare =
        policy.targets.reduce((n, t) => n + t.pods.length, 0) * SMALL_SHARE_FACTOR < vectors.size;
      const assessTarget = ({
        target,
        pods: targetPods,
      }: PolicyTargets['targets'][number]): TargetAssessment => {
        const assessed = targetPods.map((pod): PodAssessment => {
          const { key, identity } = handleOf(pod);
          const vector = vectors.get(key);
          if (vector?.state !== 'complete') {
            // Without metrics only the status-signal rules can be judged; one of them firing is evidence enough
            // (the pod's own status says so). Anything else about this pod is unknown: insufficient data.
            statusRules ??= policy.spec.detection.rules.filter(judgedWithoutMetrics);
            // A policy whose every rule reads the pod's status needs no metrics: its verdict is complete.
            const statusOnly =
              policy.spec.detection.mode === 'Rules' &&
              statusRules.length === policy.spec.detection.rules.length;
            const judged =
              statusRules.length > 0 && pod.signals !== undefined && policy.spec.detection.mode !== 'ML';
            if (judged) evaluated.add(trackedPodKey(identity));
            const rules = judged
              ? this.deps.rules.evaluate(policy.key, statusRules, identity, nowMs, pod.signals, continuity)
              : [];
            const state = rules.some((r) => r.firing)
              ? 'anomalous'
              : judged && statusOnly
                ? 'healthy'
                : 'insufficient_data';
            return {
              namespace: pod.namespace,
              pod: pod.name,
              ...(pod.uid ? { uid: pod.uid } : {}),
              state,
              rules,
              missing: vector?.missing ?? NO_VECTOR,
            };
          }
          evaluated.add(trackedPodKey(identity));
          // The pod's kept identity (its uid) and the cycle's vector, apart: no object joining them per pod.
          const rules = this.deps.rules.evaluatePod(
            policy.key,
            policy.spec.detection.rules,
            identity,
            vector,
            nowMs,
            pod.signals,
            continuity,
          );
          const holdMl =
            usesMl || shadow
              ? (holds: boolean) =>
                  this.deps.rules.hold(
                    policy.key,
                    identity,
                    `ml:anomaly|${policy.spec.detection.ml.for}`,
                    holds,
                    nowMs,
                    continuity,
                  )
              : undefined;
          const verdict = podVerdict(
            policy.spec.detection,
            rules,
            usesMl ? decisions.get(key) : undefined,
            // Without ML in the verdict its clock is not podVerdict's: it would reset the shadow verdict's hold.
            usesMl ? holdMl : undefined,
          );
          const shadowMl =
            shadow && holdMl ? shadowFinding(policy.spec.detection, decisions.get(key), holdMl) : undefined;
          const prediction = predicting ? predicted.decisions.get(key) : undefined;
          if (
            predicting &&
            isPredictionCandidate(vector, parseDuration(policy.spec.detection.ml.prediction.horizon)) &&
            (!predictionsUsable || prediction?.source !== 'ml')
          ) {
            predictionMissed ??= predicted.late
              ? `no answer within ${predicted.late} ms`
              : prediction && prediction.source !== 'ml'
                ? prediction.note
                : mlSnapshot && mlSnapshot.status !== 'ok'
                  ? `ML service ${mlSnapshot.status}, breaker ${mlSnapshot.breaker}`
                  : 'no ML service configured to ask';
          }
          const mlPrediction = predictionsUsable ? atRisk(policy.spec, prediction) : undefined;
          // The vector the verdict rested on: kept with a remediation's decision (a training example). A row shares
          // its cycle's block: a policy with a small share of the cycle's pods keeps a copy instead, or its stored
          // assessment would keep every pod's row alive until its next evaluation.
          const values = smallShare ? vector.features.detached() : vector.features;
          const { state } = verdict;
          // Field by field, not with spreads: each spread made an object of its own, for every pod of every cycle.
          const assessed: PodAssessment = identity.uid
            ? {
                namespace: pod.namespace,
                pod: pod.name,
                uid: identity.uid,
                rules,
                missing: NOTHING_MISSING,
                values,
                state,
              }
            : { namespace: pod.namespace, pod: pod.name, rules, missing: NOTHING_MISSING, values, state };
          const ml = shadowMl ?? verdict.ml;
          if (ml) assessed.ml = ml;
          // At risk: anomalous before the failure; the gates still decide whether anything is done.
          if (mlPrediction) {
            assessed.mlPrediction = mlPrediction;
            assessed.state = 'anomalous';
          }
          return assessed;
        });
        const state = targetState(assessed);
        return {
          target,
          pods: assessed,
          state,
          ...(state === 'insufficient_data'
            ? { insufficientReason: insufficientDataReason(assessed, unavailable?.message) }
            : {}),
          ...(policy.spec.detection.ml.shadow ? { shadow: compareShadow(state, assessed) } : {}),
        };
      };
      // In slices with the event loop in between: 10,000 pods are ~80 ms of synchronous work, and the lease
      // renewal timer and /healthz must not wait behind them.
      // The count runs across targets and policies: many small policies, or a few targets of many pods, are as
      // much work as one big policy.
      const targets: TargetAssessment[] = [];
      for (const entry of policy.targets) {
        if (podsSinceYield >= POD_SLICE) {
          podsSinceYield = 0;
          await yieldToEventLoop();
        }
        targets.push(assessTarget(entry));
        podsSinceYield += entry.pods.length + 1;
      }
      this.deps.rules.retainOnly(policy.key, evaluated);
      const problems: DependencyProblem[] = unavailable ? [unavailable] : [];
      if (mismatch)
        problems.push({ dependency: 'mlService', reason: 'MLServiceUnavailable', message: mismatch });
      if (usesMl && late) {
        problems.push({
          dependency: 'mlService',
          reason: 'MLServiceUnavailable',
          message: `ML answers did not arrive within ${late} ms; detecting with rules this cycle`,
        });
      }
      if (predictionMissed) {
        problems.push({
          dependency: 'mlService',
          reason: 'MLServiceUnavailable',
          message: `ML predictions unavailable (${predictionMissed}); no target is judged at risk this cycle`,
        });
      }
      if (usesMl && mlSnapshot && mlSnapshot.status !== 'ok') {
        problems.push({
          dependency: 'mlService',
          reason: 'MLServiceUnavailable',
          message: `${describeMlProblem(mlSnapshot)}; detecting with rules and the local detector`,
        });
      }
      results.set(policy.key, {
        policy: policy.key,
        evaluatedAtMs: cycle.evaluatedAtMs,
        targets,
        summary: summarize(targets),
        problems,
        warnings: cycle.status === 'unavailable' ? [] : cycle.warnings,
        ...(policy.spec.detection.ml.shadow ? { shadow: tallyShadow(targets) } : {}),
      });
    }
    return results;
  }

  private async assessWithMl(
    policies: readonly PolicyTargets[],
    vectors: VectorLookup,
    workloadOf: ReadonlyMap<string, string>,
    atMs: number,
  ): Promise<{ decisions: Map<string, AnomalyDecision>; late?: number }> {
    const decisions = new Map<string, AnomalyDecision>();
    if (!this.deps.ml) return { decisions };
    const wanted = new Map<string, FeatureVector>();
    for (const policy of policies) {
      if (!wantsMl(policy.spec) || !policy.spec.detection.ml.endpoints.includes('anomaly')) continue;
      if (this.mlMismatch(policy.spec)) continue;
      for (const { pods } of policy.targets) {
        for (const pod of pods) {
          const { key } = handleOf(pod);
          const vector = vectors.get(key);
          if (vector?.state === 'complete' && !wanted.has(key))
            wanted.set(key, mlVectorOf(vector, atMs, workloadOf.get(key)));
        }
      }
    }
    if (wanted.size === 0) return { decisions };
    const deadline = this.deps.mlDeadlineMs;
    const answers = await withinDeadline(this.deps.ml.assessAnomalies([...wanted.values()]), deadline);
    if (answers === undefined) return { decisions, late: deadline };
    for (const answer of answers) decisions.set(podKey(answer.namespace, answer.pod), answer);
    return { decisions };
  }

  /** Predictions for the candidate pods of predicting policies, each pod asked once (prediction.ts). */
  private async predict(
    policies: readonly PolicyTargets[],
    vectors: VectorLookup,
    atMs: number,
  ): Promise<{ decisions: Map<string, PredictionDecision>; late?: number }> {
    const ml = this.deps.ml;
    if (!ml?.predictIssues) return { decisions: new Map() };
    const candidates = new Map<string, { vector: PodFeatureVector; uid?: string }>();
    for (const policy of policies) {
      if (!usesPrediction(policy.spec) || this.mlMismatch(policy.spec)) continue;
      const horizonMs = parseDuration(policy.spec.detection.ml.prediction.horizon);
      for (const { pods } of policy.targets) {
        for (const pod of pods) {
          const { key } = handleOf(pod);
          const vector = vectors.get(key);
          if (vector && isPredictionCandidate(vector, horizonMs) && !candidates.has(key))
            candidates.set(key, { vector, ...(pod.uid ? { uid: pod.uid } : {}) });
        }
      }
    }
    if (candidates.size === 0) return { decisions: new Map() };
    const predictor: IssuePredictor = { predictIssues: ml.predictIssues.bind(ml) };
    const deadline = this.deps.mlDeadlineMs;
    const decisions = await withinDeadline(predictCandidates(predictor, candidates, atMs), deadline);
    return decisions === undefined ? { decisions: new Map(), late: deadline } : { decisions };
  }
}
