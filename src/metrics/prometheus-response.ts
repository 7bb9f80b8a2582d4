/**
 * Reads Prometheus HTTP API answers (https://prometheus.io/docs/prometheus/latest/querying/api/) straight from the
 * bytes of the body (json-bytes.ts): the envelope is checked once, and each series' samples are read into number
 * arrays without an object per sample. At 10,000 pods a cycle's five range answers are ~7 MB and 300,000
 * samples; JSON.parse made some 3.5 million short-lived objects of them, and their garbage collection was most
 * of the engine's CPU. Anything not shaped as documented is an `invalid_response`, never a number.
 */
import { yieldToEventLoop } from '../time/yield-to-event-loop.js';
import { JsonBytes, JsonSyntaxError } from './json-bytes.js';
import { type InstantSample, PrometheusQueryError, type RangeSeries } from './prometheus-api.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function invalid(query: string, what: string): PrometheusQueryError {
  return new PrometheusQueryError('invalid_response', `${what} in the answer to "${query}"`);
}

/** A sample value as Prometheus writes it: a decimal string, or NaN, +Inf, -Inf. */
function sampleValue(text: unknown, query: string): number {
  if (typeof text !== 'string') throw invalid(query, 'a sample value that is not a string');
  const n = Number(text);
  if (!Number.isNaN(n) && text !== '') return n;
  switch (text) {
    case 'NaN':
      return Number.NaN;
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
  }
  throw invalid(query, `sample value "${text.slice(0, 40)}"`);
}

const syntax = (query: string, err: unknown) =>
  err instanceof JsonSyntaxError ? invalid(query, `not JSON (${err.message})`) : err;

/** Elements read between two yields of a sliced read (readMatrixSliced): some 5 ms of work. */
const ELEMENTS_PER_SLICE = 1_000;

/**
 * Reads a 2xx answer's bytes in one pass: the envelope's small fields through JSON.parse, each element of
 * `data.result` through `element` (which reads its samples straight from the bytes); any key order, unknown keys
 * skipped. Then checks it is a successful answer of the expected result type. The object loops are written out
 * here, not as JsonBytes callbacks, so that the generator can yield every `slice` elements: an async reader
 * (readMatrixSliced) lets the event loop run there, since an answer of 10,000 series is 20–40 ms of reading.
 */
function* readResult<T>(
  bytes: Uint8Array,
  query: string,
  resultType: 'vector' | 'matrix',
  slice: number,
  element: (r: JsonBytes, i: number) => T,
  keep = true,
): Generator<void, { items: T[]; warnings: string[] }> {
  const r = new JsonBytes(bytes);
  let status: unknown;
  let type: unknown;
  let warnings: unknown;
  let hasResult = false;
  let items: T[] | undefined;
  try {
    if (r.peek() !== 0x7b) throw invalid(query, 'no {status: "success", data} envelope');
    r.expect(0x7b);
    if (!r.accept(0x7d)) {
      do {
        const key = r.string();
        r.expect(0x3a);
        if (key === 'status') status = r.value();
        else if (key === 'warnings') warnings = r.value();
        else if (key === 'data' && r.peek() === 0x7b) {
          r.expect(0x7b);
          if (!r.accept(0x7d)) {
            do {
              const field = r.string();
              r.expect(0x3a);
              if (field === 'resultType') type = r.value();
              else if (field === 'result') {
                // JSON.parse would keep the last of two (a second "data" too); neither is Prometheus.
                if (hasResult) throw invalid(query, '"result" twice');
                hasResult = true;
                if (r.peek() !== 0x5b) r.skip();
                else {
                  const read: T[] = [];
                  r.expect(0x5b);
                  if (!r.accept(0x5d)) {
                    let i = 0;
                    do {
                      if (i > 0 && i % slice === 0) yield;
                      const item = element(r, i++);
                      if (keep) read.push(item);
                    } while (r.more(0x5d));
                  }
                  items = read;
                }
              } else r.skip();
            } while (r.more(0x7d));
          }
        } else r.skip();
      } while (r.more(0x7d));
    }
    r.end();
  } catch (err) {
    throw syntax(query, err);
  }
  if (status !== 'success' || type === undefined || !hasResult) {
    throw invalid(query, 'no {status: "success", data} envelope');
  }
  if (type !== resultType) {
    throw new PrometheusQueryError(
      'invalid_response',
      `expected a ${resultType} for "${query}", got ${String(type)}`,
    );
  }
  if (!items) throw invalid(query, 'a result that is not an array');
  return { items, warnings: warningsOf({ warnings }) };
}

/** Runs a reader to the end at once. */
function whole<R>(steps: Generator<void, R>): R {
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/** Runs a reader with the event loop let in between its slices. */
async function sliced<R>(steps: Generator<void, R>): Promise<R> {
  let step = steps.next();
  while (!step.done) {
    await yieldToEventLoop();
    step = steps.next();
  }
  return step.value;
}

/** A label set: an object of strings (or null, no labels). */
function readLabels(r: JsonBytes, query: string): Readonly<Record<string, string>> {
  const labels: Record<string, string> = {};
  if (r.peek() !== 0x7b) {
    if (r.value() === null) return labels;
    throw invalid(query, 'a metric that is not an object');
  }
  r.expect(0x7b);
  if (r.accept(0x7d)) return labels;
  do {
    const key = r.string();
    r.expect(0x3a);
    if (!r.isString()) throw invalid(query, `label "${key}" that is not a string`);
    const value = r.string();
    // A label named __proto__ is a label like any other, not the object's prototype.
    if (key === '__proto__') {
      Object.defineProperty(labels, key, { value, enumerable: true, writable: true, configurable: true });
    } else labels[key] = value;
  } while (r.more(0x7d));
  return labels;
}

const notAPair = (query: string, element: number) =>
  invalid(query, `result ${element}, a sample that is not a pair`);

/** One sample as read: a holder each reader reuses, so no object is made per sample. */
interface Sample {
  ms: number;
  value: number;
}

/**
 * `[<unix seconds>, "<value>"]` into `into`: the time in ms (rounded) and the value. Without a callback or an object
 * per sample: this runs 300,000 times a cycle at 10,000 pods.
 */
function readPair(
  r: JsonBytes,
  query: string,
  element: number,
  readValue: (text: string) => number,
  into: Sample,
): void {
  if (!r.accept(0x5b) || r.peek() === 0x5d) throw notAPair(query, element);
  if (!r.isNumber()) throw invalid(query, 'a sample time that is not a number');
  // Into lastNumber, read at once: a returned double would be a heap object per sample.
  r.readNumber();
  const seconds = r.lastNumber;
  if (!Number.isFinite(seconds)) throw invalid(query, 'a sample time that is not a finite number');
  if (!r.accept(0x2c)) throw notAPair(query, element);
  if (!r.isString()) throw invalid(query, 'a sample value that is not a string');
  r.readNumericString(readValue);
  const value = r.lastNumber;
  if (!r.accept(0x5d)) throw notAPair(query, element);
  // Seconds with a fraction are not exact in binary: rounding, not truncating, gives the ms sent.
  into.ms = Math.round(seconds * 1000);
  into.value = value;
}

/** An instant-vector element: labels and its one `value` pair. */
function vectorElement(query: string): (r: JsonBytes, i: number) => InstantSample {
  const readValue = (text: string) => sampleValue(text, query);
  const sample: Sample = { ms: 0, value: Number.NaN };
  return (r, i) => {
    if (r.peek() !== 0x7b) throw invalid(query, `result ${i} that is not an object`);
    let labels: Readonly<Record<string, string>> = {};
    let seen = false;
    r.object((key) => {
      if (key === 'metric') labels = readLabels(r, query);
      else if (key === 'value') {
        // JSON.parse would keep the last of two. Neither is Prometheus.
        if (seen) throw invalid(query, `result ${i} with "value" twice`);
        seen = true;
        readPair(r, query, i, readValue, sample);
      } else r.skip();
    });
    if (!seen) throw invalid(query, `result ${i} without a [time, value] pair`);
    return { labels, value: sample.value };
  };
}

/**
 * A matrix element: labels, then its `[time, value]` pairs, written by index into the series' two arrays. Written
 * out as loops rather than JsonBytes callbacks: this runs for every series of every answer (30,000 a cycle at
 * 10,000 pods), and a closure per element and per pair was most of what reading allocated. With `reuse` every
 * element is read into the same holder and its two arrays (visitMatrixSliced): series of one answer have the same
 * number of points, so those arrays are not even resized.
 */
function matrixElement(query: string, reuse = false): (r: JsonBytes, i: number) => RangeSeries {
  const shared = {
    labels: {} as Readonly<Record<string, string>>,
    times: [] as number[],
    values: [] as number[],
  };
  const readValue = (text: string) => sampleValue(text, query);
  const sample: Sample = { ms: 0, value: Number.NaN };
  return (r, i) => {
    const times: number[] = reuse ? shared.times : [];
    const values: number[] = reuse ? shared.values : [];
    if (r.peek() !== 0x7b) throw invalid(query, `result ${i} that is not an object`);
    r.expect(0x7b);
    let labels: Readonly<Record<string, string>> = {};
    let seen = false;
    let n = 0;
    if (!r.accept(0x7d)) {
      do {
        const key = r.string();
        r.expect(0x3a);
        if (key === 'metric') labels = readLabels(r, query);
        else if (key === 'values') {
          // JSON.parse would keep the last of two; the samples of both would be read here. Neither is Prometheus.
          if (seen) throw invalid(query, `result ${i} with "values" twice`);
          seen = true;
          if (r.peek() !== 0x5b) throw invalid(query, `result ${i} without values`);
          r.expect(0x5b);
          if (!r.accept(0x5d)) {
            do {
              readPair(r, query, i, readValue, sample);
              times[n] = sample.ms;
              values[n] = sample.value;
              n++;
            } while (r.more(0x5d));
          }
        } else r.skip();
      } while (r.more(0x7d));
    }
    if (!seen) throw invalid(query, `result ${i} without values`);
    if (times.length !== n) {
      times.length = n;
      values.length = n;
    }
    if (!reuse) return { labels, times, values };
    // The same holder for every series too: a visitor keeps what it computed, never the series.
    shared.labels = labels;
    return shared;
  };
}

export function readVector(
  bytes: Uint8Array,
  query: string,
): { samples: InstantSample[]; warnings: string[] } {
  const { items, warnings } = whole(readResult(bytes, query, 'vector', Infinity, vectorElement(query)));
  return { samples: items, warnings };
}

export function readMatrix(bytes: Uint8Array, query: string): { series: RangeSeries[]; warnings: string[] } {
  const { items, warnings } = whole(readResult(bytes, query, 'matrix', Infinity, matrixElement(query)));
  return { series: items, warnings };
}

/** readVector, letting the event loop run every `slice` samples (the engine reads 10,000-pod answers). */
export async function readVectorSliced(
  bytes: Uint8Array,
  query: string,
  slice = ELEMENTS_PER_SLICE,
): Promise<{ samples: InstantSample[]; warnings: string[] }> {
  const { items, warnings } = await sliced(readResult(bytes, query, 'vector', slice, vectorElement(query)));
  return { samples: items, warnings };
}

/** readMatrix, letting the event loop run every `slice` series. */
export async function readMatrixSliced(
  bytes: Uint8Array,
  query: string,
  slice = ELEMENTS_PER_SLICE,
): Promise<{ series: RangeSeries[]; warnings: string[] }> {
  const { items, warnings } = await sliced(readResult(bytes, query, 'matrix', slice, matrixElement(query)));
  return { series: items, warnings };
}

/**
 * readMatrixSliced without keeping the series: `visit` is given each one as it is read, and the next one reuses
 * its arrays, so a visitor keeps what it computed from a series, never the series. A cycle then holds no answer
 * of 10,000 series until the last of its queries has come back: what it keeps is its own results (the feature
 * builder's statistics), and what the reading allocates dies young. An invalid answer is rejected as by
 * readMatrixSliced, possibly after some series were visited: the caller discards what it got from them.
 */
export async function visitMatrixSliced(
  bytes: Uint8Array,
  query: string,
  visit: (series: RangeSeries) => void,
  slice = ELEMENTS_PER_SLICE,
): Promise<{ warnings: string[] }> {
  const read = matrixElement(query, true);
  const element = (r: JsonBytes, i: number) => visit(read(r, i));
  const { warnings } = await sliced(readResult(bytes, query, 'matrix', slice, element, false));
  return { warnings };
}

/** Server warnings (a Thanos partial response); anything else in their place is ignored. */
export function warningsOf(body: unknown): string[] {
  if (!isObject(body) || !Array.isArray(body.warnings)) return [];
  return body.warnings.filter((w): w is string => typeof w === 'string');
}

/**
 * An answer with an HTTP error status: Prometheus says why in `errorType` (its own evaluation timeout is
 * `timeout` with 503; a bad query `bad_data`, a failed evaluation `execution`); anything else is an HTTP error.
 */
export function httpFailure(status: number, statusText: string, body: unknown): PrometheusQueryError {
  const errorType = isObject(body) && typeof body.errorType === 'string' ? body.errorType : undefined;
  const message =
    isObject(body) && typeof body.error === 'string' ? body.error : statusText || String(status);
  if (errorType === 'timeout') return new PrometheusQueryError('timeout', message, status);
  if (errorType === 'bad_data' || errorType === 'execution') {
    return new PrometheusQueryError('query_error', message, status);
  }
  return new PrometheusQueryError('http_error', message, status);
}
