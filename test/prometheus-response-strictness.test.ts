import { describe, expect, it } from 'vitest';
import { PrometheusQueryError } from '../src/metrics/prometheus-api.js';
import { readMatrix } from '../src/metrics/prometheus-response.js';

// The byte reader must refuse what JSON.parse refused (or what the JSON.parse-based reader refused), never turn
// it into a number: "Anything not shaped as documented is an invalid_response, never a number".

const matrixWith = (pair: string, metric = '{}') =>
  Buffer.from(
    `{"status":"success","data":{"resultType":"matrix","result":[{"metric":${metric},"values":[${pair}]}]}}`,
  );

function kindOf(read: () => unknown): string | undefined {
  try {
    read();
    return undefined;
  } catch (err) {
    return err instanceof PrometheusQueryError ? err.kind : `not a PrometheusQueryError (${String(err)})`;
  }
}

describe('the byte reader refuses what is not a Prometheus answer', () => {
  it('a sample time that overflows to Infinity (valid JSON) is an invalid_response, as before the byte reader', () => {
    expect(JSON.parse('1e400')).toBe(Number.POSITIVE_INFINITY);
    expect(kindOf(() => readMatrix(matrixWith('[1e400,"1"]'), 'q'))).toBe('invalid_response');
  });

  it.each([
    ['a hexadecimal time', '[0x6553F100,"1"]'],
    ['a binary time', '[0b101,"1"]'],
    ['a time with a leading zero', '[017,"1"]'],
    ['-Infinity as a time', '[-Infinity,"1"]'],
  ])('%s (not JSON) is an invalid_response, not a number', (_what, pair) => {
    expect(() => JSON.parse(pair)).toThrow();
    expect(kindOf(() => readMatrix(matrixWith(pair), 'q'))).toBe('invalid_response');
  });

  it.each([
    ['a label value', '[1,"1"]', '{"pod":"a\\xb"}'],
    ['a label value (short \\u escape)', '[1,"1"]', '{"pod":"a\\u12"}'],
    ['a sample value', '[1,"1\\q"]', '{}'],
  ])('a bad escape in %s is an invalid_response, not a bare SyntaxError', (_what, pair, metric) => {
    expect(kindOf(() => readMatrix(matrixWith(pair, metric), 'q'))).toBe('invalid_response');
  });

  it('two "values" of one series, or a raw control character in a string, are an invalid_response', () => {
    const twice = Buffer.from(
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"]],"values":[[2,"2"]]}]}}',
    );
    expect(kindOf(() => readMatrix(twice, 'q'))).toBe('invalid_response');
    expect(kindOf(() => readMatrix(matrixWith('[1,"1"]', '{"pod":"a\tb"}'), 'q'))).toBe('invalid_response');
  });

  // A second "result" (or "data") is refused whatever either holds: JSON.parse would keep the last of two, and an
  // earlier array skipped by a reader would never be checked. Neither is Prometheus.
  it.each([
    ['a malformed result, then an empty one', '"result":[{"metric":{},"values":[[1,"x"]]}],"result":[]'],
    ['a result that is not JSON, then an empty one', '"result":[},"result":[]'],
    ['a result, then null', '"result":[{"metric":{},"values":[[1,"1"]]}],"result":null'],
    ['two well-formed results', '"result":[],"result":[{"metric":{},"values":[[1,"1"]]}]'],
  ])('"result" twice (%s) is an invalid_response', (_what, fields) => {
    const body = Buffer.from(`{"status":"success","data":{"resultType":"matrix",${fields}}}`);
    expect(kindOf(() => readMatrix(body, 'q'))).toBe('invalid_response');
  });

  it('"data" twice, the first with a result never read, is an invalid_response', () => {
    const body = Buffer.from(
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"x"]]}]},' +
        '"data":{"resultType":"matrix","result":[]}}',
    );
    expect(kindOf(() => readMatrix(body, 'q'))).toBe('invalid_response');
  });

  it('a label named __proto__ is kept as a label', () => {
    const [series] = readMatrix(matrixWith('[1,"1"]', '{"__proto__":"x","pod":"p"}'), 'q').series;
    expect(Object.keys(series?.labels ?? {})).toEqual(['__proto__', 'pod']);
    expect(Object.getOwnPropertyDescriptor(series?.labels, '__proto__')?.value).toBe('x');
  });
});
