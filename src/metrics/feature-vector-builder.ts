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
import {
  type InstantSample,
  PrometheusQueryError,
  type PromQueryApi,
  type RangeSeries,
  visitRange,
} from './prometheus-api.js';

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

  /** The index of the last list of pods, used again while the list is the same (see PodIndex). */
  private lastIndex: PodIndex | undefined;

  private indexOf(pods: readonly PodRef[]): PodIndex {
    if (!this.lastIndex?.sameAs(pods)) this.lastIndex = new PodIndex(pods);
    return this.lastIndex;
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
    const slots = new WindowSlots(t, this.stepMs);
    // The engine names its pods: their rows exist before any answer, and each answer is digested into them as it
    // is read, so the cycle never holds an answer of 10,000 series. Pods found through kube_pod_info (the CLI)
    // are known only once that answer is in: their answers are kept whole until then.
    let rows: PodRows | undefined = selection.pods ? new PodRows(this.indexOf(selection.pods)) : undefined;
    const perNode = queries.signals.map(() => new Map<string, FeatureRow>());
    const offsets = queries.signals.map((q) => SIGNALS.indexOf(q.signal) * STATISTICS_PER_SIGNAL);
    const digest = (s: number, series: RangeSeries) => {
      const q = queries.signals[s] as SignalQuery;
      if (q.scope === 'node') {
        const node = series.labels[this.nodeLabel];
        if (node === undefined) return;
        const stats = new FeatureRow(STATISTICS_PER_SIGNAL);
        slots.fill(series.times, series.values).statisticsInto(stats, 0);
        perNode[s]?.set(node, stats);
        return;
      }
      const row = rows?.rowOf(series.labels.namespace ?? '', series.labels.pod ?? '');
      // A series of a pod not asked about is not read any further.
      if (row !== undefined)
        slots.fill(series.times, series.values).statisticsInto(row, offsets[s] as number);
    };
    let issued = 0;
    const range = (q: SignalQuery, s: number): Promise<readonly RangeSeries[] | undefined> => {
      issued++;
      const [start, step] = [t - WINDOW_MS, this.stepMs / 1000];
      if (!rows) return this.prometheus.range(q.promql, start, t, step);
      return visitRange(this.prometheus, q.promql, start, t, step, (series) => digest(s, series)).then(
        () => undefined,
      );
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
      const nodeOf = nodesOf(await podInfoPromise);
      const kept = await Promise.all(signalPromises);
      const pods = selection.pods ?? discoveredPods(nodeOf);
      if (!rows) {
        rows = new PodRows(this.indexOf(pods));
        for (const [s, answer] of kept.entries()) {
          await forEachSliced(answer ?? [], ASSEMBLY_SLICE, (series) => digest(s, series));
        }
      }
      const vectors = await this.assemble(pods, rows, perNode, queries.signals, offsets, nodeOf);
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

  /** The vectors: pod signals are in their rows already; the node signals are copied in from their node's. */
  private async assemble(
    pods: readonly PodRef[],
    rows: PodRows,
    perNode: readonly ReadonlyMap<string, FeatureRow>[],
    signals: readonly SignalQuery[],
    offsets: readonly number[],
    nodeOf: ReadonlyMap<string, { node: string }>,
  ): Promise<PodFeatureVector[]> {
    const vectors: PodFeatureVector[] = new Array(pods.length);
    // In slices, so that timers (the lease renewal) and /healthz run in between.
    await forEachSliced(pods, ASSEMBLY_SLICE, (pod, i) => {
      const features = rows.rows[i] as FeatureRow;
      // A pod named twice was read into its first row: the same vector twice, as before rows.
      if (rows.duplicates) {
        const first = rows.rowOf(pod.namespace, pod.name);
        if (first && first !== features) features.copyFrom(first, 0);
      }
      const node = pod.nodeName ?? nodeOf.get(podKey(pod.namespace, pod.name))?.node;
      for (let s = 0; s < signals.length; s++) {
        if (signals[s]?.scope !== 'node') continue;
        const offset = offsets[s] as number;
        if (node === undefined) features.copyFrom(NO_NODE, offset);
        else {
          // Written either way: the row of a pod named twice starts as a copy of its first row (another node's).
          features.copyFrom(perNode[s]?.get(node) ?? NO_SERIES, offset);
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

/** Pod -> node from kube_pod_info: the node with the most recent kube-state-metrics sample wins. */
function nodesOf(podInfo: readonly InstantSample[] | undefined): Map<string, { node: string; seen: number }> {
  const nodeOf = new Map<string, { node: string; seen: number }>();
  for (const s of podInfo ?? []) {
    const { namespace, pod, node } = s.labels;
    if (!namespace || !pod || !node) continue;
    const key = podKey(namespace, pod);
    const prev = nodeOf.get(key);
    if (!prev || s.value > prev.seen) nodeOf.set(key, { node, seen: s.value });
  }
  return nodeOf;
}

/** The pods kube-state-metrics reports, in key order. */
function discoveredPods(nodeOf: ReadonlyMap<string, unknown>): PodRef[] {
  return [...nodeOf.keys()].sort().map((key) => {
    const [namespace = '', name = ''] = key.split('/');
    return { namespace, name };
  });
}

/**
 * Where each of a list of pods has its row: looked up by namespace, then name, so that no key string is made per
 * series. In a quiet cluster, with its policies due together, the engine asks about the same pod objects in the
 * same order cycle after cycle (its selection is cached until an input changes): the index of the last list is
 * then used again instead of 10,000 insertions. Any other list gets an index of its own.
 */
class PodIndex {
  /** Whether some pod is named twice (its second row is a copy of its first). */
  readonly duplicates: boolean = false;
  /** A copy of the list: a caller may change its own array between builds. */
  readonly pods: readonly PodRef[];
  private readonly index = new Map<string, Map<string, number>>();

  constructor(pods: readonly PodRef[]) {
    this.pods = pods.slice();
    for (const [i, pod] of pods.entries()) {
      let names = this.index.get(pod.namespace);
      if (!names) {
        names = new Map();
        this.index.set(pod.namespace, names);
      }
      if (!names.has(pod.name)) names.set(pod.name, i);
      else this.duplicates = true;
    }
  }

  /** Whether `pods` are the very objects this index was made of, in the same order. */
  sameAs(pods: readonly PodRef[]): boolean {
    if (pods.length !== this.pods.length) return false;
    for (let i = 0; i < pods.length; i++) if (pods[i] !== this.pods[i]) return false;
    return true;
  }

  slotOf(namespace: string, pod: string): number | undefined {
    return this.index.get(namespace)?.get(pod);
  }
}

/** The cycle's pods and their feature rows, one block for all (FeatureRow.block), every slot missing (no_series)
 * until an answer fills it. */
class PodRows {
  readonly rows: FeatureRow[];

  constructor(private readonly index: PodIndex) {
    this.rows = FeatureRow.block(index.pods.length, 'no_series');
  }

  get duplicates(): boolean {
    return this.index.duplicates;
  }

  rowOf(namespace: string, pod: string): FeatureRow | undefined {
    const slot = this.index.slotOf(namespace, pod);
    return slot === undefined ? undefined : this.rows[slot];
  }
}
