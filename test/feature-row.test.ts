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

  it("reads and writes a row of a block within its own slots, never its neighbours'", () => {
    const [a, b, c] = FeatureRow.block(3, 'no_series', 3) as [FeatureRow, FeatureRow, FeatureRow];
    for (let i = 0; i < 3; i++) {
      a.setValue(i, 1);
      c.setValue(i, 3);
    }
    // b's slots past either end are a's and c's in the buffers: out of range for b all the same.
    expect(b.ok(-1)).toBe(false);
    expect(b.ok(3)).toBe(false);
    expect(b.at(3)).toBeUndefined();
    expect(b.valueAt(-1)).toBeUndefined();
    expect(b.toNullable()).toEqual([null, null, null]);
    const node = FeatureRow.of([{ ok: true, value: 5 }]);
    b.copyFrom(node, 2);
    expect(b.toNullable()).toEqual([null, null, 5]);
    expect(c.toNullable()).toEqual([3, 3, 3]);
    c.copyFrom(b, 0);
    expect(c.toNullable()).toEqual([null, null, 5]);
    expect(a.toNullable()).toEqual([1, 1, 1]);
    expect(() => b.copyFrom(node, 3)).toThrow(RangeError);
    // Writes past either end fail, and leave the neighbours as they were.
    expect(() => b.setValue(3, 42)).toThrow(RangeError);
    expect(() => b.setMissing(-1, 'no_input')).toThrow(RangeError);
    expect(() => b.set(3, { ok: true, value: 1 })).toThrow(RangeError);
    expect(a.toNullable()).toEqual([1, 1, 1]);
    expect(() => b.copyFrom(c, 1)).toThrow(RangeError);
    expect(b.detached().toNullable()).toEqual([null, null, 5]);
  });

  it('copies between overlapping windows of one buffer as TypedArray.set does', () => {
    const values = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const reasons = new Uint8Array(6);
    const wide = new FeatureRow(6, { values, reasons });
    const later = new FeatureRow(5, { values, reasons, offset: 1 });
    const earlier = new FeatureRow(5, { values, reasons, offset: 0 });
    later.copyFrom(earlier, 0);
    expect(wide.toNullable()).toEqual([1, 1, 2, 3, 4, 5]);
    earlier.copyFrom(later, 0);
    expect(wide.toNullable()).toEqual([1, 2, 3, 4, 5, 5]);
    const expected = Float64Array.from([1, 1, 2, 3, 4, 5]);
    expected.set(expected.subarray(1, 6), 0);
    expect([...values]).toEqual([...expected]);
  });

  it('refuses a window that does not fit its buffers', () => {
    const storage = { values: new Float64Array(4), reasons: new Uint8Array(4) };
    expect(() => new FeatureRow(3, { ...storage, offset: 2 })).toThrow(RangeError);
    expect(() => new FeatureRow(3, { ...storage, offset: -1 })).toThrow(RangeError);
    expect(new FeatureRow(3, { ...storage, offset: 1 }).length).toBe(3);
  });
});
