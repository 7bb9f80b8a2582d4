import { forEachSliced, yieldToEventLoop } from '../time/yield-to-event-loop.js';
import {
  FEATURE_NAMES,
  FEATURE_SCHEMA_VERSION,
  type FeatureName,
  SIGNALS,
  STATISTICS,
} from './feature-catalogue.js';
import { buildFeatureQueries, type SignalQuery } from './feature-queries.js';
import { WINDOW_MS, WindowSlots } from './feature-statistics.js';
import {
  type FeatureCycle,
  FeatureRow,
  type MissingReason,
  type PodFeatureVector,
  vectorState,
} from './feature-vector.js';
import { PrometheusQueryError, type PromQueryApi, type RangeSeries } from './prometheus-api.js';

export interface PodRef {
  readonly namespace: string;
  readonly name: string;
  /** metadata.uid when the caller knows it: per-pod state is kept by uid, a recreated pod is a new pod. */
  readonly uid?: string;
  /** spec.nodeName when the caller knows it; skips the kube_pod_info join for this pod. */
  readonly nodeName?: string;
}

export interface FeatureSelection {
  readonly namespaces: readonly string[];
  /** Restrict to these pods. Without it, the pods are those kube-state-metrics reports at the instant. */
  readonly pods?: readonly PodRef[];
}

/**
 * How far behind the present the engine reads features by default: a scrape's samples carry its start time but are
 * only queryable once the scrape has finished, so an instant a few seconds back sees every scrape that began before
 * it, and the same instant always gives the same answer. The data judged is then at most one scrape interval plus
 * this offset (plus under a second of rounding) old. Prometheus's rule groups call this `query_offset`.
 */
export const DEFAULT_QUERY_OFFSET_MS = 5_000;

export interface FeatureBuilderOptions {
  /** Seconds between window points; must divide 60 so that t-1m and t-5m are points. Default 60. */
  readonly stepSeconds?: number;
  /** rate() range for the CPU counters, seconds. Default 300. */
  readonly rateWindowSeconds?: number;
  /** node-exporter label holding the node name. Default `instance`. */
  readonly nodeLabel?: string;
  /** Features a vector needs to be `complete`. Default: all 45. */
  readonly requiredFeatures?: readonly FeatureName[];
}

const podKey = (namespace: string, pod: string) => `${namespace}/${pod}`;
/** Pods (or series) between two yields to the event loop: about 5 ms of work each. */
const ASSEMBLY_SLICE = 500;
const STATISTICS_PER_SIGNAL = STATISTICS.length;
/** A signal's 9 statistics, all missing for one reason. */
function allMissing(reason: MissingReason): FeatureRow {
  const row = new FeatureRow(STATISTICS_PER_SIGNAL);
  for (let k = 0; k < STATISTICS_PER_SIGNAL; k++) row.setMissing(k, reason);
  return row;
}
const NO_NODE = allMissing('no_node');
const NO_SERIES = allMissing('no_series');

/** Builds the 45-feature vectors of every selected pod with a fixed number of queries (see feature-queries.ts). */
export class FeatureVectorBuilder {
  private readonly stepMs: number;
  private readonly rateWindowSeconds: number;
  private readonly nodeLabel: string;
  private readonly required: readonly FeatureName[];

  constructor(
    private readonly prometheus: PromQueryApi,
    options: FeatureBuilderOptions = {},
  ) {
    const step = options.stepSeconds ?? 60;
    if (!Number.isInteger(step) || step < 1 || 60 % step !== 0) {
      throw new Error(
        `stepSeconds must be a whole divisor of 60 (1, 2, 3, 5, 10, 15, 20, 30, 60), got ${step}`,
      );
    }
    this.stepMs = step * 1000;
    this.rateWindowSeconds = options.rateWindowSeconds ?? 300;
    this.nodeLabel = options.nodeLabel ?? 'instance';
    this.required = options.requiredFeatures ?? FEATURE_NAMES;
  }

  /**
   * The shared evaluation instant for a requested time: rounded down to the whole second, never to the step (that
   * would make the data judged up to a step old and let two cycles read the same instant). Whole seconds because
   * Prometheus answers with float seconds: whole ones convert to exact milliseconds, so every point lands on its key.
   */
  evaluationInstant(atMs: number): number {
    return Math.floor(atMs / 1000) * 1000;
  }

  /** The features at `atMs` (rounded down to the second): callers subtract their query offset themselves. */
  async build(selection: FeatureSelection, atMs: number): Promise<FeatureCycle> {
    const t = this.evaluationInstant(atMs);
    const singlePod = selection.pods?.length === 1 ? selection.pods[0]?.name : undefined;
    // Pods named by the caller are covered even when their namespace was not listed separately.
    const namespaces = [
      ...new Set([...selection.namespaces, ...(selection.pods ?? []).map((p) => p.namespace)]),
    ];
    const queries = buildFeatureQueries({
      namespaces,
      ...(singlePod !== undefined ? { pod: singlePod } : {}),
      rateWindowSeconds: this.rateWindowSeconds,
      nodeLabel: this.nodeLabel,
    });
    const needPodInfo = selection.pods === undefined || selection.pods.some((p) => p.nodeName === undefined);
    let issued = 0;
    const range = (q: SignalQuery) => {
      issued++;
      return this.prometheus.range(q.promql, t - WINDOW_MS, t, this.stepMs / 1000);
    };
    const instant = (promql: string) => {
      issued++;
      return this.prometheus.instant(promql, t);
    };
    try {
      const podInfoPromise = needPodInfo ? instant(queries.podInfo) : Promise.resolve(undefined);
      const signalPromises = queries.signals.map(range);
      // Wait for every query, even after one failed: a cycle must not leave queries running behind it (they
      // would hit an already struggling Prometheus and land in the next cycle's accounting).
      await Promise.allSettled([podInfoPromise, ...signalPromises]);
      const podInfo = await podInfoPromise;
      const signalResults = await Promise.all(signalPromises);
      const vectors = await this.assemble(selection, queries.signals, signalResults, podInfo, t);
      return {
        status: 'ok',
        schemaVersion: FEATURE_SCHEMA_VERSION,
        evaluatedAtMs: t,
        vectors,
        queries: issued,
        warnings: this.prometheus.drainWarnings(),
      };
    } catch (err) {
      this.prometheus.drainWarnings();
      const e =
        err instanceof PrometheusQueryError
          ? err
          : new PrometheusQueryError('invalid_response', err instanceof Error ? err.message : String(err));
      return {
        status: 'unavailable',
        schemaVersion: FEATURE_SCHEMA_VERSION,
        evaluatedAtMs: t,
        reason: e.kind,
        message: e.message,
        queries: issued,
      };
    }
  }

  private async assemble(
    selection: FeatureSelection,
    signals: readonly SignalQuery[],
    results: readonly RangeSeries[][],
    podInfo: { labels: Readonly<Record<string, string>>; value: number }[] | undefined,
    t: number,
  ): Promise<PodFeatureVector[]> {
    // Pod -> node from kube_pod_info: the node with the most recent kube-state-metrics sample wins.
    const nodeOf = new Map<string, { node: string; seen: number }>();
    for (const s of podInfo ?? []) {
      const { namespace, pod, node } = s.labels;
      if (!namespace || !pod || !node) continue;
      const key = podKey(namespace, pod);
      const prev = nodeOf.get(key);
      if (!prev || s.value > prev.seen) nodeOf.set(key, { node, seen: s.value });
    }
    const pods: PodRef[] = selection.pods
      ? [...selection.pods]
      : [...nodeOf.keys()].sort().map((key) => {
          const [namespace = '', name = ''] = key.split('/');
          return { namespace, name };
        });

    // Each signal's series by join key; statistics are computed from the series' own arrays through one reused
    // window, and a node signal once per node (every pod on a node shares that node's 9 values).
    const slots = new WindowSlots(t, this.stepMs);
    // Indexed in slices too: five answers of 10,000 series are 50,000 keys.
    const bySignal: Array<{
      query: SignalQuery;
      index: Map<string, RangeSeries>;
      perNode: Map<string, FeatureRow>;
    }> = [];
    for (const [i, q] of signals.entries()) {
      const index = new Map<string, RangeSeries>();
      await forEachSliced(results[i] ?? [], ASSEMBLY_SLICE, (series) => {
        const key =
          q.scope === 'node'
            ? series.labels[this.nodeLabel]
            : podKey(series.labels.namespace ?? '', series.labels.pod ?? '');
        if (key !== undefined) index.set(key, series);
      });
      bySignal.push({ query: q, index, perNode: new Map<string, FeatureRow>() });
    }
    const ordered = SIGNALS.map((signal) => bySignal.find((b) => b.query.signal === signal));

    // In slices, so that timers (the lease renewal) and /healthz run in between.
    const vectors: PodFeatureVector[] = new Array(pods.length);
    await forEachSliced(pods, ASSEMBLY_SLICE, (pod, i) => {
      const key = podKey(pod.namespace, pod.name);
      const node = pod.nodeName ?? nodeOf.get(key)?.node;
      const features = new FeatureRow(FEATURE_NAMES.length);
      for (let s = 0; s < ordered.length; s++) {
        const entry = ordered[s];
        const offset = s * STATISTICS_PER_SIGNAL;
        if (entry?.query.scope !== 'node') {
          const series = entry?.index.get(key);
          if (series) slots.fill(series.times, series.values).statisticsInto(features, offset);
          else features.copyFrom(NO_SERIES, offset);
        } else if (node === undefined) features.copyFrom(NO_NODE, offset);
        else {
          let known = entry.perNode.get(node);
          if (!known) {
            const series = entry.index.get(node);
            if (series) {
              known = new FeatureRow(STATISTICS_PER_SIGNAL);
              slots.fill(series.times, series.values).statisticsInto(known, 0);
            } else known = NO_SERIES;
            entry.perNode.set(node, known);
          }
          features.copyFrom(known, offset);
        }
      }
      const { state, missing: absent } = vectorState(features, this.required);
      vectors[i] = { namespace: pod.namespace, pod: pod.name, node, features, state, missing: absent };
    });
    // What the caller does with the vectors next (a detection pass over every pod) starts in a task of its own.
    if (pods.length > ASSEMBLY_SLICE) await yieldToEventLoop();
    return vectors;
  }
}
