import { describe, expect, it } from 'vitest';
import { PrometheusQueryError } from '../src/metrics/prometheus-api.js';
import {
  httpFailure,
  readMatrix as readMatrixBytes,
  readVector as readVectorBytes,
  warningsOf,
} from '../src/metrics/prometheus-response.js';

/** A body as Prometheus sends it: JSON text (a string is sent as is). */
const bytes = (body: unknown) => Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
const readMatrix = (body: unknown, query: string) => readMatrixBytes(bytes(body), query).series;
const readVector = (body: unknown, query: string) => readVectorBytes(bytes(body), query).samples;

const matrix = (result: unknown) => ({ status: 'success', data: { resultType: 'matrix', result } });
const vector = (result: unknown) => ({ status: 'success', data: { resultType: 'vector', result } });

function kindOf(read: () => unknown): string | undefined {
  try {
    read();
    return undefined;
  } catch (err) {
    return err instanceof PrometheusQueryError ? err.kind : 'not a PrometheusQueryError';
  }
}

describe('reading Prometheus answers without a schema parse per sample', () => {
  it('reads a matrix into times in ms and numbers, labels as sent', () => {
    const series = readMatrix(
      matrix([
        {
          metric: { __name__: 'up', namespace: 'shop', pod: 'web-1' },
          values: [
            [1700000000, '0.5'],
            [1700000060.5, '1e3'],
          ],
        },
      ]),
      'q',
    );
    expect(series).toEqual([
      {
        labels: { __name__: 'up', namespace: 'shop', pod: 'web-1' },
        times: [1700000000000, 1700000060500],
        values: [0.5, 1000],
      },
    ]);
  });

  it('reads every value as Number() reads its text: long decimals, tiny ones, exponents and escaped text', () => {
    // 16-17 significant digits (what rate() gives) and > 22 fraction digits are past the exact fast path.
    const texts = [
      '0.12345678901234568',
      '1234.5678901234567',
      '-0.000000000000000000000012345',
      '7e-7',
      '1E+3',
      '42',
      ...Array.from({ length: 200 }, (_, i) => String(Math.sin(i + 1) * 10 ** ((i % 9) - 4))),
    ];
    const [s] = readMatrix(matrix([{ metric: {}, values: texts.map((t, i) => [i, t]) }]), 'q');
    expect(s?.values).toEqual(texts.map(Number));
    // An escaped or non-ASCII text is decoded first, then read.
    const [escaped] = readMatrix(
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"\\u0030.25"],[2,"0.\\u0035"]]}]}}',
      'q',
    );
    expect(escaped?.values).toEqual([0.25, 0.5]);
    for (const bad of ['0.5x', 'abc', '', '0.5é']) {
      expect(
        kindOf(() => readMatrix(matrix([{ metric: {}, values: [[1, bad]] }]), 'q')),
        bad,
      ).toBe('invalid_response');
    }
  });

  it('keeps NaN and ±Inf as numbers (the builder reports them as not_finite)', () => {
    const [s] = readMatrix(
      matrix([
        {
          metric: {},
          values: [
            [1, 'NaN'],
            [2, '+Inf'],
            [3, '-Inf'],
          ],
        },
      ]),
      'q',
    );
    expect(s?.values[0]).toBeNaN();
    expect(s?.values.slice(1)).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(readVector(vector([{ metric: { pod: 'p' }, value: [1, '+Inf'] }]), 'q')).toEqual([
      { labels: { pod: 'p' }, value: Number.POSITIVE_INFINITY },
    ]);
  });

  it('rounds fractional seconds to the nearest ms instead of truncating them', () => {
    // 1796201722.833 * 1000 is 1796201722832.9998 in binary: truncating would read 832 ms.
    const [s] = readMatrix(matrix([{ metric: {}, values: [[1796201722.833, '1']] }]), 'q');
    expect(s?.times[0]).toBe(1796201722833);
  });

  it.each([
    ['a value that is not a pair', vector([{ metric: {}, value: 'oops' }])],
    ['a value that is not a number', vector([{ metric: {}, value: [1, 'oops'] }])],
    ['an empty value', vector([{ metric: {}, value: [1, ''] }])],
    ['a time that is not a number', vector([{ metric: {}, value: ['1', '1'] }])],
    ['a label that is not a string', vector([{ metric: { pod: 3 }, value: [1, '1'] }])],
    ['a sample that is not a pair', matrix([{ metric: {}, values: [[1]] }])],
    ['values missing', matrix([{ metric: {} }])],
    ['no envelope', { data: { resultType: 'vector', result: [] } }],
    ['a result that is not an array', { status: 'success', data: { resultType: 'vector', result: {} } }],
    ['a body that is not JSON', '<html>proxy error</html>'],
  ])('%s is an invalid_response', (_what, body) => {
    const read =
      (body as { data?: { resultType?: string } }).data?.resultType === 'matrix' ? readMatrix : readVector;
    expect(kindOf(() => read(body, 'q'))).toBe('invalid_response');
  });

  it('the wrong result type is an invalid_response naming both', () => {
    expect(() => readVector(matrix([]), 'sum(up)')).toThrow('expected a vector for "sum(up)", got matrix');
  });

  it('reads warnings and ignores anything that is not a string list', () => {
    expect(warningsOf({ warnings: ['partial', 3] })).toEqual(['partial']);
    expect(warningsOf({ warnings: 'partial' })).toEqual([]);
    expect(warningsOf('text')).toEqual([]);
  });

  it('classifies HTTP errors by what Prometheus says in the body', () => {
    const body = (errorType: string) => ({ status: 'error', errorType, error: `${errorType} happened` });
    expect(httpFailure(503, 'Service Unavailable', body('timeout'))).toMatchObject({ kind: 'timeout' });
    expect(httpFailure(400, 'Bad Request', body('bad_data'))).toMatchObject({
      kind: 'query_error',
      httpStatus: 400,
      message: 'bad_data happened',
    });
    expect(httpFailure(422, '', body('execution'))).toMatchObject({ kind: 'query_error' });
    expect(httpFailure(502, 'Bad Gateway', 'upstream down')).toMatchObject({
      kind: 'http_error',
      message: 'Bad Gateway',
    });
  });

  describe('read from the bytes, the same as JSON.parse and Number() would read them', () => {
    /** A deterministic generator (mulberry32), so a failure names its seed. */
    function random(seed: number): () => number {
      let a = seed;
      return () => {
        a = (a + 0x6d2b79f5) | 0;
        let t = Math.imul(a ^ (a >>> 15), 1 | a);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    }
    const valueTexts = (next: () => number): string => {
      const kinds = [
        () => String(next() * 10 ** Math.floor(next() * 12 - 6)),
        () => String(Math.floor(next() * 1e6)),
        () => (next() * 1e-7).toExponential(),
        () => `-${(next() * 1000).toFixed(Math.floor(next() * 18))}`,
        () => '0.1',
        () => '123456789012345678901234567890',
        () => '0.30000000000000004',
        () => '9007199254740993',
        () => '-0',
        () => ['NaN', '+Inf', '-Inf', 'Inf'][Math.floor(next() * 4)] as string,
      ];
      return (kinds[Math.floor(next() * kinds.length)] as () => string)();
    };

    it.each([1, 2, 3, 4, 5])('random matrices, seed %i', (seed) => {
      const next = random(seed);
      const result = Array.from({ length: 40 }, (_, i) => ({
        metric: {
          namespace: `ns-${i % 3}`,
          pod: next() < 0.1 ? `pöd "quoted" \\ ${i}\u00e9\n` : `web-${i}`,
          ...(next() < 0.5 ? { container: 'app' } : {}),
        },
        values: Array.from({ length: Math.floor(next() * 25) }, (_, j) => [
          next() < 0.5 ? 1796211145 + j * 15 : Number((1796211145.602 + j * 15.001).toFixed(3)),
          valueTexts(next),
        ]),
      }));
      const body = JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } });
      const expected = result.map((r) => ({
        labels: r.metric,
        times: r.values.map(([t]) => Math.round((t as number) * 1000)),
        values: r.values.map(([, v]) =>
          v === '+Inf' || v === 'Inf'
            ? Number.POSITIVE_INFINITY
            : v === '-Inf'
              ? Number.NEGATIVE_INFINITY
              : Number(v),
        ),
      }));
      const read = readMatrixBytes(Buffer.from(body), 'q').series;
      expect(read).toEqual(expected);
      // toEqual treats 0 and -0 alike; Object.is does not.
      for (const [i, s] of read.entries()) {
        for (const [j, v] of s.values.entries()) expect(Object.is(v, expected[i]?.values[j])).toBe(true);
      }
    });

    it('reads any key order, whitespace and keys it does not know, and the warnings', () => {
      const body = `{
        "warnings" : [ "partial response", 3 ],
        "data" : {
          "result" : [ { "values" : [ [ 1700000000.5 , "2.5" ] ] , "extra": {"a": [1, {"b": "]"}]}, "metric" : { "pod" : "p" } } ],
          "resultType" : "matrix"
        },
        "stats": {"timings": {"evalTotalTime": 0.01}},
        "status" : "success"
      }`;
      expect(readMatrixBytes(Buffer.from(body), 'q')).toEqual({
        series: [{ labels: { pod: 'p' }, times: [1700000000500], values: [2.5] }],
        warnings: ['partial response'],
      });
    });

    it.each([
      [
        'a body cut short',
        '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"2"',
      ],
      ['text after the document', '{"status":"success","data":{"resultType":"vector","result":[]}} trailing'],
      [
        'a native histogram where values were expected',
        '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"histograms":[[1,{}]]}]}}',
      ],
      [
        'a sample with three elements',
        '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"2",3]]}]}}',
      ],
      [
        'a bare word',
        '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"2"]],"x":nope}]}}',
      ],
      ['an empty body', ''],
      ['a status that is not success', '{"status":"error","data":{"resultType":"matrix","result":[]}}'],
    ])('%s is an invalid_response', (_what, body) => {
      expect(kindOf(() => readMatrixBytes(Buffer.from(body), 'q'))).toBe('invalid_response');
    });
  });
});
