import { describe, expect, it } from 'vitest';
import { PrometheusQueryError, type RangeSeries } from '../src/metrics/prometheus-api.js';
import {
  readMatrix,
  readMatrixSliced,
  readVector,
  readVectorSliced,
  visitMatrixSliced,
} from '../src/metrics/prometheus-response.js';

// The engine reads answers of 10,000 series in slices (the event loop runs in between, so the Lease renewal and
// /healthz are not held for the 20–40 ms of a whole answer). A sliced read must be the whole read, to the bit.

function matrixBody(series: number): Buffer {
  const result = Array.from({ length: series }, (_, i) => ({
    metric: { namespace: `ns-${i % 7}`, pod: `web-${i}`, note: 'a "quoted" ] } [ { label \\ with \u00e9' },
    values: [
      [1_700_000_000 + i, `${i * 0.1}`],
      [1_700_000_060.5, i % 3 === 0 ? 'NaN' : `${-i}e-3`],
    ],
  }));
  return Buffer.from(
    JSON.stringify({ status: 'success', data: { resultType: 'matrix', result }, warnings: ['w'] }),
  );
}

function vectorBody(samples: number): Buffer {
  const result = Array.from({ length: samples }, (_, i) => ({
    metric: { namespace: 'shop', pod: `web-${i}`, node: `n-${i % 5}` },
    value: [1_700_000_000, `${i}`],
  }));
  return Buffer.from(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
}

async function kindOf(read: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await read();
    return undefined;
  } catch (err) {
    return err instanceof PrometheusQueryError ? err.kind : `not a PrometheusQueryError (${String(err)})`;
  }
}

describe('reading an answer in slices', () => {
  it('gives exactly what the whole read gives, for ranges and instants, at any slice size', async () => {
    const matrix = matrixBody(2_345);
    const vector = vectorBody(1_234);
    for (const slice of [1, 7, 1_000, 5_000]) {
      expect(await readMatrixSliced(matrix, 'q', slice)).toEqual(readMatrix(matrix, 'q'));
      expect(await readVectorSliced(vector, 'q', slice)).toEqual(readVector(vector, 'q'));
    }
    const { series, warnings } = await readMatrixSliced(matrix, 'q', 100);
    expect(series).toHaveLength(2_345);
    expect(series[2_344]?.labels.pod).toBe('web-2344');
    expect(warnings).toEqual(['w']);
  });

  it('lets the event loop run between slices', async () => {
    const reading = readMatrixSliced(matrixBody(3_000), 'q', 500);
    let finished = false;
    void reading.then(() => {
      finished = true;
    });
    const ranDuringTheRead = await new Promise<boolean>((resolve) => setImmediate(() => resolve(!finished)));
    expect(ranDuringTheRead).toBe(true);
    expect((await reading).series).toHaveLength(3_000);
  });

  it.each([
    ['a trailing comma in the result', '[{"metric":{},"values":[[1,"1"]]},]'],
    ['two elements without a comma', '[{"metric":{},"values":[[1,"1"]]} {"metric":{},"values":[]}]'],
    ['a bad escape in a label', '[{"metric":{"pod":"a\\qb"},"values":[[1,"1"]]}]'],
    ['a control character in a label', '[{"metric":{"pod":"a\tb"},"values":[[1,"1"]]}]'],
    ['an element that is not an object', '[{"metric":{},"values":[[1,"1"]]},[1]]'],
  ])('refuses %s, sliced or whole', async (_what, result) => {
    const body = Buffer.from(`{"status":"success","data":{"resultType":"matrix","result":${result}}}`);
    expect(await kindOf(() => readMatrixSliced(body, 'q', 1))).toBe('invalid_response');
    expect(await kindOf(async () => readMatrix(body, 'q'))).toBe('invalid_response');
    expect(await kindOf(() => visitMatrixSliced(body, 'q', () => {}, 1))).toBe('invalid_response');
  });

  it('refuses an answer whose result never ends', async () => {
    const body = Buffer.from('{"status":"success","data":{"resultType":"matrix","result":[{"metric":{}');
    expect(await kindOf(() => readMatrixSliced(body, 'q'))).toBe('invalid_response');
  });
});

describe('visiting an answer without keeping it', () => {
  /** What a visitor may keep: copies, since the arrays it is given are reused for the next series. */
  const copy = (s: RangeSeries): RangeSeries => ({
    labels: s.labels,
    times: [...s.times],
    values: [...s.values],
  });

  it('visits every series, in order, with exactly what the whole read gives', async () => {
    const matrix = matrixBody(2_345);
    for (const slice of [1, 1_000, 5_000]) {
      const seen: RangeSeries[] = [];
      const { warnings } = await visitMatrixSliced(matrix, 'q', (s) => seen.push(copy(s)), slice);
      expect(seen).toEqual(readMatrix(matrix, 'q').series);
      expect(warnings).toEqual(['w']);
    }
  });

  it('gives each series exactly its own samples when their counts differ (the reused arrays shrink and grow)', async () => {
    const result = [3, 1, 2, 0, 4].map((n, i) => ({
      metric: { pod: `p-${i}` },
      values: Array.from({ length: n }, (_, k) => [1_700_000_000 + k * 60, `${i}.${k}5`]),
    }));
    const body = Buffer.from(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }));
    const seen: RangeSeries[] = [];
    await visitMatrixSliced(body, 'q', (s) => seen.push(copy(s)));
    expect(seen).toEqual(readMatrix(body, 'q').series);
    expect(seen.map((s) => s.values.length)).toEqual([3, 1, 2, 0, 4]);
  });

  it('reuses one holder and one pair of arrays for every series (nothing of the answer is kept by the reader)', async () => {
    const arrays = new Set<readonly number[]>();
    const holders = new Set<RangeSeries>();
    const labels: Readonly<Record<string, string>>[] = [];
    await visitMatrixSliced(matrixBody(50), 'q', (s) => {
      arrays.add(s.times);
      arrays.add(s.values);
      holders.add(s);
      labels.push(s.labels);
    });
    expect(arrays.size).toBe(2);
    expect(holders.size).toBe(1);
    // Each series' labels are its own object all the same: a visitor may keep them.
    expect(new Set(labels).size).toBe(50);
    expect(labels).toEqual(readMatrix(matrixBody(50), 'q').series.map((s) => s.labels));
  });

  it('refuses what the whole read refuses: another result type, or no success envelope', async () => {
    const vector = vectorBody(3);
    expect(await kindOf(() => visitMatrixSliced(vector, 'q', () => {}))).toBe('invalid_response');
    const failed = Buffer.from('{"status":"error","data":{"resultType":"matrix","result":[]}}');
    expect(await kindOf(() => visitMatrixSliced(failed, 'q', () => {}))).toBe('invalid_response');
  });
});
