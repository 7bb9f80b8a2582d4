import { describe, expect, it } from 'vitest';
import { PrometheusQueryError } from '../src/metrics/prometheus-api.js';
import { httpFailure, readMatrix, readVector, warningsOf } from '../src/metrics/prometheus-response.js';

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
});
