/**
 * The ML layer as the engine sees it: it always answers, quickly, and says where each answer came from.
 *   ml    - the model answered now (and the answer is cached)
 *   local - the model is unavailable; the local robust z-score detector decided, with a capped confidence
 *   cache - the model is unavailable; a cached answer younger than the TTL is reused
 *   rules - no opinion from ML (unavailable, no cache, too little history, or an incomplete vector):
 *           the policy's rules decide alone
 * Nothing here throws because the service is down; failures feed the health tracker and the metrics.
 */
import type { Logger } from '../log/logger.js';
import type { TimeSource as Clock } from '../time/clock.js';
import type {
  Correlation,
  Pattern,
  PatternRequest,
  PatternResponse,
  PredictedIssue,
  PredictionRequest,
  PredictionResponse,
} from './contract.js';
import {
  type CompleteFeatureVector,
  type FeatureVector,
  incompleteReason,
  isCompleteVector,
  podKey,
} from './feature-vector.js';
import type { LocalAnomalyDetector } from './local-anomaly-detector.js';
import type { AnomalyOutcome, AnomalyVerdict, MlBackend } from './ml-backend.js';
import { attemptCall, fallbackReason, safely, toCallError } from './ml-call-outcome.js';
import type { BreakerTransition } from './ml-client.js';
import { MlCallError } from './ml-failure.js';
import type { MlHealthProvider, MlHealthSnapshot, MlHealthTracker } from './ml-health.js';
import type { BreakerStateName, DecisionKind, FallbackSource, MlMetrics } from './ml-metrics.js';
import type { PredictionCache } from './prediction-cache.js';

export type DecisionSource = 'ml' | FallbackSource;

export interface AnomalyDecision {
  namespace: string;
  pod: string;
  workload?: string;
  source: DecisionSource;
  /** null: no opinion, the rules decide. */
  anomaly: boolean | null;
  confidence: number;
  score?: number;
  recommendations: string[];
  /** Why this source, in words for events and logs. */
  note: string;
  /** When the reused answer was produced (source `cache`). */
  cachedAt?: Date;
}

/** What every decision carries besides its payload. */
export interface Decided {
  source: DecisionSource;
  note: string;
  cachedAt?: Date;
}

export interface PredictionDecision {
  source: DecisionSource;
  predictedIssues: PredictedIssue[];
  suggestedActions: string[];
  note: string;
  cachedAt?: Date;
}

export interface PatternDecision {
  source: DecisionSource;
  patterns: Pattern[];
  correlations: Correlation[];
  note: string;
  cachedAt?: Date;
}

/** The breaker's state and its changes; MlClient provides it. */
export interface BreakerStateSource {
  readonly breakerState: BreakerStateName;
  onBreakerTransition(listener: (t: BreakerTransition) => void): () => void;
}

export interface ResilientMlServiceDeps {
  backend: MlBackend;
  breaker: BreakerStateSource;
  detector: LocalAnomalyDetector;
  anomalyCache: PredictionCache<AnomalyVerdict>;
  predictionCache: PredictionCache<PredictionResponse>;
  patternCache: PredictionCache<PatternResponse>;
  health: MlHealthTracker;
  metrics: MlMetrics;
  clock: Clock;
  logger?: Logger;
}

export class ResilientMlService implements MlHealthProvider {
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: ResilientMlServiceDeps) {
    deps.health.setBreaker(deps.breaker.breakerState);
    this.unsubscribe = deps.breaker.onBreakerTransition((t) => deps.health.setBreaker(t.to));
  }

  snapshot(): MlHealthSnapshot {
    return this.deps.health.snapshot();
  }

  onChange(listener: (snapshot: MlHealthSnapshot) => void): () => void {
    return this.deps.health.onChange(listener);
  }

  /** One decision per input vector, in order. Incomplete vectors are never sent; the rules decide for them. */
  async assessAnomalies(vectors: readonly FeatureVector[]): Promise<AnomalyDecision[]> {
    const { detector, metrics } = this.deps;
    const complete: CompleteFeatureVector[] = [];
    const decisions = new Array<AnomalyDecision>(vectors.length);
    const positions: number[] = [];
    vectors.forEach((vector, i) => {
      if (isCompleteVector(vector)) {
        complete.push(vector);
        positions.push(i);
        return;
      }
      metrics.vectorsSkipped.inc({ reason: 'incomplete' });
      decisions[i] = this.rulesDecision(vector, `vector not sent: ${incompleteReason(vector)}`);
    });
    if (complete.length === 0) return decisions;

    // History is read before this cycle's sample is added, then the sample joins it for the next cycle.
    const local = complete.map((v) => safely(() => detector.assess(v), undefined));
    for (const v of complete) safely(() => detector.observe(v), undefined);

    const call = await attemptCall(() => this.deps.backend.detectAnomalies(complete));
    const outcomes: AnomalyOutcome[] = call.ok
      ? call.value
      : complete.map((vector) => ({ vector, error: call.error }));
    let anyFailure: MlCallError | undefined;
    let anySuccess = false;
    outcomes.forEach((outcome, j) => {
      const position = positions[j] as number;
      const vector = outcome.vector;
      if (outcome.verdict) {
        anySuccess = true;
        this.deps.anomalyCache.set(podKey(vector), outcome.verdict);
        decisions[position] = {
          ...identity(vector),
          source: 'ml',
          anomaly: outcome.verdict.anomaly,
          confidence: outcome.verdict.confidence,
          score: outcome.verdict.score,
          recommendations: outcome.verdict.recommendations,
          note: 'ML service verdict',
        };
        return;
      }
      // Report the cause (e.g. a 503) rather than the "circuit open" it led to later in the cycle.
      if (!anyFailure || (anyFailure.kind === 'circuit_open' && outcome.error.kind !== 'circuit_open')) {
        anyFailure = outcome.error;
      }
      decisions[position] = this.anomalyFallback(vector, outcome.error, local[j]);
    });
    this.recordOutcome(anySuccess, anyFailure);
    return decisions;
  }

  /**
   * Predictions for one workload or pod (`key`); cached answers are reused while ML is down. With `reuseWithinMs`,
   * a model answer for the same key younger than that is returned without calling (source `ml`, `cachedAt` set):
   * a trend does not change every cycle, so callers asking every evaluation need not cost a call every time.
   */
  predictIssues(
    key: string,
    request: PredictionRequest,
    options: { reuseWithinMs?: number } = {},
  ): Promise<PredictionDecision> {
    const { backend } = this.deps;
    const reuse = options.reuseWithinMs;
    const recent = reuse === undefined ? undefined : this.deps.predictionCache.get(key);
    if (recent && reuse !== undefined && recent.ageMs <= reuse) {
      this.deps.metrics.cacheHits.inc({ kind: 'prediction' });
      return Promise.resolve({
        predictedIssues: recent.value.predicted_issues,
        suggestedActions: recent.value.suggested_actions,
        source: 'ml',
        note: `ML service prediction from ${Math.round(recent.ageMs / 1000)}s ago (reused)`,
        cachedAt: new Date(recent.storedAt),
      });
    }
    return this.cachedDecision({
      kind: 'prediction',
      what: 'prediction',
      cache: this.deps.predictionCache,
      key,
      call: backend.predictIssues?.bind(backend, request),
      view: (r) => ({ predictedIssues: r.predicted_issues, suggestedActions: r.suggested_actions }),
      empty: { predictedIssues: [], suggestedActions: [] },
    });
  }

  /** Pattern analysis for one scope (`key`); cached analyses are reused while ML is down. */
  analyzePatterns(key: string, request: PatternRequest): Promise<PatternDecision> {
    const { backend } = this.deps;
    return this.cachedDecision({
      kind: 'pattern',
      what: 'analysis',
      cache: this.deps.patternCache,
      key,
      call: backend.analyzePatterns?.bind(backend, request),
      view: (r) => ({ patterns: r.patterns, correlations: r.correlations ?? [] }),
      empty: { patterns: [], correlations: [] },
    });
  }

  /** ml → cache → rules for the calls whose answers stay useful for a while (predictions, patterns). */
  private async cachedDecision<V, D extends object>(spec: {
    kind: DecisionKind;
    what: string;
    cache: PredictionCache<V>;
    key: string;
    call: (() => Promise<V>) | undefined;
    view: (value: V) => D;
    empty: D;
  }): Promise<D & Decided> {
    const { kind, what, cache, key, call, view, empty } = spec;
    if (!call)
      return this.ruleOnly(kind, `the ${this.deps.backend.kind} backend has no ${kind} model`, empty);
    const result = await attemptCall(call);
    if (result.ok) {
      this.recordOutcome(true, undefined);
      cache.set(key, result.value);
      return { ...view(result.value), source: 'ml', note: `ML service ${what}` };
    }
    this.recordOutcome(false, result.error);
    const why = fallbackReason(result.error);
    const cached = this.fromCache(kind, cache, key);
    if (cached) {
      return {
        ...view(cached.value),
        source: 'cache',
        note: `${why}; reusing the cached ${what} from ${Math.round(cached.ageMs / 1000)}s ago`,
        cachedAt: new Date(cached.storedAt),
      };
    }
    return this.ruleOnly(kind, `${why} and no cached ${what}`, empty);
  }

  /** Asks the backend whether it is ready; feeds health the same way a call does. Never throws. */
  async probe(): Promise<MlHealthSnapshot> {
    try {
      const readiness = await this.deps.backend.checkReady();
      if (readiness.ready) this.recordOutcome(true, undefined);
      else {
        this.recordOutcome(
          false,
          new MlCallError({ kind: 'http_5xx', endpoint: 'readiness', detail: readiness.detail }),
        );
      }
    } catch (err) {
      this.recordOutcome(false, toCallError(err, 'readiness'));
    }
    return this.snapshot();
  }

  close(): void {
    this.unsubscribe();
  }

  /**
   * Anomaly fallback order: the local detector first, because it looks at this cycle's vector, then a cached
   * model verdict (which describes an older vector), then the rules alone.
   */
  private anomalyFallback(
    vector: CompleteFeatureVector,
    error: MlCallError,
    local: ReturnType<LocalAnomalyDetector['assess']>,
  ): AnomalyDecision {
    const why = fallbackReason(error);
    if (local) {
      this.deps.metrics.fallbackDecisions.inc({ kind: 'anomaly', source: 'local' });
      return {
        ...identity(vector),
        source: 'local',
        anomaly: local.anomaly,
        confidence: local.confidence,
        score: local.score,
        recommendations: [],
        note:
          `${why}; local robust z-score ${local.score.toFixed(1)} on ${local.feature} over ` +
          `${local.samples} samples (local detector, lower confidence than the model)`,
      };
    }
    // No local verdict: below the minimum history that is by design (counted), else the detector failed.
    const samples = safely(() => this.deps.detector.samplesFor(vector), 0);
    const needed = this.deps.detector.minSamples;
    const insufficient = samples < needed;
    if (insufficient) this.deps.metrics.localInsufficientHistory.inc();
    const detectorNote = insufficient
      ? `insufficient history for the local detector (${samples} of ${needed} samples)`
      : 'no verdict from the local detector';
    const cached = this.fromCache('anomaly', this.deps.anomalyCache, podKey(vector));
    if (cached) {
      return {
        ...identity(vector),
        source: 'cache',
        anomaly: cached.value.anomaly,
        confidence: cached.value.confidence,
        score: cached.value.score,
        recommendations: cached.value.recommendations,
        note: `${why}; ${detectorNote}; reusing an ML verdict ${Math.round(cached.ageMs / 1000)}s old`,
        cachedAt: new Date(cached.storedAt),
      };
    }
    return this.rulesDecision(vector, `${why}; ${detectorNote} and no cached verdict`);
  }

  private rulesDecision(vector: FeatureVector, note: string): AnomalyDecision {
    this.deps.metrics.fallbackDecisions.inc({ kind: 'anomaly', source: 'rules' });
    return { ...identity(vector), source: 'rules', anomaly: null, confidence: 0, recommendations: [], note };
  }

  private ruleOnly<T extends object>(
    kind: DecisionKind,
    note: string,
    empty: T,
  ): T & { source: 'rules'; note: string } {
    this.deps.metrics.fallbackDecisions.inc({ kind, source: 'rules' });
    return { ...empty, source: 'rules', note };
  }

  private fromCache<V>(kind: DecisionKind, cache: PredictionCache<V>, key: string) {
    const cached = cache.get(key);
    if (cached) {
      this.deps.metrics.cacheHits.inc({ kind });
      this.deps.metrics.fallbackDecisions.inc({ kind, source: 'cache' });
    } else {
      this.deps.metrics.cacheMisses.inc({ kind });
    }
    return cached;
  }

  private recordOutcome(success: boolean, failure: MlCallError | undefined): void {
    const { health, logger } = this.deps;
    if (failure) {
      const before = health.snapshot().status;
      health.recordFailure(failure);
      if (before === 'ok') {
        const what =
          failure.kind === 'contract_violation' ? 'ML contract violation' : 'ML service unavailable';
        logger?.warn({ kind: failure.kind, err: failure.message }, `${what}; degrading to rules`);
      }
    } else if (success) {
      const before = health.snapshot().status;
      health.recordSuccess();
      if (before === 'degraded' && health.snapshot().status === 'ok') logger?.info('ML service recovered');
    }
  }
}

function identity(vector: FeatureVector): Pick<AnomalyDecision, 'namespace' | 'pod' | 'workload'> {
  return vector.workload === undefined
    ? { namespace: vector.namespace, pod: vector.pod }
    : { namespace: vector.namespace, pod: vector.pod, workload: vector.workload };
}
