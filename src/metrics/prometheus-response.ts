/**
 * Reads Prometheus HTTP API answers (https://prometheus.io/docs/prometheus/latest/querying/api/) straight from the
 * parsed JSON body: the envelope is checked once, then each series is read with plain type checks into numbers.
 * At 10,000 pods a range answer has 60,000 samples; a schema parse and a Date per sample cost more than the
 * rest of the feature build. Anything not shaped as documented is an `invalid_response`, never a number.
 */
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

/** `[<unix seconds>, "<value>"]`; the time in ms, rounded (seconds with a fraction are not exact in binary). */
function sampleTime(pair: unknown[], query: string): number {
  const t = pair[0];
  if (typeof t !== 'number' || !Number.isFinite(t))
    throw invalid(query, 'a sample time that is not a number');
  return Math.round(t * 1000);
}

/** The label set, as sent (every value a string); the object is used as is, not copied. */
function labelsOf(metric: unknown, query: string): Readonly<Record<string, string>> {
  if (metric === undefined || metric === null) return {};
  if (!isObject(metric)) throw invalid(query, 'a metric that is not an object');
  for (const key in metric) {
    if (typeof metric[key] !== 'string') throw invalid(query, `label "${key}" that is not a string`);
  }
  return metric as Record<string, string>;
}

/** The `data` of a successful answer of the expected result type. */
function resultOf(body: unknown, query: string, resultType: 'vector' | 'matrix'): unknown[] {
  if (!isObject(body) || body.status !== 'success' || !isObject(body.data)) {
    throw invalid(query, 'no {status: "success", data} envelope');
  }
  const { data } = body;
  if (data.resultType !== resultType) {
    throw new PrometheusQueryError(
      'invalid_response',
      `expected a ${resultType} for "${query}", got ${String(data.resultType)}`,
    );
  }
  if (!Array.isArray(data.result)) throw invalid(query, 'a result that is not an array');
  return data.result;
}

export function readVector(body: unknown, query: string): InstantSample[] {
  const result = resultOf(body, query, 'vector');
  const out: InstantSample[] = new Array(result.length);
  for (let i = 0; i < result.length; i++) {
    const item = result[i];
    if (!isObject(item) || !Array.isArray(item.value) || item.value.length !== 2) {
      throw invalid(query, `result ${i} without a [time, value] pair`);
    }
    sampleTime(item.value, query);
    out[i] = { labels: labelsOf(item.metric, query), value: sampleValue(item.value[1], query) };
  }
  return out;
}

export function readMatrix(body: unknown, query: string): RangeSeries[] {
  const result = resultOf(body, query, 'matrix');
  const out: RangeSeries[] = new Array(result.length);
  for (let i = 0; i < result.length; i++) {
    const item = result[i];
    if (!isObject(item) || !Array.isArray(item.values)) throw invalid(query, `result ${i} without values`);
    const pairs = item.values;
    const times: number[] = new Array(pairs.length);
    const values: number[] = new Array(pairs.length);
    for (let j = 0; j < pairs.length; j++) {
      const pair = pairs[j];
      if (!Array.isArray(pair) || pair.length !== 2) throw invalid(query, `result ${i}, a sample not a pair`);
      times[j] = sampleTime(pair, query);
      values[j] = sampleValue(pair[1], query);
    }
    out[i] = { labels: labelsOf(item.metric, query), times, values };
  }
  return out;
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
