import { describe, expect, it } from 'vitest';
import { FeatureRow } from '../src/metrics/feature-vector.js';

describe('FeatureRow: 45 features in two typed arrays', () => {
  it('keeps values and missing reasons apart, and never stores a number that is not finite', () => {
    const row = new FeatureRow(4);
    row.setValue(0, 0.25);
    row.setValue(1, Number.POSITIVE_INFINITY);
    row.setMissing(2, 'no_node');
    row.setValue(3, -0);
    expect(row.at(0)).toEqual({ ok: true, value: 0.25 });
    expect(row.at(1)).toEqual({ ok: false, missing: 'not_finite' });
    expect(row.at(2)).toEqual({ ok: false, missing: 'no_node' });
    expect(Object.is(row.valueAt(3), -0)).toBe(true);
    expect(row.at(4)).toBeUndefined();
    expect(row.ok(-1)).toBe(false);
    expect(row.toNullable()).toEqual([0.25, null, null, -0]);
    expect([...row].map((f) => f.ok)).toEqual([true, false, false, true]);
  });

  it('round-trips FeatureValues and copies a block of slots', () => {
    const values = [
      { ok: true, value: 1 },
      { ok: false, missing: 'no_series' },
      { ok: false, missing: 'no_input' },
    ] as const;
    const row = FeatureRow.of(values);
    expect(row.map((f) => f)).toEqual(values);
    const wide = new FeatureRow(5);
    for (let i = 0; i < 5; i++) wide.setValue(i, 9);
    wide.copyFrom(row, 2);
    expect(wide.toNullable()).toEqual([9, 9, 1, null, null]);
    expect(wide.at(4)).toEqual({ ok: false, missing: 'no_input' });
  });
});
