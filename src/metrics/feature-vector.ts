import { FEATURE_NAMES, FEATURE_SCHEMA_VERSION, type FeatureName } from './feature-catalogue.js';
import type { PrometheusFailureKind } from './prometheus-api.js';

/**
 * Why a feature has no value. Never replaced by a default: a model must not score invented data.
 * - no_series: Prometheus has no series for this pod/node at that instant (or not enough samples for rate()).
 * - no_node: the pod's node is unknown (absent from kube_pod_info and not given by the caller).
 * - not_finite: the query produced NaN or ±Inf (for example a memory limit of 0).
 * - no_input: a derived statistic (diff, pct_change) whose inputs are missing.
 */
export type MissingReason = 'no_series' | 'no_node' | 'not_finite' | 'no_input';

export type FeatureValue =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly missing: MissingReason };

/** Reason codes of FeatureRow.reasons: 0 is a present value. */
const REASONS: readonly (MissingReason | undefined)[] = [
  undefined,
  'no_series',
  'no_node',
  'not_finite',
  'no_input',
];
const REASON_CODE: Readonly<Record<MissingReason, number>> = {
  no_series: 1,
  no_node: 2,
  not_finite: 3,
  no_input: 4,
};

/**
 * A pod's features in two typed arrays, a value (NaN when missing) and a reason code per slot: one object per pod
 * instead of 45 objects and 45 boxed numbers. At 10,000 pods a cycle built, kept and then dropped about a million
 * of those, and their garbage collection was most of the engine's CPU. `at(i)` gives the FeatureValue view (a
 * shared frozen object for a missing one).
 *
 * A row is a window of `length` slots from `base` in its buffers: buffers of its own, or a block's shared by many
 * rows (FeatureRow.block). It holds the block and an offset, not typed-array views of it: a view is an object of
 * some 80 bytes, and two per pod, made every cycle and kept until the next, were a fifth of what a cycle promoted
 * to the old generation.
 */
export class FeatureRow implements Iterable<FeatureValue> {
  readonly length: number;
  private readonly vals: Float64Array;
  private readonly codes: Uint8Array;
  private readonly base: number;

  /** A row with buffers of its own, or `length` slots of `storage` from `storage.offset` (see FeatureRow.block). */
  constructor(
    length: number = FEATURE_NAMES.length,
    storage?: { readonly values: Float64Array; readonly reasons: Uint8Array; readonly offset?: number },
  ) {
    this.length = length;
    this.base = storage?.offset ?? 0;
    this.vals = storage?.values ?? new Float64Array(length);
    this.codes = storage?.reasons ?? new Uint8Array(length);
    if (this.base < 0 || this.base + length > this.vals.length || this.base + length > this.codes.length)
      throw new RangeError(`a row of ${length} slots from ${this.base} does not fit its buffers`);
  }

  /**
   * `count` rows of `length` slots over one pair of buffers, every slot missing for `reason` until set. A cycle
   * of 10,000 pods then allocates two buffers instead of 20,000: each of those held a `Float64Array` of its own,
   * off the V8 heap, and making and collecting them cost some 30 ms of CPU a cycle. A row of a block keeps the
   * whole block alive: whatever keeps a row past its cycle keeps `detached()` instead.
   */
  static block(count: number, reason: MissingReason, length: number = FEATURE_NAMES.length): FeatureRow[] {
    const values = new Float64Array(count * length).fill(Number.NaN);
    const reasons = new Uint8Array(count * length).fill(REASON_CODE[reason]);
    const rows = new Array<FeatureRow>(count);
    for (let i = 0; i < count; i++) rows[i] = new FeatureRow(length, { values, reasons, offset: i * length });
    return rows;
  }

  /** Whether the row is a window of a larger block (and keeps it alive). */
  get shared(): boolean {
    return this.vals.length !== this.length;
  }

  /** The same row in buffers of its own. */
  detached(): FeatureRow {
    const end = this.base + this.length;
    return new FeatureRow(this.length, {
      values: this.vals.slice(this.base, end),
      reasons: this.codes.slice(this.base, end),
    });
  }

  /** Whether this row and `other` live in the same buffers (one keeps the other's block alive). */
  sameBlock(other: FeatureRow): boolean {
    return this.vals === other.vals;
  }

  static of(features: readonly FeatureValue[]): FeatureRow {
    const row = new FeatureRow(features.length);
    for (const [i, f] of features.entries()) row.set(i, f);
    return row;
  }

  /** A value; a number that is not finite is stored as missing (`not_finite`), never as a number. */
  setValue(i: number, v: number): void {
    this.check(i);
    if (Number.isFinite(v)) {
      this.vals[this.base + i] = v;
      this.codes[this.base + i] = 0;
    } else this.setMissing(i, 'not_finite');
  }

  setMissing(i: number, reason: MissingReason): void {
    this.check(i);
    this.vals[this.base + i] = Number.NaN;
    this.codes[this.base + i] = REASON_CODE[reason];
  }

  set(i: number, f: FeatureValue): void {
    if (f.ok) this.setValue(i, f.value);
    else this.setMissing(i, f.missing);
  }

  /** Copies `from`'s slots to this row from `offset`. */
  copyFrom(from: FeatureRow, offset: number): void {
    if (offset < 0 || offset + from.length > this.length)
      throw new RangeError(`${from.length} slots from ${offset} do not fit a row of ${this.length}`);
    // A loop, not TypedArray.set: that would want a view of each row, an object made per copy.
    const to = this.base + offset;
    const n = from.length;
    if (from.vals === this.vals && to > from.base) {
      // Windows of one block that overlap, the target further on: from the end, as TypedArray.set copies.
      for (let k = n - 1; k >= 0; k--) this.copySlot(from, from.base + k, to + k);
    } else for (let k = 0; k < n; k++) this.copySlot(from, from.base + k, to + k);
  }

  private copySlot(from: FeatureRow, at: number, to: number): void {
    this.vals[to] = from.vals[at] as number;
    this.codes[to] = from.codes[at] as number;
  }

  /** A write outside the row would land in a neighbour's, in a block: it is a bug, and fails loudly. */
  private check(i: number): void {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`slot ${i} is outside a row of ${this.length}`);
  }

  ok(i: number): boolean {
    return i >= 0 && i < this.length && this.codes[this.base + i] === 0;
  }

  /** The value at `i`, or undefined when it is missing. */
  valueAt(i: number): number | undefined {
    return this.ok(i) ? (this.vals[this.base + i] as number) : undefined;
  }

  at(i: number): FeatureValue | undefined {
    if (i < 0 || i >= this.length) return undefined;
    const reason = REASONS[this.codes[this.base + i] as number];
    return reason === undefined ? { ok: true, value: this.vals[this.base + i] as number } : MISSING[reason];
  }

  map<T>(fn: (f: FeatureValue, i: number) => T): T[] {
    const out = new Array<T>(this.length);
    for (let i = 0; i < out.length; i++) out[i] = fn(this.at(i) as FeatureValue, i);
    return out;
  }

  flatMap<T>(fn: (f: FeatureValue, i: number) => readonly T[]): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.length; i++) out.push(...fn(this.at(i) as FeatureValue, i));
    return out;
  }

  every(fn: (f: FeatureValue, i: number) => boolean): boolean {
    for (let i = 0; i < this.length; i++) if (!fn(this.at(i) as FeatureValue, i)) return false;
    return true;
  }

  forEach(fn: (f: FeatureValue, i: number) => void): void {
    for (let i = 0; i < this.length; i++) fn(this.at(i) as FeatureValue, i);
  }

  /** The numbers in schema order, null where missing (the JSON form of decisions, exports and the API). */
  toNullable(): (number | null)[] {
    const out = new Array<number | null>(this.length);
    for (let i = 0; i < out.length; i++) out[i] = this.valueAt(i) ?? null;
    return out;
  }

  *[Symbol.iterator](): Iterator<FeatureValue> {
    for (let i = 0; i < this.length; i++) yield this.at(i) as FeatureValue;
  }
}

/** complete: all features present. insufficient_data: some required feature is missing; never scored, never acted on. */
export type VectorState = 'complete' | 'insufficient_data';

export interface PodFeatureVector {
  readonly namespace: string;
  readonly pod: string;
  /** Node the node signals were taken from, when known. */
  readonly node: string | undefined;
  /** 45 entries in FEATURE_NAMES order. */
  readonly features: FeatureRow;
  readonly state: VectorState;
  readonly missing: readonly FeatureName[];
}

/**
 * One evaluation cycle. `ok` carries vectors evaluated at one shared instant; `unavailable` means no vector could
 * be trusted (Prometheus down, too slow, or answering garbage): the controller reports Degraded and does not act.
 */
export type FeatureCycle =
  | {
      readonly status: 'ok';
      readonly schemaVersion: typeof FEATURE_SCHEMA_VERSION;
      readonly evaluatedAtMs: number;
      readonly vectors: readonly PodFeatureVector[];
      readonly queries: number;
      /** Server warnings, e.g. a Thanos partial response; data may be incomplete. */
      readonly warnings: readonly string[];
    }
  | {
      readonly status: 'unavailable';
      readonly schemaVersion: typeof FEATURE_SCHEMA_VERSION;
      readonly evaluatedAtMs: number;
      readonly reason: PrometheusFailureKind;
      readonly message: string;
      readonly queries: number;
    };

// One frozen object per reason: a cycle of 10,000 pods would otherwise allocate one per missing feature.
const MISSING: Readonly<Record<MissingReason, FeatureValue>> = {
  no_series: Object.freeze({ ok: false, missing: 'no_series' }),
  no_node: Object.freeze({ ok: false, missing: 'no_node' }),
  not_finite: Object.freeze({ ok: false, missing: 'not_finite' }),
  no_input: Object.freeze({ ok: false, missing: 'no_input' }),
};

export function missing(reason: MissingReason): FeatureValue {
  return MISSING[reason];
}

const COMPLETE = Object.freeze({
  state: 'complete' as const,
  missing: Object.freeze([]) as readonly FeatureName[],
});

/** A vector is usable only when every required feature is present (by default all 45: the model needs them all). */
const requiredSets = new WeakMap<readonly FeatureName[], ReadonlySet<FeatureName>>();

export function vectorState(
  features: FeatureRow,
  required: readonly FeatureName[] = FEATURE_NAMES,
): { state: VectorState; missing: readonly FeatureName[] } {
  let absent: FeatureName[] | undefined;
  for (let i = 0; i < FEATURE_NAMES.length; i++) {
    if (features.ok(i)) continue;
    absent ??= [];
    absent.push(FEATURE_NAMES[i] as FeatureName);
  }
  // A complete vector (nearly every one, every cycle) shares one empty list.
  if (absent === undefined) return COMPLETE;
  // Built once per list of required features (the builder passes the same one for every pod).
  let requiredSet = requiredSets.get(required);
  if (!requiredSet) {
    requiredSet = new Set(required);
    requiredSets.set(required, requiredSet);
  }
  const blocking = absent.some((name) => requiredSet.has(name));
  return { state: blocking ? 'insufficient_data' : 'complete', missing: absent };
}

/** The numbers of a complete vector, in schema order, for a model call; throws if any is missing. */
export function numericFeatures(vector: PodFeatureVector): number[] {
  return vector.features.map((f, i) => {
    if (!f.ok)
      throw new Error(
        `feature ${FEATURE_NAMES[i]} of ${vector.namespace}/${vector.pod} is missing (${f.missing})`,
      );
    return f.value;
  });
}

/**
 * What a consumer may act on: nothing when the cycle is unavailable (report Degraded), otherwise only complete
 * vectors. `insufficient` is the count a policy's status reports; those vectors are never scored nor matched.
 */
export function actionableVectors(cycle: FeatureCycle): {
  degraded: boolean;
  vectors: readonly PodFeatureVector[];
  insufficient: number;
} {
  if (cycle.status === 'unavailable') return { degraded: true, vectors: [], insufficient: 0 };
  const vectors = cycle.vectors.filter((v) => v.state === 'complete');
  return { degraded: false, vectors, insufficient: cycle.vectors.length - vectors.length };
}

export { FEATURE_SCHEMA_VERSION };
